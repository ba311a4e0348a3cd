import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { principalOf } from '../http/fastify-types.js';
import { Listing, STANDARD_ERRORS } from '../http/schemas.js';
import { ExpandQuery, PatchRequestSchema } from '../contacts/contact.schemas.js';
import { ORGANIZATIONS_PATH } from '../organizations/organization.js';
import {
  createRelationship,
  deleteRelationship,
  getRelationship,
  listOrganizationRelationships,
  patchRelationship,
  replaceRelationship,
} from './relationship.service.js';
import { RELATIONSHIPS_PATH, toRelationshipView } from './relationship.js';
import { RelationshipBodySchema, RelationshipSchema } from './relationship.schemas.js';

const RelationshipListingSchema = Type.Composite([
  Listing(RelationshipSchema, 'RelationshipListing'),
  Type.Object({ partialResults: Type.Boolean() }),
]);

const Params = Type.Object({ relationshipId: Type.String({ minLength: 1, maxLength: 100 }) });
const OrganizationParams = Type.Object({
  externalOrganizationId: Type.String({ minLength: 1, maxLength: 100 }),
});
const tags = ['Relationships'];

export function relationshipRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      RELATIONSHIPS_PATH,
      {
        schema: {
          tags,
          summary: 'Relate a user to an external organization',
          body: RelationshipBodySchema,
          response: { 200: RelationshipSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toRelationshipView(await createRelationship(db, principalOf(request), request.body)),
    );

    r.get(
      `${RELATIONSHIPS_PATH}/:relationshipId`,
      {
        schema: {
          tags,
          summary: 'Fetch a relationship',
          params: Params,
          querystring: Type.Object({ expand: ExpandQuery }),
          response: { 200: RelationshipSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toRelationshipView(
          await getRelationship(db, principalOf(request), request.params.relationshipId),
        ),
    );

    r.put(
      `${RELATIONSHIPS_PATH}/:relationshipId`,
      {
        schema: {
          tags,
          summary: "Update a relationship's user and text",
          params: Params,
          body: RelationshipBodySchema,
          response: { 200: RelationshipSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toRelationshipView(
          await replaceRelationship(
            db,
            principalOf(request),
            request.params.relationshipId,
            request.body,
          ),
        ),
    );

    r.patch(
      `${RELATIONSHIPS_PATH}/:relationshipId`,
      {
        schema: {
          tags,
          summary: 'Patch a relationship with changes[]',
          params: Params,
          body: PatchRequestSchema,
          response: { 200: RelationshipSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toRelationshipView(
          await patchRelationship(
            db,
            principalOf(request),
            request.params.relationshipId,
            request.body.changes,
          ),
        ),
    );

    r.delete(
      `${RELATIONSHIPS_PATH}/:relationshipId`,
      {
        schema: {
          tags,
          summary: 'Delete a relationship',
          params: Params,
          response: { 200: Type.Object({}), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        await deleteRelationship(db, principalOf(request), request.params.relationshipId);
        return {};
      },
    );

    r.get(
      `${ORGANIZATIONS_PATH}/:externalOrganizationId/relationships`,
      {
        schema: {
          tags,
          summary: "List an external organization's relationships",
          params: OrganizationParams,
          querystring: Type.Object({
            pageSize: Type.Integer({ default: 20 }),
            pageNumber: Type.Integer({ default: 1 }),
            sortOrder: Type.Optional(Type.String()),
            expand: ExpandQuery,
          }),
          response: { 200: RelationshipListingSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { pageSize, pageNumber, sortOrder, expand } = request.query;
        const organizationId = request.params.externalOrganizationId;
        const page = { pageSize, pageNumber };
        const { relationships, total } = await listOrganizationRelationships(
          db,
          principalOf(request),
          organizationId,
          { page, sortOrder },
        );
        return {
          ...pagedListing(
            relationships.map(toRelationshipView),
            total,
            page,
            `${ORGANIZATIONS_PATH}/${organizationId}/relationships`,
            { sortOrder, expand },
          ),
          partialResults: false,
        };
      },
    );
  };
}
