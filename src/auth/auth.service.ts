import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { loadGrants } from '../authorization/grant.repository.js';
import { findClient, findClientForLogin } from '../clients/client.repository.js';
import { findUser, findUserForLogin } from '../users/user.repository.js';
import { AppError } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { addSeconds, nowIso } from '../common/time.js';
import { hashToken, newAccessToken, tokenOrgId, verifySecret } from './credentials.js';
import { deleteToken, findLiveToken, insertToken } from './token.repository.js';

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
  const orgId = tokenOrgId(token);
  if (orgId === null) return undefined;
  const row = await findLiveToken(db, orgId, hashToken(token), nowIso());
  if (!row) return undefined;
  let name: string;
  let rateLimitPerMinute: number | undefined;
  if (row.subject_type === 'client') {
    const client = await findClient(db, orgId, row.subject_id);
    if (!client || client.state !== 'active') return undefined;
    name = client.name;
    rateLimitPerMinute = client.rateLimitPerMinute ?? undefined;
  } else {
    const user = await findUser(db, orgId, row.subject_id);
    if (!user || user.state !== 'active') return undefined;
    name = user.name;
  }
  return {
    orgId,
    type: row.subject_type === 'client' ? 'client' : 'user',
    id: row.subject_id,
    name,
    grants: await loadGrants(db, orgId, row.subject_id),
    rateLimitPerMinute,
  };
}

/** Revokes one token (`DELETE /api/v2/tokens/me`). */
export async function revokeToken(db: Kysely<DB>, token: string): Promise<void> {
  const orgId = tokenOrgId(token);
  if (orgId !== null) await deleteToken(db, orgId, hashToken(token));
}
