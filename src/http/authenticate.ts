import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { authenticate } from '../auth/auth.service.js';
import { hasExternalContactsAccess } from '../authorization/access.js';
import { AppError, unauthenticated } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';

const EXTERNAL_CONTACTS_PREFIX = '/api/v2/externalcontacts/';

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Authenticates every request to a non-public route: 401 without a live token. On External
 * Contacts routes, a principal without any `externalContacts:contact:*` permission gets 403
 * (the feature is off for it). Unknown routes fall through to the 404 handler.
 */
export function installAuthentication(app: FastifyInstance, db: Kysely<DB>): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url === undefined || request.routeOptions.config.public === true)
      return;
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw unauthenticated();
    const principal = await authenticate(db, token);
    if (principal === undefined)
      throw unauthenticated('The bearer token is unknown, expired or revoked');
    request.principal = principal;
    request.accessToken = token;
    if (
      request.routeOptions.url.startsWith(EXTERNAL_CONTACTS_PREFIX) &&
      !hasExternalContactsAccess(principal)
    ) {
      throw new AppError(
        ErrorCode.missingPermissions,
        'External Contacts is not enabled for this principal: it holds no externalContacts:contact:* permission',
        403,
        [],
        { permissions: 'externalContacts:contact:*' },
      );
    }
  });
}
