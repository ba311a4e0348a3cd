import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { notFound } from '../errors/app-error.js';
import { registerBulkRoutes } from '../http/bulk-routes.js';
import { findContact, findCurrentContact } from './contact.repository.js';
import { createContact, deleteContact, replaceContact, scanContacts } from './contact.service.js';
import { renderContact, renderContacts } from './contact.views.js';
import { ContactBodySchema, ContactSchema, EnrichRequestSchema } from './contact.schemas.js';
import { enrichContact, type EnrichRequest } from './enrich.service.js';
import { MAX_BULK_ENRICH } from './contact-enrich.js';
import { checkBulkSize, runBulk } from '../common/bulk.js';
import { bulkResponseSchema } from '../http/bulk-schemas.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

/** The bulk and scan endpoints of external contacts. */
export function contactBulkRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;

  // Fetch by id: what the principal may view, or (divisionviews) search across divisions; a
  // contact merged away answers the contact it went into, except on /unresolved.
  const fetchWith =
    (permission: string, follow = true) =>
    async (principal: Principal, id: string) => {
      const contact = await (follow ? findCurrentContact : findContact)(db, principal.orgId, id);
      if (!contact || !canAccess(principal, permission, contact.divisionId))
        throw notFound('External contact', id);
      return renderContact(db, principal, contact);
    };

  return async (app) => {
    app.withTypeProvider<TypeBoxTypeProvider>().post(
      '/api/v2/externalcontacts/bulk/contacts/enrich',
      {
        schema: {
          tags: ['External contacts (bulk and scan)'],
          summary: `Run up to ${MAX_BULK_ENRICH} enrich operations, each on its own`,
          querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
          body: Type.Object(
            { entities: Type.Array(EnrichRequestSchema, { maxItems: 1000 }) },
            { title: 'BulkContactsEnrichRequest' },
          ),
          response: { 200: bulkResponseSchema('BulkContactsEnrichResponse'), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const entities = request.body.entities as EnrichRequest[];
        checkBulkSize(entities, MAX_BULK_ENRICH);
        return runBulk(
          entities,
          async (input) => {
            const { contact, created } = await enrichContact(db, principal, input, {
              dryRun: request.query.dryRun === true,
            });
            return {
              id: contact.id,
              entity: await renderContact(db, principal, contact),
              status: created ? 201 : 200,
            };
          },
          (input) => input.id,
        );
      },
    );

    registerBulkRoutes(app, {
      plural: 'contacts',
      tag: 'External contacts (bulk and scan)',
      body: ContactBodySchema,
      entity: ContactSchema,
      titles: { bulkResponse: 'BulkContactsResponse', scanListing: 'CursorContactListing' },
      fetch: [
        {
          suffix: '',
          summary: 'Bulk fetch contacts',
          fetch: fetchWith('externalContacts:contact:view'),
        },
        {
          suffix: '/unresolved',
          summary: 'Bulk fetch contacts as they are, not following merges',
          fetch: fetchWith('externalContacts:contact:view', false),
        },
        {
          suffix: '/divisionviews',
          summary: 'Bulk fetch contacts across divisions',
          fetch: fetchWith('externalContacts:contact:search'),
        },
      ],
      add: {
        summary: 'Bulk create contacts',
        create: async (principal, input) => {
          const contact = await createContact(db, principal, input);
          return { id: contact.id, entity: await renderContact(db, principal, contact) };
        },
      },
      update: {
        summary: 'Bulk update contacts (each needs its id)',
        noun: 'a contact',
        replace: async (principal, input, id) =>
          renderContact(db, principal, await replaceContact(db, principal, id, input)),
      },
      remove: {
        summary: 'Bulk delete contacts',
        remove: (principal, id) => deleteContact(db, principal, id),
      },
      scan: {
        summary: {
          oneDivision: 'Scan the contacts of one division (default *, unassigned)',
          allDivisions: 'Scan the contacts of every division (needs viewAll)',
        },
        scan: async (principal, request) => {
          const { contacts, next } = await scanContacts(db, principal, request);
          return { entities: await renderContacts(db, principal, contacts), next };
        },
      },
    });
  };
}
