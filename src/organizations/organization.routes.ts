import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { parseExpand, splitListParam } from '../common/list-params.js';
import { etagOf } from '../common/etag.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { CONTACT_EXPANSIONS, renderContacts } from '../contacts/contact.views.js';
import {
  ContactListingSchema,
  ExpandQuery,
  IdentifierSchema,
  PatchRequestSchema,
} from '../contacts/contact.schemas.js';
import {
  createOrganization,
  deleteOrganization,
  getOrganization,
  patchOrganization,
  replaceOrganization,
  searchOrganizationContacts,
  searchOrganizations,
} from './organization.service.js';
import {
  claimOrganizationIdentifier,
  listOrganizationIdentifiers,
  lookupOrganization,
  releaseOrganizationIdentifier,
} from './organization-identifier.service.js';
import {
  ORGANIZATION_EXPANSIONS,
  renderOrganization,
  renderOrganizations,
} from './organization.views.js';
import {
  ClaimRequestSchema,
  OrganizationBodySchema,
  OrganizationEnrichRequestSchema,
  OrganizationIdentifierSchema,
  OrganizationListingSchema,
  OrganizationSchema,
} from './organization.schemas.js';
import { ORGANIZATIONS_PATH } from './organization.js';
import { enrichOrganization } from './organization-enrich.service.js';

const Params = Type.Object({
  externalOrganizationId: Type.String({ minLength: 1, maxLength: 100 }),
});
const tags = ['External organizations'];
const ROOT = '/api/v2/externalcontacts';
const ONE = `${ORGANIZATIONS_PATH}/:externalOrganizationId`;

export function organizationRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      ORGANIZATIONS_PATH,
      {
        schema: {
          tags,
          summary: 'Search for external organizations (name prefix)',
          querystring: Type.Object({
            pageSize: Type.Integer({ default: 20 }),
            pageNumber: Type.Integer({ default: 1 }),
            q: Type.Optional(Type.String({ maxLength: 1000 })),
            sortOrder: Type.Optional(Type.String()),
            expand: ExpandQuery,
            divisionIds: Type.Optional(Type.Array(Type.String())),
          }),
          response: { 200: OrganizationListingSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { pageSize, pageNumber, q, sortOrder, divisionIds, expand } = request.query;
        const principal = principalOf(request);
        const page = { pageSize, pageNumber };
        const { organizations, total } = await searchOrganizations(db, principal, {
          page,
          q,
          sortOrder,
          divisionIds: splitListParam(divisionIds),
        });
        const entities = await renderOrganizations(
          db,
          principal,
          organizations,
          parseExpand(expand, ORGANIZATION_EXPANSIONS),
        );
        return {
          ...pagedListing(entities, total, page, ORGANIZATIONS_PATH, {
            q,
            sortOrder,
            divisionIds,
            expand,
          }),
          partialResults: false,
        };
      },
    );

    r.post(
      ORGANIZATIONS_PATH,
      {
        schema: {
          tags,
          summary: 'Create an external organization',
          body: OrganizationBodySchema,
          response: { 200: OrganizationSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const organization = await createOrganization(db, principal, request.body);
        void reply.header('etag', etagOf(organization.version));
        return renderOrganization(db, principal, organization);
      },
    );

    r.post(
      `${ORGANIZATIONS_PATH}/enrich`,
      {
        schema: {
          tags,
          summary:
            'Find an external organization by its external ids and create or update it (201 when one was made)',
          querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
          body: OrganizationEnrichRequestSchema,
          response: { 200: OrganizationSchema, 201: OrganizationSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { organization, created } = await enrichOrganization(db, principal, request.body, {
          dryRun: request.query.dryRun === true,
        });
        void reply.code(created ? 201 : 200);
        return renderOrganization(db, principal, organization);
      },
    );

    r.get(
      ONE,
      {
        schema: {
          tags,
          summary: 'Fetch an external organization',
          params: Params,
          querystring: Type.Object({
            expand: ExpandQuery,
            includeTrustors: Type.Optional(Type.Boolean()),
          }),
          response: { 200: OrganizationSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const organization = await getOrganization(
          db,
          principal,
          request.params.externalOrganizationId,
        );
        void reply.header('etag', etagOf(organization.version));
        return renderOrganization(
          db,
          principal,
          organization,
          parseExpand(request.query.expand, ORGANIZATION_EXPANSIONS),
        );
      },
    );

    r.put(
      ONE,
      {
        schema: {
          tags,
          summary: 'Update an external organization (send If-Match to refuse stale writes)',
          params: Params,
          body: OrganizationBodySchema,
          response: { 200: OrganizationSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const organization = await replaceOrganization(
          db,
          principal,
          request.params.externalOrganizationId,
          request.body,
          request.headers['if-match'],
        );
        void reply.header('etag', etagOf(organization.version));
        return renderOrganization(db, principal, organization);
      },
    );

    r.patch(
      ONE,
      {
        schema: {
          tags,
          summary:
            'Patch an external organization with changes[] (send If-Match to refuse stale writes)',
          params: Params,
          body: PatchRequestSchema,
          response: { 200: OrganizationSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const organization = await patchOrganization(
          db,
          principal,
          request.params.externalOrganizationId,
          request.body.changes,
          request.headers['if-match'],
        );
        void reply.header('etag', etagOf(organization.version));
        return renderOrganization(db, principal, organization);
      },
    );

    r.delete(
      ONE,
      {
        schema: {
          tags,
          summary:
            'Delete an external organization with its relationships; linked contacts are kept, unlinked',
          params: Params,
          response: { 200: Type.Object({}), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        await deleteOrganization(
          db,
          principalOf(request),
          request.params.externalOrganizationId,
          request.headers['if-match'],
        );
        return {};
      },
    );

    r.get(
      `${ONE}/contacts`,
      {
        schema: {
          tags,
          summary: 'Search the external contacts linked to an external organization',
          params: Params,
          querystring: Type.Object({
            pageSize: Type.Integer({ default: 20 }),
            pageNumber: Type.Integer({ default: 1 }),
            q: Type.Optional(Type.String({ maxLength: 1000 })),
            sortOrder: Type.Optional(Type.String()),
            expand: ExpandQuery,
          }),
          response: { 200: ContactListingSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { pageSize, pageNumber, q, sortOrder, expand } = request.query;
        const principal = principalOf(request);
        const page = { pageSize, pageNumber };
        const organizationId = request.params.externalOrganizationId;
        const { contacts, total, partial } = await searchOrganizationContacts(
          db,
          principal,
          organizationId,
          { page, q, sortOrder },
        );
        const entities = await renderContacts(
          db,
          principal,
          contacts,
          parseExpand(expand, CONTACT_EXPANSIONS),
        );
        return {
          ...pagedListing(
            entities,
            total,
            page,
            `${ORGANIZATIONS_PATH}/${organizationId}/contacts`,
            {
              q,
              sortOrder,
              expand,
            },
          ),
          partialResults: partial,
        };
      },
    );

    r.get(
      `${ONE}/identifiers`,
      {
        schema: {
          tags,
          summary: 'List the identifiers an external organization claims',
          params: Params,
          response: {
            200: Type.Object(
              { entities: Type.Array(OrganizationIdentifierSchema) },
              { title: 'ExternalOrganizationIdentifierListing' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => ({
        entities: await listOrganizationIdentifiers(
          db,
          principalOf(request),
          request.params.externalOrganizationId,
        ),
      }),
    );

    r.patch(
      `${ONE}/identifiers`,
      {
        schema: {
          tags,
          summary: 'Claim or release an ExternalId identifier for an external organization',
          params: Params,
          body: ClaimRequestSchema,
          response: { 200: OrganizationIdentifierSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { operation, identifier } = request.body;
        const id = request.params.externalOrganizationId;
        return operation === 'Claim'
          ? claimOrganizationIdentifier(db, principal, id, identifier)
          : releaseOrganizationIdentifier(db, principal, id, identifier);
      },
    );

    r.post(
      `${ROOT}/identifierlookup/organizations`,
      {
        schema: {
          tags,
          summary: 'Find the external organization that claims an ExternalId',
          querystring: Type.Object({ expand: ExpandQuery }),
          body: IdentifierSchema,
          response: { 200: OrganizationSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const organization = await lookupOrganization(db, principal, request.body);
        return renderOrganization(
          db,
          principal,
          organization,
          parseExpand(request.query.expand, ORGANIZATION_EXPANSIONS),
        );
      },
    );
  };
}
