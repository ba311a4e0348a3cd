import type { FastifyRequest } from 'fastify';
import type { Principal } from '../authorization/access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every route that is not public. */
    principal?: Principal;
    /** The bearer token, kept so that `DELETE /api/v2/tokens/me` can revoke it. */
    accessToken?: string;
  }
  interface FastifyContextConfig {
    /** A public route needs no bearer token (token endpoint, health, metrics, docs). */
    public?: boolean;
  }
}

/** The principal of an authenticated request; the auth hook guarantees it on non-public routes. */
export function principalOf(request: { principal?: Principal }): Principal {
  if (request.principal === undefined) throw new Error('route reached without authentication');
  return request.principal;
}

/** The origin a client reached this server at, for absolute URLs (uploads, downloads). */
export function originOf(request: FastifyRequest): string {
  const host = request.headers.host ?? `${request.hostname}`;
  return `${request.protocol}://${host}`;
}
