import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { principalOf } from '../http/fastify-types.js';
import { Listing, RoleDivisionSchema, STANDARD_ERRORS } from '../http/schemas.js';
import {
  createUser,
  deleteUser,
  getUser,
  listUsers,
  patchUser,
  setUserPassword,
} from './user.service.js';
import { USERS_PATH, toUserView } from './user.js';

const UserSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    email: Type.String(),
    username: Type.String(),
    title: Type.Optional(Type.String()),
    department: Type.Optional(Type.String()),
    division: Type.Object({ id: Type.String(), selfUri: Type.String() }),
    state: Type.String(),
    version: Type.Integer(),
    roleDivisions: Type.Array(RoleDivisionSchema),
    selfUri: Type.String(),
  },
  { title: 'User' },
);

const CreateUserBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  email: Type.String({ minLength: 3, maxLength: 256 }),
  password: Type.Optional(Type.String({ maxLength: 1000 })),
  title: Type.Optional(Type.String({ maxLength: 255 })),
  department: Type.Optional(Type.String({ maxLength: 255 })),
  divisionId: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  roleDivisions: Type.Optional(Type.Array(RoleDivisionSchema, { maxItems: 1000 })),
});

const PatchUserBody = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 256 })),
  title: Type.Optional(Type.String({ maxLength: 255 })),
  department: Type.Optional(Type.String({ maxLength: 255 })),
  state: Type.Optional(Type.String()),
  roleDivisions: Type.Optional(Type.Array(RoleDivisionSchema, { maxItems: 1000 })),
});

const Params = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 100 }) });
const tags = ['Users'];

export function userRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      USERS_PATH,
      {
        schema: {
          tags,
          summary: 'List users',
          querystring: Type.Object({
            pageSize: Type.Integer({ default: 25 }),
            pageNumber: Type.Integer({ default: 1 }),
          }),
          response: { 200: Listing(UserSchema, 'UserEntityListing'), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const page = request.query;
        const { users, total } = await listUsers(db, principalOf(request), page);
        return pagedListing(
          users.map((u) => toUserView(u.user, u.roleDivisions)),
          total,
          page,
          USERS_PATH,
        );
      },
    );

    r.post(
      USERS_PATH,
      {
        schema: {
          tags,
          summary: 'Create a user',
          body: CreateUserBody,
          response: { 200: UserSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const created = await createUser(db, principalOf(request), request.body);
        return toUserView(created.user, created.roleDivisions);
      },
    );

    r.get(
      `${USERS_PATH}/:userId`,
      {
        schema: {
          tags,
          summary: 'Get a user',
          params: Params,
          response: { 200: UserSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const found = await getUser(db, principalOf(request), request.params.userId);
        return toUserView(found.user, found.roleDivisions);
      },
    );

    r.patch(
      `${USERS_PATH}/:userId`,
      {
        schema: {
          tags,
          summary: 'Update a user; version must be the current one',
          params: Params,
          body: PatchUserBody,
          response: { 200: UserSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const updated = await patchUser(
          db,
          principalOf(request),
          request.params.userId,
          request.body,
        );
        return toUserView(updated.user, updated.roleDivisions);
      },
    );

    r.post(
      `${USERS_PATH}/:userId/password`,
      {
        schema: {
          tags,
          summary: "Set a user's password",
          params: Params,
          body: Type.Object({ newPassword: Type.String({ minLength: 1, maxLength: 1000 }) }),
        },
      },
      async (request, reply) => {
        await setUserPassword(
          db,
          principalOf(request),
          request.params.userId,
          request.body.newPassword,
        );
        return reply.status(204).send();
      },
    );

    r.delete(
      `${USERS_PATH}/:userId`,
      { schema: { tags, summary: 'Delete a user and revoke its tokens', params: Params } },
      async (request, reply) => {
        await deleteUser(db, principalOf(request), request.params.userId);
        return reply.status(204).send();
      },
    );
  };
}
