import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { checkBulkSize, runBulk } from '../common/bulk.js';
import { badRequest } from '../errors/app-error.js';
import { principalOf } from '../http/fastify-types.js';
import { cursorListing } from '../http/cursor-listing.js';
import {
  BulkIdsBody,
  ScanQuery,
  bulkEntitiesBody,
  bulkResponseSchema,
  cursorListingSchema,
} from '../http/bulk-schemas.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import {
  createRelationship,
  deleteRelationship,
  getRelationship,
  replaceRelationship,
  scanRelationships,
} from './relationship.service.js';
import { toRelationshipView } from './relationship.js';
import { RelationshipBodySchema, RelationshipSchema } from './relationship.schemas.js';

const ROOT = '/api/v2/externalcontacts';
const tags = ['Relationships (bulk and scan)'];

const RelationshipsBody = bulkEntitiesBody(RelationshipBodySchema);
const BulkResponseSchema = bulkResponseSchema('BulkRelationshipsResponse');
const ScanListing = cursorListingSchema(RelationshipSchema, 'CursorRelationshipListing');

/** The bulk and scan endpoints of relationships (users related to external organizations). */
export function relationshipBulkRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const respond = { 200: BulkResponseSchema, ...STANDARD_ERRORS };

    r.post(
      `${ROOT}/bulk/relationships`,
      {
        schema: { tags, summary: 'Bulk fetch relationships', body: BulkIdsBody, response: respond },
      },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async ({ id }) => ({
            entity: toRelationshipView(await getRelationship(db, principal, id)),
          }),
          (e) => e.id,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/relationships/add`,
      {
        schema: {
          tags,
          summary: 'Bulk relate users to external organizations',
          body: RelationshipsBody,
          response: respond,
        },
      },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async (input) => {
            const relationship = await createRelationship(db, principal, input);
            return { id: relationship.id, entity: toRelationshipView(relationship) };
          },
          () => undefined,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/relationships/update`,
      {
        schema: {
          tags,
          summary: 'Bulk update relationships (each needs its id)',
          body: RelationshipsBody,
          response: respond,
        },
      },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async (input, index) => {
            if (input.id === undefined)
              throw badRequest(
                `entities[${index}].id is required to update a relationship`,
                `entities[${index}].id`,
              );
            return {
              entity: toRelationshipView(await replaceRelationship(db, principal, input.id, input)),
            };
          },
          (e) => e.id,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/relationships/remove`,
      {
        schema: {
          tags,
          summary: 'Bulk delete relationships',
          body: BulkIdsBody,
          response: respond,
        },
      },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async ({ id }) => {
            await deleteRelationship(db, principal, id);
            return {};
          },
          (e) => e.id,
        );
      },
    );

    for (const [path, allDivisions] of [
      [`${ROOT}/scan/relationships`, false],
      [`${ROOT}/scan/relationships/divisionviews/all`, true],
    ] as const) {
      r.get(
        path,
        {
          schema: {
            tags,
            summary: allDivisions
              ? 'Scan the relationships of every division (needs organization viewAll)'
              : 'Scan the relationships of one division (default *, unassigned)',
            querystring: ScanQuery,
            response: { 200: ScanListing, ...STANDARD_ERRORS },
          },
        },
        async (request) => {
          const principal = principalOf(request);
          const { relationships, next } = await scanRelationships(db, principal, {
            ...request.query,
            allDivisions,
          });
          return cursorListing(relationships.map(toRelationshipView), next, path, request.query);
        },
      );
    }
  };
}
