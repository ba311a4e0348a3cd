import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { DialectName } from '../../src/db/database.js';
import { ensureDefaultOrganization, createOrganization } from '../../src/orgs/org.service.js';
import { bootstrapAdminClient } from '../../src/clients/bootstrap.js';
import { registerClient } from '../../src/clients/client.service.js';
import { registerUser } from '../../src/users/user.service.js';
import { createRole } from '../../src/roles/role.service.js';
import { findRoleByName } from '../../src/roles/role.repository.js';
import { issueClientToken } from '../../src/auth/auth.service.js';
import { authenticate } from '../../src/auth/auth.service.js';
import type { Principal } from '../../src/authorization/access.js';
import { openTestDatabase, type TestDatabase } from './databases.js';
import { madeBeforeAll, standIn } from './hooks.js';

export const ADMIN_ID = 'kith-test-admin';
export const ADMIN_SECRET = 'kith-test-admin-secret-0123456789';

/** A running Kith (not listening) on a fresh database, with an admin client and its token. */
export interface TestKith {
  readonly app: FastifyInstance;
  readonly database: TestDatabase;
  readonly config: Config;
  readonly orgId: string;
  readonly adminToken: string;
  /** Sends a request with a bearer token (the admin's unless another is given). */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Creates a client holding `permissions` on `divisionIds` ('*' = every division) and returns its token. */
  principal(
    permissions: readonly string[],
    divisionIds: readonly string[],
    options?: { orgId?: string; rateLimitPerMinute?: number },
  ): Promise<{ token: string; clientId: string; principal: Principal }>;
  /** A second organization, with its own admin token. */
  otherOrganization(name: string): Promise<{ orgId: string; adminToken: string }>;
  close(): Promise<void>;
}

let roleCounter = 0;

export async function startTestKith(
  dialect: DialectName,
  options: { env?: Record<string, string>; redis?: Redis } = {},
): Promise<TestKith> {
  const database = await openTestDatabase(dialect);
  const config = loadConfig({ KITH_RATE_LIMIT_PER_MINUTE: '0', ...options.env });
  const { db } = database;
  const org = await ensureDefaultOrganization(db);
  await bootstrapAdminClient(db, org.id, { id: ADMIN_ID, secret: ADMIN_SECRET });
  const adminToken = (await issueClientToken(db, ADMIN_ID, ADMIN_SECRET, 3600)).access_token;
  const app = await buildApp({ config, db, redis: options.redis, logger: false });

  const request: TestKith['request'] = (method, url, opts = {}) => {
    const token = opts.token === undefined ? adminToken : opts.token;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return app.inject({
      method,
      url,
      headers,
      ...(opts.body === undefined ? {} : { payload: opts.body as object }),
    });
  };

  const principal: TestKith['principal'] = async (permissions, divisionIds, opts = {}) => {
    const orgId = opts.orgId ?? org.id;
    const admin = await authenticate(db, orgId === org.id ? adminToken : await tokenOf(orgId));
    if (!admin) throw new Error('admin token did not authenticate');
    roleCounter += 1;
    const role = await createRole(db, admin, {
      name: `test-role-${roleCounter}-${Date.now()}`,
      permissions: [...permissions],
    });
    const created = await registerClient(db, orgId, null, {
      name: `test-client-${roleCounter}`,
      roleDivisions: divisionIds.map((divisionId) => ({ roleId: role.id, divisionId })),
      rateLimitPerMinute: opts.rateLimitPerMinute,
    });
    const token = (await issueClientToken(db, created.client.id, created.secret, 3600))
      .access_token;
    const p = await authenticate(db, token);
    if (!p) throw new Error('new client did not authenticate');
    return { token, clientId: created.client.id, principal: p };
  };

  const otherAdmins = new Map<string, string>();
  async function tokenOf(orgId: string): Promise<string> {
    const token = otherAdmins.get(orgId);
    if (token === undefined) throw new Error(`no admin for org ${orgId}`);
    return token;
  }

  return {
    app,
    database,
    config,
    orgId: org.id,
    adminToken,
    request,
    principal,
    async otherOrganization(name) {
      const other = await createOrganization(db, name);
      const adminRole = await findRoleByName(db, other.id, 'admin');
      if (!adminRole) throw new Error('no admin role');
      const created = await registerClient(db, other.id, null, {
        name: 'other admin',
        roleDivisions: [{ roleId: adminRole.id, divisionId: '*' }],
      });
      const token = (await issueClientToken(db, created.client.id, created.secret, 3600))
        .access_token;
      otherAdmins.set(other.id, token);
      return { orgId: other.id, adminToken: token };
    },
    async close() {
      await app.close();
      await database.destroy();
    },
  };
}

/**
 * For a describe block: a Kith started (as startTestKith does) before its tests and closed after
 * them. The block can hold it from the start; it answers only in hooks and tests.
 */
export function useTestKith(
  dialect: DialectName,
  options: { env?: Record<string, string>; redis?: Redis } = {},
): TestKith {
  const current = madeBeforeAll(
    () => startTestKith(dialect, options),
    (kith) => kith.close(),
  );
  return standIn(current, {
    app: true,
    database: true,
    config: true,
    orgId: true,
    adminToken: true,
    request: true,
    principal: true,
    otherOrganization: true,
    close: true,
  });
}

/** Registers a user with a password on the default organization, for password-grant tests. */
export { registerUser };
