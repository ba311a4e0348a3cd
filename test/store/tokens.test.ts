import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authenticate,
  issueClientToken,
  issueUserToken,
  revokeToken,
} from '../../src/auth/auth.service.js';
import { deleteClient, registerClient, updateClient } from '../../src/clients/client.service.js';
import {
  deleteUser,
  patchUser,
  registerUser,
  setUserPassword,
} from '../../src/users/user.service.js';
import { DIALECTS } from '../helpers/databases.js';
import {
  expectAppError,
  makeOrganization,
  uniqueEmail,
  uniqueName,
  useAdminStore,
} from './factories.js';

const TTL = 3600;
const BAD_CREDENTIALS = { status: 401, code: 'bad.credentials' } as const;

for (const dialect of DIALECTS) {
  describe(`client tokens (${dialect})`, () => {
    const { database, org, admin } = useAdminStore(dialect);

    /** An agent client on the home division, with its secret. */
    async function agentClient(options: { accessTokenValiditySeconds?: number } = {}) {
      return registerClient(database.db, org.id, null, {
        name: uniqueName('agent'),
        roleDivisions: [{ roleId: org.agentRoleId, divisionId: org.homeDivisionId }],
        accessTokenValiditySeconds: options.accessTokenValiditySeconds,
      });
    }

    async function tokenRows(subjectId: string) {
      return database.db
        .selectFrom('tokens')
        .selectAll()
        .where('org_id', '=', org.id)
        .where('subject_id', '=', subjectId)
        .execute();
    }

    it('authenticates the token it issues as the client, with its grants', async () => {
      const { client, secret } = await agentClient();
      const grant = await issueClientToken(database.db, client.id, secret, TTL);

      expect(grant).toMatchObject({ token_type: 'bearer', expires_in: TTL });
      const principal = await authenticate(database.db, grant.access_token);
      expect(principal).toMatchObject({
        orgId: org.id,
        type: 'client',
        id: client.id,
        name: client.name,
      });
      expect(principal?.grants).toEqual([
        {
          roleId: org.agentRoleId,
          divisionId: org.homeDivisionId,
          permissions: expect.arrayContaining(['externalContacts:contact:view']),
        },
      ]);
    });

    it('stores an expiry one TTL after issue', async () => {
      const { client, secret } = await agentClient();
      const before = Date.now();
      await issueClientToken(database.db, client.id, secret, TTL);
      const [row] = await tokenRows(client.id);
      const expires = Date.parse(row?.expires_at ?? '');
      expect(expires).toBeGreaterThanOrEqual(before + TTL * 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + TTL * 1000);
    });

    it("uses the client's own accessTokenValiditySeconds instead of the default TTL", async () => {
      const { client, secret } = await agentClient({ accessTokenValiditySeconds: 60 });
      const grant = await issueClientToken(database.db, client.id, secret, TTL);
      expect(grant.expires_in).toBe(60);
      const [row] = await tokenRows(client.id);
      expect(Date.parse(row?.expires_at ?? '')).toBeLessThanOrEqual(Date.now() + 60_000);
    });

    it('does not authenticate an expired token', async () => {
      const { client, secret } = await agentClient();
      const { access_token: token } = await issueClientToken(database.db, client.id, secret, TTL);
      expect(await authenticate(database.db, token)).toBeDefined();

      await database.db
        .updateTable('tokens')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('org_id', '=', org.id)
        .where('subject_id', '=', client.id)
        .execute();

      expect(await authenticate(database.db, token)).toBeUndefined();
    });

    it("revokes one token and leaves the client's other tokens working", async () => {
      const { client, secret } = await agentClient();
      const first = (await issueClientToken(database.db, client.id, secret, TTL)).access_token;
      const second = (await issueClientToken(database.db, client.id, secret, TTL)).access_token;

      await revokeToken(database.db, first);

      expect(await authenticate(database.db, first)).toBeUndefined();
      expect((await authenticate(database.db, second))?.id).toBe(client.id);
      expect(await tokenRows(client.id)).toHaveLength(1);
    });

    it('revokes every token of a deleted client', async () => {
      const { client, secret } = await agentClient();
      const tokens = [
        (await issueClientToken(database.db, client.id, secret, TTL)).access_token,
        (await issueClientToken(database.db, client.id, secret, TTL)).access_token,
      ];

      await deleteClient(database.db, admin.principal, client.id);

      for (const token of tokens) expect(await authenticate(database.db, token)).toBeUndefined();
      expect(await tokenRows(client.id)).toEqual([]);
      await expectAppError(issueClientToken(database.db, client.id, secret, TTL), BAD_CREDENTIALS);
    });

    it('revokes every token of a deactivated client, for good', async () => {
      const { client, secret } = await agentClient();
      const token = (await issueClientToken(database.db, client.id, secret, TTL)).access_token;

      await updateClient(database.db, admin.principal, client.id, {
        name: client.name,
        state: 'inactive',
      });

      expect(await tokenRows(client.id)).toEqual([]);
      expect(await authenticate(database.db, token)).toBeUndefined();
      await expectAppError(issueClientToken(database.db, client.id, secret, TTL), BAD_CREDENTIALS);

      // Reactivation does not bring the old token back; a new one must be issued.
      await updateClient(database.db, admin.principal, client.id, {
        name: client.name,
        state: 'active',
      });
      expect(await authenticate(database.db, token)).toBeUndefined();
      const fresh = (await issueClientToken(database.db, client.id, secret, TTL)).access_token;
      expect((await authenticate(database.db, fresh))?.id).toBe(client.id);
    });

    it("keeps the client's tokens when an update leaves it active", async () => {
      const { client, secret } = await agentClient();
      const token = (await issueClientToken(database.db, client.id, secret, TTL)).access_token;
      await updateClient(database.db, admin.principal, client.id, { name: 'renamed' });
      expect((await authenticate(database.db, token))?.name).toBe('renamed');
    });

    it('refuses a wrong secret with 401 bad.credentials and issues nothing', async () => {
      const { client, secret } = await agentClient();
      await expectAppError(
        issueClientToken(database.db, client.id, `${secret}x`, TTL),
        BAD_CREDENTIALS,
      );
      await expectAppError(issueClientToken(database.db, client.id, '', TTL), BAD_CREDENTIALS);
      expect(await tokenRows(client.id)).toEqual([]);
    });

    it('refuses an unknown client id with the same 401 bad.credentials', async () => {
      const { secret } = await agentClient();
      const error = await expectAppError(
        issueClientToken(database.db, 'no-such-client', secret, TTL),
        BAD_CREDENTIALS,
      );
      expect(error.message).toBe('Invalid client credentials or user name and password');
    });

    it('stores only the SHA-256 of a token, never the token itself', async () => {
      const { client, secret } = await agentClient();
      const token = (await issueClientToken(database.db, client.id, secret, TTL)).access_token;

      const rows = await tokenRows(client.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.token_hash).toBe(createHash('sha256').update(token).digest('base64url'));
      const randomPart = token.split('.')[1] ?? token;
      const everything = JSON.stringify(
        await database.db.selectFrom('tokens').selectAll().execute(),
      );
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(randomPart);
    });

    it('does not authenticate a token that is unknown, malformed or re-addressed to another organization', async () => {
      const { client, secret } = await agentClient();
      const token = (await issueClientToken(database.db, client.id, secret, TTL)).access_token;
      const other = await makeOrganization(database.db);
      const [, random] = token.split('.');
      const readdressed = `${Buffer.from(other.id).toString('base64url')}.${random ?? ''}`;

      expect(await authenticate(database.db, readdressed)).toBeUndefined();
      expect(await authenticate(database.db, `${token}x`)).toBeUndefined();
      expect(await authenticate(database.db, 'not-a-token')).toBeUndefined();
      expect(await authenticate(database.db, '')).toBeUndefined();
    });
  });

  describe(`user tokens (${dialect})`, () => {
    const { database, org, admin } = useAdminStore(dialect);
    const PASSWORD = 'correct horse battery';

    async function agentUser(password: string | undefined = PASSWORD) {
      const email = uniqueEmail('agent');
      const { user } = await registerUser(database.db, org.id, {
        name: 'Agent',
        email,
        password,
        roleDivisions: [{ roleId: org.agentRoleId, divisionId: org.homeDivisionId }],
      });
      return { user, email };
    }

    async function userTokenCount(userId: string): Promise<number> {
      const rows = await database.db
        .selectFrom('tokens')
        .select('token_hash')
        .where('org_id', '=', org.id)
        .where('subject_id', '=', userId)
        .execute();
      return rows.length;
    }

    it('issues a password-grant token that authenticates as the user', async () => {
      const { user, email } = await agentUser();
      const grant = await issueUserToken(database.db, email, PASSWORD, TTL);

      expect(grant).toMatchObject({ token_type: 'bearer', expires_in: TTL });
      const principal = await authenticate(database.db, grant.access_token);
      expect(principal).toMatchObject({ orgId: org.id, type: 'user', id: user.id, name: 'Agent' });
      expect(principal?.grants.map((g) => [g.roleId, g.divisionId])).toEqual([
        [org.agentRoleId, org.homeDivisionId],
      ]);
    });

    it('takes the username in any case', async () => {
      const { user, email } = await agentUser();
      const grant = await issueUserToken(database.db, email.toUpperCase(), PASSWORD, TTL);
      expect((await authenticate(database.db, grant.access_token))?.id).toBe(user.id);
    });

    it('refuses a wrong password, an unknown user and a user without a password', async () => {
      const { user, email } = await agentUser();
      await expectAppError(
        issueUserToken(database.db, email, `${PASSWORD}!`, TTL),
        BAD_CREDENTIALS,
      );
      await expectAppError(
        issueUserToken(database.db, uniqueEmail('nobody'), PASSWORD, TTL),
        BAD_CREDENTIALS,
      );
      const passwordless = await agentUser(undefined);
      await expectAppError(
        issueUserToken(database.db, passwordless.email, '', TTL),
        BAD_CREDENTIALS,
      );
      expect(await userTokenCount(user.id)).toBe(0);
    });

    it("revokes the user's tokens when an administrator sets a new password", async () => {
      const { user, email } = await agentUser();
      const tokens = [
        (await issueUserToken(database.db, email, PASSWORD, TTL)).access_token,
        (await issueUserToken(database.db, email, PASSWORD, TTL)).access_token,
      ];

      await setUserPassword(database.db, admin.principal, user.id, 'a brand new password');

      for (const token of tokens) expect(await authenticate(database.db, token)).toBeUndefined();
      expect(await userTokenCount(user.id)).toBe(0);
      await expectAppError(issueUserToken(database.db, email, PASSWORD, TTL), BAD_CREDENTIALS);
      const fresh = await issueUserToken(database.db, email, 'a brand new password', TTL);
      expect((await authenticate(database.db, fresh.access_token))?.id).toBe(user.id);
    });

    it("revokes the user's tokens when the user is deactivated", async () => {
      const { user, email } = await agentUser();
      const token = (await issueUserToken(database.db, email, PASSWORD, TTL)).access_token;

      await patchUser(database.db, admin.principal, user.id, {
        version: user.version,
        state: 'inactive',
      });

      expect(await userTokenCount(user.id)).toBe(0);
      expect(await authenticate(database.db, token)).toBeUndefined();
      await expectAppError(issueUserToken(database.db, email, PASSWORD, TTL), BAD_CREDENTIALS);
    });

    it("revokes the user's tokens when the user is deleted", async () => {
      const { user, email } = await agentUser();
      const token = (await issueUserToken(database.db, email, PASSWORD, TTL)).access_token;

      await deleteUser(database.db, admin.principal, user.id);

      expect(await userTokenCount(user.id)).toBe(0);
      expect(await authenticate(database.db, token)).toBeUndefined();
    });
  });
}
