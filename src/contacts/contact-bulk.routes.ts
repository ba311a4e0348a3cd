import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { notFound } from '../errors/app-error.js';
import { registerBulkEnrich, registerBulkRoutes } from '../http/bulk-routes.js';
import { findContact, findCurrentContact } from './contact.repository.js';
import { createContact, deleteContact, replaceContact, scanContacts } from './contact.service.js';
import { renderContact, renderContacts } from './contact.views.js';
import { ContactBodySchema, ContactSchema, EnrichRequestSchema } from './contact.schemas.js';
import { enrichContact, type EnrichRequest } from './enrich.service.js';

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
    registerBulkEnrich<typeof EnrichRequestSchema, EnrichRequest>(app, {
      plural: 'contacts',
      tag: 'External contacts (bulk and scan)',
      request: EnrichRequestSchema,
      title: 'BulkContactsEnrichRequest',
      enrich: async (principal, input, dryRun) => {
        const { contact, created } = await enrichContact(db, principal, input, { dryRun });
        return { id: contact.id, entity: await renderContact(db, principal, contact), created };
      },
    });

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
