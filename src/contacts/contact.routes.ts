import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { etagOf } from '../common/etag.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { badRequest } from '../errors/app-error.js';
import {
  createContact,
  deleteContact,
  getContact,
  getCurrentContact,
  moveContact,
  patchContact,
  promoteContact,
  replaceContact,
  searchContacts,
} from './contact.service.js';
import {
  claimIdentifier,
  listIdentifiers,
  lookupContact,
  releaseIdentifier,
  reverseLookup,
} from './identifier.service.js';
import { parseExpand, splitListParam } from '../common/list-params.js';
import { CONTACT_EXPANSIONS, renderContact, renderContacts } from './contact.views.js';
import {
  ContactBodySchema,
  ContactListingSchema,
  ContactSchema,
  EnrichRequestSchema,
  ExpandQuery,
  IdentifierSchema,
  PatchRequestSchema,
} from './contact.schemas.js';
import { CONTACTS_PATH } from './contact.js';
import { enrichContact } from './enrich.service.js';

/** What reverse lookup expands: the contacts' fields, named as Genesys names them. */
const REVERSE_LOOKUP_EXPANSIONS = [
  'contacts.externalOrganization',
  'externalDataSources',
  'division',
];

const Params = Type.Object({ contactId: Type.String({ minLength: 1, maxLength: 100 }) });
const tags = ['External contacts'];
const ROOT = '/api/v2/externalcontacts';

export function contactRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      CONTACTS_PATH,
      {
        schema: {
          tags,
          summary: 'Search for external contacts',
          querystring: Type.Object({
            pageSize: Type.Integer({ default: 20 }),
            pageNumber: Type.Integer({ default: 1 }),
            q: Type.Optional(Type.String({ maxLength: 1000 })),
            sortOrder: Type.Optional(Type.String()),
            expand: ExpandQuery,
            divisionIds: Type.Optional(Type.Array(Type.String())),
          }),
          response: { 200: ContactListingSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { pageSize, pageNumber, q, sortOrder, divisionIds, expand } = request.query;
        const principal = principalOf(request);
        const page = { pageSize, pageNumber };
        const { contacts, total, partial } = await searchContacts(db, principal, {
          page,
          q,
          sortOrder,
          divisionIds: splitListParam(divisionIds),
        });
        const entities = await renderContacts(
          db,
          principal,
          contacts,
          parseExpand(expand, CONTACT_EXPANSIONS),
        );
        return {
          ...pagedListing(entities, total, page, CONTACTS_PATH, {
            q,
            sortOrder,
            divisionIds,
            expand,
          }),
          partialResults: partial,
        };
      },
    );

    r.post(
      CONTACTS_PATH,
      {
        schema: {
          tags,
          summary: 'Create an external contact (Curated)',
          body: ContactBodySchema,
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const contact = await createContact(db, principal, request.body);
        void reply.header('etag', etagOf(contact.version));
        return renderContact(db, principal, contact);
      },
    );

    r.post(
      `${CONTACTS_PATH}/enrich`,
      {
        schema: {
          tags,
          summary:
            'Find a contact by its identifiers and create, update or merge it (201 when one was made)',
          querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
          body: EnrichRequestSchema,
          response: { 200: ContactSchema, 201: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { contact, created } = await enrichContact(db, principal, request.body, {
          dryRun: request.query.dryRun === true,
        });
        void reply.code(created ? 201 : 200);
        return renderContact(db, principal, contact);
      },
    );

    r.get(
      `${CONTACTS_PATH}/:contactId`,
      {
        schema: {
          tags,
          summary: 'Fetch an external contact (a contact merged away answers the one it went into)',
          params: Params,
          querystring: Type.Object({ expand: ExpandQuery }),
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const contact = await getCurrentContact(db, principal, request.params.contactId);
        void reply.header('etag', etagOf(contact.version));
        return renderContact(
          db,
          principal,
          contact,
          parseExpand(request.query.expand, CONTACT_EXPANSIONS),
        );
      },
    );

    r.get(
      `${CONTACTS_PATH}/:contactId/unresolved`,
      {
        schema: {
          tags,
          summary: 'Fetch an external contact as it is, without following a merge',
          params: Params,
          querystring: Type.Object({ expand: ExpandQuery }),
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const contact = await getContact(db, principal, request.params.contactId);
        return renderContact(
          db,
          principal,
          contact,
          parseExpand(request.query.expand, CONTACT_EXPANSIONS),
        );
      },
    );

    r.put(
      `${CONTACTS_PATH}/:contactId`,
      {
        schema: {
          tags,
          summary: 'Update an external contact (send If-Match to refuse stale writes)',
          params: Params,
          body: ContactBodySchema,
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const contact = await replaceContact(
          db,
          principal,
          request.params.contactId,
          request.body,
          request.headers['if-match'],
        );
        void reply.header('etag', etagOf(contact.version));
        return renderContact(db, principal, contact);
      },
    );

    r.patch(
      `${CONTACTS_PATH}/:contactId`,
      {
        schema: {
          tags,
          summary:
            'Patch an external contact with changes[] (send If-Match to refuse stale writes)',
          params: Params,
          body: PatchRequestSchema,
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const contact = await patchContact(
          db,
          principal,
          request.params.contactId,
          request.body.changes,
          request.headers['if-match'],
        );
        void reply.header('etag', etagOf(contact.version));
        return renderContact(db, principal, contact);
      },
    );

    r.delete(
      `${CONTACTS_PATH}/:contactId`,
      {
        schema: {
          tags,
          summary: 'Delete an external contact',
          params: Params,
          response: { 200: Type.Object({}), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        await deleteContact(db, principalOf(request), request.params.contactId);
        return {};
      },
    );

    r.post(
      `${CONTACTS_PATH}/:contactId/promotion`,
      {
        schema: {
          tags,
          summary: 'Promote an Ephemeral or Identified contact to Curated',
          params: Params,
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return renderContact(
          db,
          principal,
          await promoteContact(db, principal, request.params.contactId),
        );
      },
    );

    r.post(
      `${CONTACTS_PATH}/:contactId/move`,
      {
        schema: {
          tags,
          summary:
            'Move a contact to another division: a new contact with the same data, identifiers, notes and history; the old id answers with it (Kith)',
          params: Params,
          body: Type.Object(
            {
              divisionId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              division: Type.Optional(
                Type.Object({ id: Type.Optional(Type.String({ maxLength: 100 })) }),
              ),
            },
            { additionalProperties: true },
          ),
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const moved = await moveContact(db, principal, request.params.contactId, request.body);
        void reply.header('etag', etagOf(moved.version));
        return renderContact(db, principal, moved);
      },
    );

    r.get(
      `${CONTACTS_PATH}/:contactId/identifiers`,
      {
        schema: {
          tags,
          summary: 'List the identifiers a contact claims',
          params: Params,
          response: {
            200: Type.Object({ entities: Type.Array(IdentifierSchema) }),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => ({
        entities: await listIdentifiers(db, principalOf(request), request.params.contactId),
      }),
    );

    r.patch(
      `${CONTACTS_PATH}/:contactId/identifiers`,
      {
        schema: {
          tags,
          summary: 'Claim or release an identifier',
          params: Params,
          body: Type.Object({
            operation: Type.Unsafe<'Claim' | 'Release'>({
              type: 'string',
              enum: ['Claim', 'Release'],
            }),
            identifier: IdentifierSchema,
          }),
          response: { 200: IdentifierSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { operation, identifier } = request.body;
        return operation === 'Claim'
          ? claimIdentifier(db, principal, request.params.contactId, identifier)
          : releaseIdentifier(db, principal, request.params.contactId, identifier);
      },
    );

    for (const path of [`${ROOT}/identifierlookup/contacts`, `${ROOT}/identifierlookup`]) {
      r.post(
        path,
        {
          schema: {
            tags,
            summary: 'Find the contact an identifier belongs to (phones in E.164)',
            deprecated: path.endsWith('identifierlookup'),
            querystring: Type.Object({ expand: ExpandQuery }),
            body: IdentifierSchema,
            response: { 200: ContactSchema, ...STANDARD_ERRORS },
          },
        },
        async (request) => {
          const principal = principalOf(request);
          const contact = await lookupContact(db, principal, request.body);
          return renderContact(
            db,
            principal,
            contact,
            parseExpand(request.query.expand, CONTACT_EXPANSIONS),
          );
        },
      );
    }

    r.get(
      `${ROOT}/reversewhitepageslookup`,
      {
        schema: {
          tags,
          summary: 'Contacts with an email, E.164 phone or Twitter screen name (at most 25)',
          querystring: Type.Object({
            lookupVal: Type.String({ maxLength: 512 }),
            expand: ExpandQuery,
            divisionId: Type.Optional(Type.String()),
          }),
          response: {
            200: Type.Object({
              contacts: Type.Array(ContactSchema),
              externalOrganizations: Type.Array(Type.Unknown()),
            }),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { lookupVal, expand, divisionId } = request.query;
        if (lookupVal.trim() === '') throw badRequest('lookupVal is required', 'lookupVal');
        const contacts = await reverseLookup(db, principal, lookupVal, divisionId);
        const expandContacts = parseExpand(expand, REVERSE_LOOKUP_EXPANSIONS).map((e) =>
          e.replace(/^contacts\./, ''),
        );
        return {
          contacts: await renderContacts(db, principal, contacts, expandContacts),
          externalOrganizations: [],
        };
      },
    );
  };
}
