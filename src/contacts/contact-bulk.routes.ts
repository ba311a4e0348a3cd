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
import { findContact } from './contact.repository.js';
import { createContact, deleteContact, replaceContact, scanContacts } from './contact.service.js';
import { renderContact, renderContacts } from './contact.views.js';
import { ContactBodySchema, ContactSchema } from './contact.schemas.js';
import type { Contact } from './contact.js';

const ROOT = '/api/v2/externalcontacts';
const tags = ['External contacts (bulk and scan)'];

const ContactsBody = bulkEntitiesBody(ContactBodySchema);
const BulkResponseSchema = bulkResponseSchema('BulkContactsResponse');
const ScanListing = cursorListingSchema(ContactSchema, 'CursorContactListing');

export function contactBulkRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const respond = { 200: BulkResponseSchema, ...STANDARD_ERRORS };

    // Fetch by id: what the principal may view, or (divisionviews) search across divisions.
    for (const [path, permission, summary] of [
      [`${ROOT}/bulk/contacts`, 'externalContacts:contact:view', 'Bulk fetch contacts'],
      [
        `${ROOT}/bulk/contacts/unresolved`,
        'externalContacts:contact:view',
        'Bulk fetch contacts as they are, not following merges',
      ],
      [
        `${ROOT}/bulk/contacts/divisionviews`,
        'externalContacts:contact:search',
        'Bulk fetch contacts across divisions',
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
              const contact: Contact | undefined = await findContact(db, principal.orgId, id);
              if (!contact || !canAccess(principal, permission, contact.divisionId))
                throw notFound('External contact', id);
              return { entity: await renderContact(db, principal, contact) };
            },
            (e) => e.id,
          );
        },
      );
    }

    r.post(
      `${ROOT}/bulk/contacts/add`,
      { schema: { tags, summary: 'Bulk create contacts', body: ContactsBody, response: respond } },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async (input) => {
            const contact = await createContact(db, principal, input);
            return { id: contact.id, entity: await renderContact(db, principal, contact) };
          },
          () => undefined,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/contacts/update`,
      {
        schema: {
          tags,
          summary: 'Bulk update contacts (each needs its id)',
          body: ContactsBody,
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
                `entities[${index}].id is required to update a contact`,
                `entities[${index}].id`,
              );
            const contact = await replaceContact(db, principal, input.id, input);
            return { entity: await renderContact(db, principal, contact) };
          },
          (e) => e.id,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/contacts/remove`,
      { schema: { tags, summary: 'Bulk delete contacts', body: BulkIdsBody, response: respond } },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async ({ id }) => {
            await deleteContact(db, principal, id);
            return {};
          },
          (e) => e.id,
        );
      },
    );

    for (const [path, allDivisions] of [
      [`${ROOT}/scan/contacts`, false],
      [`${ROOT}/scan/contacts/divisionviews/all`, true],
    ] as const) {
      r.get(
        path,
        {
          schema: {
            tags,
            summary: allDivisions
              ? 'Scan the contacts of every division (needs viewAll)'
              : 'Scan the contacts of one division (default *, unassigned)',
            querystring: ScanQuery,
            response: { 200: ScanListing, ...STANDARD_ERRORS },
          },
        },
        async (request) => {
          const principal = principalOf(request);
          const { contacts, next } = await scanContacts(db, principal, {
            ...request.query,
            allDivisions,
          });
          return cursorListing(
            await renderContacts(db, principal, contacts),
            next,
            path,
            request.query,
          );
        },
      );
    }
  };
}
