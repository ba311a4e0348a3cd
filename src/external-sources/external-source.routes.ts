import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { cursorListing } from '../http/cursor-listing.js';
import {
  createExternalSource,
  deleteExternalSource,
  getExternalSource,
  listExternalSources,
  updateExternalSource,
} from './external-source.service.js';
import { EXTERNAL_SOURCES_PATH, toExternalSourceView } from './external-source.js';

const SourceSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    active: Type.Boolean(),
    linkConfiguration: Type.Optional(Type.Object({ uriTemplate: Type.String() })),
    selfUri: Type.String(),
  },
  { title: 'ExternalSource' },
);

const SourceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    active: Type.Optional(Type.Boolean()),
    linkConfiguration: Type.Optional(Type.Object({ uriTemplate: Type.Optional(Type.String()) })),
  },
  { additionalProperties: true },
);

const Params = Type.Object({ externalSourceId: Type.String({ minLength: 1, maxLength: 100 }) });
const tags = ['External sources'];

export function externalSourceRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      EXTERNAL_SOURCES_PATH,
      {
        schema: {
          tags,
          summary: 'List external sources (cursor paging)',
          querystring: Type.Object({
            cursor: Type.Optional(Type.String()),
            limit: Type.Integer({ default: 100 }),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            active: Type.Optional(Type.Boolean()),
          }),
          response: {
            200: Type.Object({
              entities: Type.Array(SourceSchema),
              cursors: Type.Optional(Type.Object({ after: Type.String() })),
              nextUri: Type.Optional(Type.String()),
              selfUri: Type.String(),
            }),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const { sources, next } = await listExternalSources(
          db,
          principalOf(request),
          request.query,
        );
        return cursorListing(
          sources.map(toExternalSourceView),
          next,
          EXTERNAL_SOURCES_PATH,
          request.query,
        );
      },
    );

    r.post(
      EXTERNAL_SOURCES_PATH,
      {
        schema: {
          tags,
          summary: 'Create an external source',
          body: SourceBody,
          response: { 200: SourceSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toExternalSourceView(await createExternalSource(db, principalOf(request), request.body)),
    );

    r.get(
      `${EXTERNAL_SOURCES_PATH}/:externalSourceId`,
      {
        schema: {
          tags,
          summary: 'Fetch an external source',
          params: Params,
          response: { 200: SourceSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toExternalSourceView(
          await getExternalSource(db, principalOf(request), request.params.externalSourceId),
        ),
    );

    r.put(
      `${EXTERNAL_SOURCES_PATH}/:externalSourceId`,
      {
        schema: {
          tags,
          summary: 'Update an external source',
          params: Params,
          body: SourceBody,
          response: { 200: SourceSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toExternalSourceView(
          await updateExternalSource(
            db,
            principalOf(request),
            request.params.externalSourceId,
            request.body,
          ),
        ),
    );

    r.delete(
      `${EXTERNAL_SOURCES_PATH}/:externalSourceId`,
      {
        schema: {
          tags,
          summary: 'Delete an external source (records keep their external ids)',
          params: Params,
          response: { 200: Type.Object({}), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        await deleteExternalSource(db, principalOf(request), request.params.externalSourceId);
        return {};
      },
    );
  };
}
