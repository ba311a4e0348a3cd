import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess } from '../authorization/access.js';
import { checkBulkSize, runBulk } from '../common/bulk.js';
import { badRequest, notFound } from '../errors/app-error.js';
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
import { findOrganization } from './organization.repository.js';
import {
  ORGANIZATION_SEARCH,
  ORGANIZATION_VIEW,
  createOrganization,
  deleteOrganization,
  replaceOrganization,
  scanOrganizations,
} from './organization.service.js';
import { renderOrganization, renderOrganizations } from './organization.views.js';
import { OrganizationBodySchema, OrganizationSchema } from './organization.schemas.js';

const ROOT = '/api/v2/externalcontacts';
const tags = ['External organizations (bulk and scan)'];

const OrganizationsBody = bulkEntitiesBody(OrganizationBodySchema);
const BulkResponseSchema = bulkResponseSchema('BulkOrganizationsResponse');
const ScanListing = cursorListingSchema(OrganizationSchema, 'CursorOrganizationListing');

/** The bulk and scan endpoints of external organizations. */
export function organizationBulkRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const respond = { 200: BulkResponseSchema, ...STANDARD_ERRORS };

    // Fetch by id: what the principal may view, or (divisionviews) search across divisions.
    for (const [path, permission, summary] of [
      [`${ROOT}/bulk/organizations`, ORGANIZATION_VIEW, 'Bulk fetch external organizations'],
      [
        `${ROOT}/bulk/organizations/divisionviews`,
        ORGANIZATION_SEARCH,
        'Bulk fetch external organizations across divisions',
      ],
    ] as const) {
      r.post(
        path,
        { schema: { tags, summary, body: BulkIdsBody, response: respond } },
        async (request) => {
          const principal = principalOf(request);
          checkBulkSize(request.body.entities);
          return runBulk(
            request.body.entities,
            async ({ id }) => {
              const organization = await findOrganization(db, principal.orgId, id);
              if (!organization || !canAccess(principal, permission, organization.divisionId))
                throw notFound('External organization', id);
              return { entity: await renderOrganization(db, principal, organization) };
            },
            (e) => e.id,
          );
        },
      );
    }

    r.post(
      `${ROOT}/bulk/organizations/add`,
      {
        schema: {
          tags,
          summary: 'Bulk create external organizations',
          body: OrganizationsBody,
          response: respond,
        },
      },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async (input) => {
            const organization = await createOrganization(db, principal, input);
            return {
              id: organization.id,
              entity: await renderOrganization(db, principal, organization),
            };
          },
          () => undefined,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/organizations/update`,
      {
        schema: {
          tags,
          summary: 'Bulk update external organizations (each needs its id)',
          body: OrganizationsBody,
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
                `entities[${index}].id is required to update an external organization`,
                `entities[${index}].id`,
              );
            const organization = await replaceOrganization(db, principal, input.id, input);
            return { entity: await renderOrganization(db, principal, organization) };
          },
          (e) => e.id,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/organizations/remove`,
      {
        schema: {
          tags,
          summary:
            'Bulk delete external organizations with their relationships; linked contacts are unlinked',
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
            await deleteOrganization(db, principal, id);
            return {};
          },
          (e) => e.id,
        );
      },
    );

    for (const [path, allDivisions] of [
      [`${ROOT}/scan/organizations`, false],
      [`${ROOT}/scan/organizations/divisionviews/all`, true],
    ] as const) {
      r.get(
        path,
        {
          schema: {
            tags,
            summary: allDivisions
              ? 'Scan the external organizations of every division (needs viewAll)'
              : 'Scan the external organizations of one division (default *, unassigned)',
            querystring: ScanQuery,
            response: { 200: ScanListing, ...STANDARD_ERRORS },
          },
        },
        async (request) => {
          const principal = principalOf(request);
          const { organizations, next } = await scanOrganizations(db, principal, {
            ...request.query,
            allDivisions,
          });
          return cursorListing(
            await renderOrganizations(db, principal, organizations),
            next,
            path,
            request.query,
          );
        },
      );
    }
  };
}
