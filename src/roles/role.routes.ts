import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { principalOf } from '../http/fastify-types.js';
import { Listing, STANDARD_ERRORS } from '../http/schemas.js';
import { createRole, deleteRole, getRole, listRoles, updateRole } from './role.service.js';
import { ROLES_PATH, toRoleView } from './role.js';

const RoleSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    permissions: Type.Array(Type.String()),
    default: Type.Boolean(),
    base: Type.Boolean(),
    userCount: Type.Optional(Type.Integer()),
    selfUri: Type.String(),
  },
  { title: 'DomainOrganizationRole' },
);

const RoleBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  permissions: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 })),
});

const Params = Type.Object({ roleId: Type.String({ minLength: 1, maxLength: 100 }) });
const tags = ['Roles'];

export function roleRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      ROLES_PATH,
      {
        schema: {
          tags,
          summary: 'List roles',
          querystring: Type.Object({
            pageSize: Type.Integer({ default: 25 }),
            pageNumber: Type.Integer({ default: 1 }),
            name: Type.Optional(Type.String({ maxLength: 200 })),
          }),
          response: {
            200: Listing(RoleSchema, 'OrganizationRoleEntityListing'),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const { pageSize, pageNumber, name } = request.query;
        const page = { pageSize, pageNumber };
        const { roles, total } = await listRoles(db, principalOf(request), name, page);
        return pagedListing(roles.map(toRoleView), total, page, ROLES_PATH, { name });
      },
    );

    r.post(
      ROLES_PATH,
      {
        schema: {
          tags,
          summary: 'Create a role',
          body: RoleBody,
          response: { 200: RoleSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => toRoleView(await createRole(db, principalOf(request), request.body)),
    );

    r.get(
      `${ROLES_PATH}/:roleId`,
      {
        schema: {
          tags,
          summary: 'Get a role',
          params: Params,
          response: { 200: RoleSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const role = await getRole(db, principalOf(request), request.params.roleId);
        return { ...toRoleView(role), userCount: role.userCount };
      },
    );

    r.put(
      `${ROLES_PATH}/:roleId`,
      {
        schema: {
          tags,
          summary: 'Update a role',
          params: Params,
          body: RoleBody,
          response: { 200: RoleSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toRoleView(await updateRole(db, principalOf(request), request.params.roleId, request.body)),
    );

    r.delete(
      `${ROLES_PATH}/:roleId`,
      { schema: { tags, summary: 'Delete a custom role', params: Params } },
      async (request, reply) => {
        await deleteRole(db, principalOf(request), request.params.roleId);
        return reply.status(204).send();
      },
    );
  };
}
