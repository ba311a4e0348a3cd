import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { registerBulkRoutes } from '../http/bulk-routes.js';
import {
  createRelationship,
  deleteRelationship,
  getRelationship,
  replaceRelationship,
  scanRelationships,
} from './relationship.service.js';
import { toRelationshipView } from './relationship.js';
import { RelationshipBodySchema, RelationshipSchema } from './relationship.schemas.js';

/** The bulk and scan endpoints of relationships (users related to external organizations). */
export function relationshipBulkRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    registerBulkRoutes(app, {
      plural: 'relationships',
      tag: 'Relationships (bulk and scan)',
      body: RelationshipBodySchema,
      entity: RelationshipSchema,
      titles: {
        bulkResponse: 'BulkRelationshipsResponse',
        scanListing: 'CursorRelationshipListing',
      },
      fetch: [
        {
          suffix: '',
          summary: 'Bulk fetch relationships',
          fetch: async (principal, id) =>
            toRelationshipView(await getRelationship(db, principal, id)),
        },
      ],
      add: {
        summary: 'Bulk relate users to external organizations',
        create: async (principal, input) => {
          const relationship = await createRelationship(db, principal, input);
          return { id: relationship.id, entity: toRelationshipView(relationship) };
        },
      },
      update: {
        summary: 'Bulk update relationships (each needs its id)',
        noun: 'a relationship',
        replace: async (principal, input, id) =>
          toRelationshipView(await replaceRelationship(db, principal, id, input)),
      },
      remove: {
        summary: 'Bulk delete relationships',
        remove: (principal, id) => deleteRelationship(db, principal, id),
      },
      scan: {
        summary: {
          oneDivision: 'Scan the relationships of one division (default *, unassigned)',
          allDivisions: 'Scan the relationships of every division (needs organization viewAll)',
        },
        scan: async (principal, request) => {
          const { relationships, next } = await scanRelationships(db, principal, request);
          return { entities: relationships.map(toRelationshipView), next };
        },
      },
    });
  };
}
