import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Principal } from '../authorization/access.js';
import { checkBulkSize, runBulk } from '../common/bulk.js';
import type { ScanRequest } from '../common/scan.js';
import { badRequest } from '../errors/app-error.js';
import { principalOf } from './fastify-types.js';
import { cursorListing } from './cursor-listing.js';
import {
  BulkIdsBody,
  ScanQuery,
  bulkEntitiesBody,
  bulkResponseSchema,
  cursorListingSchema,
} from './bulk-schemas.js';
import { STANDARD_ERRORS } from './schemas.js';
import { MAX_BULK_ENRICH } from '../common/enrich.js';
import { Type } from '@sinclair/typebox';

const ROOT = '/api/v2/externalcontacts';

/** One bulk fetch endpoint: `/bulk/{plural}{suffix}`. */
export interface BulkFetchRoute {
  suffix: string;
  summary: string;
  /** The record as the API shows it. @throws AppError when it is missing or hidden. */
  fetch: (principal: Principal, id: string) => Promise<unknown>;
}

/** What one kind of record brings to its bulk and scan endpoints. */
export interface BulkRoutesSpec<B extends TSchema> {
  /** The plural in the paths: `contacts` gives `/bulk/contacts`, `/scan/contacts`, .... */
  plural: string;
  tag: string;
  /** The write body of one entity; `id` names the record to update. */
  body: B;
  /** The record as the API shows it, for the scan listing. */
  entity: TSchema;
  titles: { bulkResponse: string; scanListing: string };
  fetch: readonly BulkFetchRoute[];
  add: {
    summary: string;
    create: (
      principal: Principal,
      input: Static<B>,
      index: number,
    ) => Promise<{ id: string; entity: unknown }>;
  };
  update: {
    summary: string;
    /** Named in the 400 of an entity without id: `a contact`, `an external organization`. */
    noun: string;
    replace: (
      principal: Principal,
      input: Static<B>,
      id: string,
      index: number,
    ) => Promise<unknown>;
  };
  remove: { summary: string; remove: (principal: Principal, id: string) => Promise<void> };
  scan: {
    summary: { oneDivision: string; allDivisions: string };
    scan: (
      principal: Principal,
      request: ScanRequest,
    ) => Promise<{ entities: unknown[]; next?: string | undefined }>;
  };
}

/**
 * Registers the Genesys bulk endpoints (fetch, add, update, remove) and the scan endpoints
 * (`/scan/{plural}` and `/scan/{plural}/divisionviews/all`) of one kind of record. Each bulk
 * entity succeeds or fails on its own (runBulk); an update entity without `id` fails with 400.
 */
export function registerBulkRoutes<B extends TSchema>(
  app: FastifyInstance,
  spec: BulkRoutesSpec<B>,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = [spec.tag];
  const bulk = `${ROOT}/bulk/${spec.plural}`;
  const EntitiesBody = bulkEntitiesBody(spec.body);
  const respond = { 200: bulkResponseSchema(spec.titles.bulkResponse), ...STANDARD_ERRORS };
  const ScanListing = cursorListingSchema(spec.entity, spec.titles.scanListing);
  const idOf = (entity: { id?: string }) => entity.id;

  for (const { suffix, summary, fetch } of spec.fetch) {
    r.post(
      `${bulk}${suffix}`,
      { schema: { tags, summary, body: BulkIdsBody, response: respond } },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async ({ id }) => ({ entity: await fetch(principal, id) }),
          idOf,
        );
      },
    );
  }

  r.post(
    `${bulk}/add`,
    { schema: { tags, summary: spec.add.summary, body: EntitiesBody, response: respond } },
    async (request) => {
      const principal = principalOf(request);
      const entities = request.body.entities as Static<B>[];
      checkBulkSize(entities);
      return runBulk(
        entities,
        (input, index) => spec.add.create(principal, input, index),
        () => undefined,
      );
    },
  );

  r.post(
    `${bulk}/update`,
    { schema: { tags, summary: spec.update.summary, body: EntitiesBody, response: respond } },
    async (request) => {
      const principal = principalOf(request);
      const entities = request.body.entities as (Static<B> & { id?: string })[];
      checkBulkSize(entities);
      return runBulk(
        entities,
        async (input, index) => {
          if (input.id === undefined)
            throw badRequest(
              `entities[${index}].id is required to update ${spec.update.noun}`,
              `entities[${index}].id`,
            );
          return { entity: await spec.update.replace(principal, input, input.id, index) };
        },
        idOf,
      );
    },
  );

  r.post(
    `${bulk}/remove`,
    { schema: { tags, summary: spec.remove.summary, body: BulkIdsBody, response: respond } },
    async (request) => {
      const principal = principalOf(request);
      checkBulkSize(request.body.entities);
      return runBulk(
        request.body.entities,
        async ({ id }) => {
          await spec.remove.remove(principal, id);
          return {};
        },
        idOf,
      );
    },
  );

  for (const [path, allDivisions] of [
    [`${ROOT}/scan/${spec.plural}`, false],
    [`${ROOT}/scan/${spec.plural}/divisionviews/all`, true],
  ] as const) {
    r.get(
      path,
      {
        schema: {
          tags,
          summary: allDivisions ? spec.scan.summary.allDivisions : spec.scan.summary.oneDivision,
          querystring: ScanQuery,
          response: { 200: ScanListing, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { entities, next } = await spec.scan.scan(principal, {
          ...request.query,
          allDivisions,
        });
        return cursorListing(entities, next, path, request.query);
      },
    );
  }
}

/**
 * `POST /bulk/{plural}/enrich`: up to 10 enrich operations (`?dryRun` for all), each on its own,
 * answered per entity with 201 for a record made and 200 for one changed.
 */
export function registerBulkEnrich<B extends TSchema, I>(
  app: FastifyInstance,
  spec: {
    plural: string;
    tag: string;
    request: B;
    title: string;
    enrich: (
      principal: Principal,
      input: I,
      dryRun: boolean,
    ) => Promise<{ id: string; entity: unknown; created: boolean }>;
  },
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    `${ROOT}/bulk/${spec.plural}/enrich`,
    {
      schema: {
        tags: [spec.tag],
        summary: `Run up to ${MAX_BULK_ENRICH} enrich operations, each on its own`,
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
        body: Type.Object(
          { entities: Type.Array(spec.request, { maxItems: 1000 }) },
          { title: spec.title },
        ),
        response: {
          200: bulkResponseSchema(`${spec.title.replace(/Request$/, '')}Response`),
          ...STANDARD_ERRORS,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const entities = request.body.entities as I[];
      checkBulkSize(entities, MAX_BULK_ENRICH);
      return runBulk(
        entities,
        async (input) => {
          const done = await spec.enrich(principal, input, request.query.dryRun === true);
          return { id: done.id, entity: done.entity, status: done.created ? 201 : 200 };
        },
        (input) => (input as { id?: string }).id,
      );
    },
  );
}
