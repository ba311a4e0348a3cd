import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { rowToGrant } from '../authorization/grant.repository.js';
import { findClientForLogin } from '../clients/client.repository.js';
import { findUserForLogin } from '../users/user.repository.js';
import { AppError } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { addSeconds, nowIso } from '../common/time.js';
import { hashToken, newAccessToken, tokenOrgId, verifySecret } from './credentials.js';
import { deleteToken, findLiveTokenSubject, insertToken } from './token.repository.js';
import { authCacheOf } from './auth-cache.js';

/** The answer of `POST /oauth/token`. */
export interface TokenGrant {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

function badCredentials(): AppError {
  // One message for an unknown id and a wrong secret, so the endpoint reveals nothing.
  return new AppError(
    ErrorCode.badCredentials,
    'Invalid client credentials or user name and password',
    401,
  );
}

async function issue(
  db: Kysely<DB>,
  orgId: string,
  subjectType: 'client' | 'user',
  subjectId: string,
  ttlSeconds: number,
): Promise<TokenGrant> {
  const token = newAccessToken(orgId);
  const now = nowIso();
  await insertToken(db, {
    org_id: orgId,
    token_hash: hashToken(token),
    subject_type: subjectType,
    subject_id: subjectId,
    created_at: now,
    expires_at: addSeconds(now, ttlSeconds),
  });
  return { access_token: token, token_type: 'bearer', expires_in: ttlSeconds };
}

/**
 * The client-credentials grant. A client's own `accessTokenValiditySeconds` shortens the TTL.
 * @throws AppError 401 bad.credentials.
 */
export async function issueClientToken(
  db: Kysely<DB>,
  clientId: string,
  secret: string,
  defaultTtlSeconds: number,
): Promise<TokenGrant> {
  const client = await findClientForLogin(db, clientId);
  if (!client || client.state !== 'active' || !(await verifySecret(secret, client.secretHash))) {
    throw badCredentials();
  }
  return issue(
    db,
    client.orgId,
    'client',
    client.id,
    client.accessTokenValiditySeconds ?? defaultTtlSeconds,
  );
}

/** The password grant for users. @throws AppError 401 bad.credentials. */
export async function issueUserToken(
  db: Kysely<DB>,
  username: string,
  password: string,
  ttlSeconds: number,
): Promise<TokenGrant> {
  const user = await findUserForLogin(db, username);
  if (
    !user ||
    user.state !== 'active' ||
    user.passwordHash === null ||
    !(await verifySecret(password, user.passwordHash))
  ) {
    throw badCredentials();
  }
  return issue(db, user.orgId, 'user', user.id, ttlSeconds);
}

/**
 * The principal behind a bearer token, with its grants; undefined when the token is unknown,
 * expired or revoked, or its subject is gone or inactive.
 */
export async function authenticate(db: Kysely<DB>, token: string): Promise<Principal | undefined> {
  const cache = authCacheOf(db);
  const cached = cache?.get(token);
  if (cached !== undefined) return cached.principal;
  const orgId = tokenOrgId(token);
  if (orgId === null) return undefined;
  const rows = await findLiveTokenSubject(db, orgId, hashToken(token), nowIso());
  const row = rows[0];
  if (row === undefined || row.name === null || row.state !== 'active') return undefined;
  const grants = rows.flatMap(({ role_id, division_id, permissions }) =>
    role_id === null || division_id === null || permissions === null
      ? []
      : [rowToGrant({ role_id, division_id, permissions })],
  );
  const principal: Principal = {
    orgId,
    type: row.subject_type === 'client' ? 'client' : 'user',
    id: row.subject_id,
    name: row.name,
    grants,
    rateLimitPerMinute: row.rate_limit_per_minute ?? undefined,
  };
  cache?.set(token, principal, Date.parse(row.expires_at));
  return principal;
}

/** Revokes one token (`DELETE /api/v2/tokens/me`). */
export async function revokeToken(db: Kysely<DB>, token: string): Promise<void> {
  const orgId = tokenOrgId(token);
  if (orgId !== null) await deleteToken(db, orgId, hashToken(token));
}
