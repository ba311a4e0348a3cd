import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { sweepForPrincipal } from './retention.service.js';

export function retentionRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      '/api/v2/externalcontacts/retention/sweep',
      {
        schema: {
          tags: ['Retention'],
          summary: "Delete the organization's expired Ephemeral and Identified contacts now",
          body: Type.Optional(
            Type.Object(
              { asOf: Type.Optional(Type.String({ format: 'date-time' })) },
              { additionalProperties: true },
            ),
          ),
          response: {
            200: Type.Object({ asOf: Type.String(), swept: Type.Integer() }),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => sweepForPrincipal(db, principalOf(request), request.body?.asOf),
    );
  };
}
