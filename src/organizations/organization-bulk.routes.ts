import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { notFound } from '../errors/app-error.js';
import { registerBulkEnrich, registerBulkRoutes } from '../http/bulk-routes.js';
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
import {
  OrganizationBodySchema,
  OrganizationEnrichRequestSchema,
  OrganizationSchema,
} from './organization.schemas.js';
import {
  enrichOrganization,
  type OrganizationEnrichRequest,
} from './organization-enrich.service.js';

/** The bulk and scan endpoints of external organizations. */
export function organizationBulkRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;

  // Fetch by id: what the principal may view, or (divisionviews) search across divisions.
  const fetchWith = (permission: string) => async (principal: Principal, id: string) => {
    const organization = await findOrganization(db, principal.orgId, id);
    if (!organization || !canAccess(principal, permission, organization.divisionId))
      throw notFound('External organization', id);
    return renderOrganization(db, principal, organization);
  };

  return async (app) => {
    registerBulkEnrich<typeof OrganizationEnrichRequestSchema, OrganizationEnrichRequest>(app, {
      plural: 'organizations',
      tag: 'External organizations (bulk and scan)',
      request: OrganizationEnrichRequestSchema,
      title: 'BulkOrganizationsEnrichRequest',
      enrich: async (principal, input, dryRun) => {
        const { organization, created } = await enrichOrganization(db, principal, input, {
          dryRun,
        });
        return {
          id: organization.id,
          entity: await renderOrganization(db, principal, organization),
          created,
        };
      },
    });

    registerBulkRoutes(app, {
      plural: 'organizations',
      tag: 'External organizations (bulk and scan)',
      body: OrganizationBodySchema,
      entity: OrganizationSchema,
      titles: {
        bulkResponse: 'BulkOrganizationsResponse',
        scanListing: 'CursorOrganizationListing',
      },
      fetch: [
        {
          suffix: '',
          summary: 'Bulk fetch external organizations',
          fetch: fetchWith(ORGANIZATION_VIEW),
        },
        {
          suffix: '/divisionviews',
          summary: 'Bulk fetch external organizations across divisions',
          fetch: fetchWith(ORGANIZATION_SEARCH),
        },
      ],
      add: {
        summary: 'Bulk create external organizations',
        create: async (principal, input) => {
          const organization = await createOrganization(db, principal, input);
          return {
            id: organization.id,
            entity: await renderOrganization(db, principal, organization),
          };
        },
      },
      update: {
        summary: 'Bulk update external organizations (each needs its id)',
        noun: 'an external organization',
        replace: async (principal, input, id) =>
          renderOrganization(db, principal, await replaceOrganization(db, principal, id, input)),
      },
      remove: {
        summary:
          'Bulk delete external organizations with their relationships; linked contacts are unlinked',
        remove: (principal, id) => deleteOrganization(db, principal, id),
      },
      scan: {
        summary: {
          oneDivision: 'Scan the external organizations of one division (default *, unassigned)',
          allDivisions: 'Scan the external organizations of every division (needs viewAll)',
        },
        scan: async (principal, request) => {
          const { organizations, next } = await scanOrganizations(db, principal, request);
          return { entities: await renderOrganizations(db, principal, organizations), next };
        },
      },
    });
  };
}
