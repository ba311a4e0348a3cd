import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { createContact, deleteContact, getContact, listContacts } from './contact.service.js';
import { CONTACTS_PATH, toContactView } from './contact.js';

const DivisionRef = Type.Object(
  {
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    selfUri: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const ContactSchema = Type.Object(
  {
    id: Type.String(),
    division: DivisionRef,
    firstName: Type.Optional(Type.String()),
    middleName: Type.Optional(Type.String()),
    lastName: Type.Optional(Type.String()),
    salutation: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    type: Type.String(),
    createDate: Type.String(),
    modifyDate: Type.String(),
    selfUri: Type.String(),
  },
  { title: 'ExternalContact', additionalProperties: true },
);

// Lengths are checked after trimming, by the service, which names the limit.
const Name = Type.Optional(Type.String());
const ContactBody = Type.Object(
  {
    firstName: Name,
    middleName: Name,
    lastName: Name,
    salutation: Name,
    title: Name,
    division: Type.Optional(DivisionRef),
  },
  { title: 'ExternalContact', additionalProperties: true },
);

const ContactListing = Type.Object(
  {
    entities: Type.Array(ContactSchema),
    pageSize: Type.Integer(),
    pageNumber: Type.Integer(),
    total: Type.Integer(),
    pageCount: Type.Integer(),
    firstUri: Type.String(),
    selfUri: Type.String(),
    lastUri: Type.String(),
    nextUri: Type.Optional(Type.String()),
    previousUri: Type.Optional(Type.String()),
    partialResults: Type.Boolean(),
  },
  { title: 'ContactListing' },
);

const Params = Type.Object({ contactId: Type.String({ minLength: 1, maxLength: 100 }) });
const Expand = Type.Optional(Type.Array(Type.String()));
const tags = ['External contacts'];

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
            expand: Expand,
            divisionIds: Type.Optional(Type.Array(Type.String())),
          }),
          response: { 200: ContactListing, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { pageSize, pageNumber, q, sortOrder, divisionIds, expand } = request.query;
        const page = { pageSize, pageNumber };
        const { contacts, total } = await listContacts(db, principalOf(request), {
          page,
          q,
          sortOrder,
          divisionIds,
        });
        return {
          ...pagedListing(
            contacts.map((c) => toContactView(c)),
            total,
            page,
            CONTACTS_PATH,
            {
              q,
              sortOrder,
              divisionIds,
              expand,
            },
          ),
          partialResults: false,
        };
      },
    );

    r.post(
      CONTACTS_PATH,
      {
        schema: {
          tags,
          summary: 'Create an external contact (Curated)',
          body: ContactBody,
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => toContactView(await createContact(db, principalOf(request), request.body)),
    );

    r.get(
      `${CONTACTS_PATH}/:contactId`,
      {
        schema: {
          tags,
          summary: 'Fetch an external contact',
          params: Params,
          querystring: Type.Object({ expand: Expand }),
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toContactView(await getContact(db, principalOf(request), request.params.contactId)),
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
  };
}
