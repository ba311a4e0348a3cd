import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { principalOf } from '../http/fastify-types.js';
import { Listing, STANDARD_ERRORS } from '../http/schemas.js';
import { findHomeDivision } from './division.repository.js';
import {
  createDivision,
  deleteDivision,
  getDivision,
  listDivisions,
  updateDivision,
} from './division.service.js';
import { DIVISIONS_PATH, toDivisionView } from './division.js';
import { requirePermission } from '../authorization/guard.js';
import { notFound } from '../errors/app-error.js';

const DivisionSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    homeDivision: Type.Boolean(),
    selfUri: Type.String(),
  },
  { title: 'AuthzDivision' },
);

const DivisionBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
});

const Params = Type.Object({ divisionId: Type.String({ minLength: 1, maxLength: 100 }) });
const tags = ['Divisions'];

export function divisionRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      DIVISIONS_PATH,
      {
        schema: {
          tags,
          summary: 'List divisions',
          querystring: Type.Object({
            pageSize: Type.Integer({ default: 25 }),
            pageNumber: Type.Integer({ default: 1 }),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            id: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
          }),
          response: {
            200: Listing(DivisionSchema, 'AuthzDivisionEntityListing'),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const { pageSize, pageNumber, name, id } = request.query;
        const page = { pageSize, pageNumber };
        const { divisions, total } = await listDivisions(
          db,
          principalOf(request),
          { name, ids: id },
          page,
        );
        return pagedListing(divisions.map(toDivisionView), total, page, DIVISIONS_PATH, {
          name,
          id,
        });
      },
    );

    r.post(
      DIVISIONS_PATH,
      {
        schema: {
          tags,
          summary: 'Create a division',
          body: DivisionBody,
          response: { 200: DivisionSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toDivisionView(await createDivision(db, principalOf(request), request.body)),
    );

    r.get(
      `${DIVISIONS_PATH}/home`,
      {
        schema: {
          tags,
          summary: 'The home division',
          response: { 200: DivisionSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        requirePermission(principal, 'authorization:division:view');
        const home = await findHomeDivision(db, principal.orgId);
        if (!home) throw notFound('Home division');
        return toDivisionView(home);
      },
    );

    r.get(
      `${DIVISIONS_PATH}/:divisionId`,
      {
        schema: {
          tags,
          summary: 'Get a division',
          params: Params,
          response: { 200: DivisionSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toDivisionView(await getDivision(db, principalOf(request), request.params.divisionId)),
    );

    r.put(
      `${DIVISIONS_PATH}/:divisionId`,
      {
        schema: {
          tags,
          summary: 'Update a division',
          params: Params,
          body: DivisionBody,
          response: { 200: DivisionSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toDivisionView(
          await updateDivision(db, principalOf(request), request.params.divisionId, request.body),
        ),
    );

    r.delete(
      `${DIVISIONS_PATH}/:divisionId`,
      { schema: { tags, summary: 'Delete an empty division', params: Params } },
      async (request, reply) => {
        await deleteDivision(db, principalOf(request), request.params.divisionId);
        return reply.status(204).send();
      },
    );
  };
}
