import type { FastifyPluginAsync } from 'fastify';
import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError, badRequest } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { issueClientToken, issueUserToken, revokeToken } from './auth.service.js';

const TokenRequest = Type.Object({
  grant_type: Type.String({ minLength: 1 }),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
});

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
});

/**
 * `client_id:secret` of an `Authorization: Basic …` header, taken as sent: the Genesys SDK and
 * curl send them raw, not form-encoded, so a secret may hold `%` or `+` literally.
 */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    id: decoded.slice(0, colon),
    secret: decoded.slice(colon + 1),
  };
}

export function authRoutes(deps: { db: Kysely<DB>; tokenTtlSeconds: number }): FastifyPluginAsync {
  return async (app) => {
    // Form bodies are for the token endpoint only (this plugin's scope), as OAuth prescribes.
    await app.register(formbody);
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      '/oauth/token',
      {
        config: { public: true },
        schema: {
          tags: ['OAuth'],
          summary: 'Issue an access token (client_credentials with HTTP Basic, or password)',
          consumes: ['application/x-www-form-urlencoded'],
          body: TokenRequest,
          response: { 200: TokenResponse },
        },
      },
      async (request) => {
        const form = request.body;
        switch (form.grant_type) {
          case 'client_credentials': {
            const basic = basicCredentials(request.headers.authorization);
            const id = basic?.id ?? form.client_id;
            const secret = basic?.secret ?? form.client_secret;
            if (id === undefined || secret === undefined) {
              throw new AppError(
                ErrorCode.badCredentials,
                'client_credentials needs the client id and secret as HTTP Basic credentials',
                401,
                [],
                {},
                { 'www-authenticate': 'Basic realm="kith"' },
              );
            }
            return issueClientToken(deps.db, id, secret, deps.tokenTtlSeconds);
          }
          case 'password': {
            if (form.username === undefined || form.password === undefined) {
              throw badRequest(
                'The password grant needs username and password',
                form.username === undefined ? 'username' : 'password',
              );
            }
            return issueUserToken(deps.db, form.username, form.password, deps.tokenTtlSeconds);
          }
          default:
            throw badRequest(
              `grant_type ${form.grant_type} is not supported; use client_credentials or password`,
              'grant_type',
            );
        }
      },
    );

    r.delete(
      '/api/v2/tokens/me',
      { schema: { tags: ['OAuth'], summary: 'Revoke the token of this request' } },
      async (request, reply) => {
        if (request.accessToken !== undefined) await revokeToken(deps.db, request.accessToken);
        return reply.status(204).send();
      },
    );
  };
}
