import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { ALL_DIVISIONS, type Principal } from '../../src/authorization/access.js';
import type { RoleDivision } from '../../src/authorization/grant.repository.js';
import { authenticate, issueClientToken } from '../../src/auth/auth.service.js';
import { registerClient } from '../../src/clients/client.service.js';
import type { DialectName } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import { findHomeDivision } from '../../src/divisions/division.repository.js';
import { AppError } from '../../src/errors/app-error.js';
import { createOrganization } from '../../src/orgs/org.service.js';
import { findRoleByName } from '../../src/roles/role.repository.js';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { madeBeforeAll, standIn } from '../helpers/hooks.js';

/** A name no other test of the run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${randomBytes(4).toString('hex')}`;
}

/** An email address no other test of the run uses. */
export function uniqueEmail(prefix: string): string {
  return `${prefix}.${randomBytes(4).toString('hex')}@example.com`;
}

/** An organization made by the real service, with the ids tests keep reaching for. */
export interface TestOrg {
  readonly id: string;
  readonly homeDivisionId: string;
  readonly adminRoleId: string;
  readonly agentRoleId: string;
}

export async function makeOrganization(db: Kysely<DB>, name = uniqueName('Org')): Promise<TestOrg> {
  const org = await createOrganization(db, name);
  const home = await findHomeDivision(db, org.id);
  const admin = await findRoleByName(db, org.id, 'admin');
  const agent = await findRoleByName(db, org.id, 'agent');
  if (!home || !admin || !agent) throw new Error(`organization ${name} is missing a built-in`);
  return { id: org.id, homeDivisionId: home.id, adminRoleId: admin.id, agentRoleId: agent.id };
}

/** A client registered, issued a token and authenticated through the real code. */
export interface SignedInClient {
  readonly principal: Principal;
  readonly clientId: string;
  readonly secret: string;
  readonly token: string;
}

export async function signInClient(
  db: Kysely<DB>,
  orgId: string,
  roleDivisions: readonly RoleDivision[],
  options: { accessTokenValiditySeconds?: number } = {},
): Promise<SignedInClient> {
  const created = await registerClient(db, orgId, null, {
    name: uniqueName('client'),
    roleDivisions,
    accessTokenValiditySeconds: options.accessTokenValiditySeconds,
  });
  const token = (await issueClientToken(db, created.client.id, created.secret, 3600)).access_token;
  const principal = await authenticate(db, token);
  if (!principal) throw new Error('a freshly issued token did not authenticate');
  return { principal, clientId: created.client.id, secret: created.secret, token };
}

/** A client holding the built-in admin role on every division of the organization. */
export function signInAdmin(db: Kysely<DB>, org: TestOrg): Promise<SignedInClient> {
  return signInClient(db, org.id, [{ roleId: org.adminRoleId, divisionId: ALL_DIVISIONS }]);
}

/** A fresh database holding one organization, and a client signed in as its admin. */
export interface AdminStore {
  readonly database: TestDatabase;
  readonly org: TestOrg;
  readonly admin: SignedInClient;
}

export async function openAdminStore(dialect: DialectName): Promise<AdminStore> {
  const database = await openTestDatabase(dialect);
  const org = await makeOrganization(database.db);
  const admin = await signInAdmin(database.db, org);
  return { database, org, admin };
}

/**
 * For a describe block: an AdminStore opened before its tests and destroyed after them. The
 * block can hold (and destructure) it from the start; it answers only in hooks and tests.
 */
export function useAdminStore(dialect: DialectName): AdminStore {
  const current = madeBeforeAll(
    () => openAdminStore(dialect),
    (store) => store.database.destroy(),
  );
  return {
    database: standIn(() => current().database, {
      db: true,
      dialect: true,
      location: true,
      destroy: true,
    }),
    org: standIn(() => current().org, {
      id: true,
      homeDivisionId: true,
      adminRoleId: true,
      agentRoleId: true,
    }),
    admin: standIn(() => current().admin, {
      principal: true,
      clientId: true,
      secret: true,
      token: true,
    }),
  };
}

/**
 * Awaits a promise that must reject with an AppError of this status and code (and, when given,
 * naming `fieldName` in its details); returns the error for further checks.
 */
export async function expectAppError(
  promise: Promise<unknown>,
  expected: { status: number; code: string; fieldName?: string },
): Promise<AppError> {
  const outcome: unknown = await promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(AppError);
  const error = outcome as AppError;
  expect({ status: error.status, code: error.code }).toEqual({
    status: expected.status,
    code: expected.code,
  });
  if (expected.fieldName !== undefined) {
    expect(error.details.map((d) => d.fieldName)).toContain(expected.fieldName);
  }
  return error;
}
