import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { principalOf } from '../http/fastify-types.js';
import { Listing, RoleDivisionSchema, STANDARD_ERRORS } from '../http/schemas.js';
import {
  createClient,
  deleteClient,
  getClient,
  listClients,
  updateClient,
} from './client.service.js';
import { CLIENTS_PATH, toClientView } from './client.js';

const ClientSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    authorizedGrantType: Type.String(),
    accessTokenValiditySeconds: Type.Optional(Type.Integer()),
    rateLimitPerMinute: Type.Optional(Type.Integer()),
    roleIds: Type.Array(Type.String()),
    roleDivisions: Type.Array(RoleDivisionSchema),
    state: Type.String(),
    dateCreated: Type.String(),
    dateModified: Type.String(),
    createdBy: Type.Optional(Type.Object({ id: Type.String() })),
    secret: Type.Optional(Type.String()),
    selfUri: Type.String(),
  },
  { title: 'OAuthClient' },
);

const ClientBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  authorizedGrantType: Type.Optional(Type.String()),
  accessTokenValiditySeconds: Type.Optional(Type.Integer({ minimum: 300, maximum: 172800 })),
  rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
  roleDivisions: Type.Optional(Type.Array(RoleDivisionSchema, { maxItems: 1000 })),
  state: Type.Optional(Type.String()),
});

const Params = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 200 }) });
const tags = ['OAuth clients'];

export function clientRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      CLIENTS_PATH,
      {
        schema: {
          tags,
          summary: 'List OAuth clients',
          querystring: Type.Object({
            pageSize: Type.Integer({ default: 100 }),
            pageNumber: Type.Integer({ default: 1 }),
          }),
          response: { 200: Listing(ClientSchema, 'OAuthClientEntityListing'), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const page = request.query;
        const { clients, total } = await listClients(db, principalOf(request), page);
        return pagedListing(
          clients.map((c) => toClientView(c.client, c.roleDivisions)),
          total,
          page,
          CLIENTS_PATH,
        );
      },
    );

    r.post(
      CLIENTS_PATH,
      {
        schema: {
          tags,
          summary: 'Create an OAuth client; the answer carries its secret, shown this once',
          body: ClientBody,
          response: { 200: ClientSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const created = await createClient(db, principalOf(request), request.body);
        return toClientView(created.client, created.roleDivisions, created.secret);
      },
    );

    r.get(
      `${CLIENTS_PATH}/:clientId`,
      {
        schema: {
          tags,
          summary: 'Get an OAuth client',
          params: Params,
          response: { 200: ClientSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const found = await getClient(db, principalOf(request), request.params.clientId);
        return toClientView(found.client, found.roleDivisions);
      },
    );

    r.put(
      `${CLIENTS_PATH}/:clientId`,
      {
        schema: {
          tags,
          summary: 'Update an OAuth client (its secret is kept)',
          params: Params,
          body: ClientBody,
          response: { 200: ClientSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const updated = await updateClient(
          db,
          principalOf(request),
          request.params.clientId,
          request.body,
        );
        return toClientView(updated.client, updated.roleDivisions);
      },
    );

    r.delete(
      `${CLIENTS_PATH}/:clientId`,
      { schema: { tags, summary: 'Delete an OAuth client and revoke its tokens', params: Params } },
      async (request, reply) => {
        await deleteClient(db, principalOf(request), request.params.clientId);
        return reply.status(204).send();
      },
    );
  };
}
