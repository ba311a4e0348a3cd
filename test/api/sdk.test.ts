import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { ensureDefaultOrganization } from '../../src/orgs/org.service.js';
import { bootstrapAdminClient } from '../../src/clients/bootstrap.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET } from '../helpers/kith.js';

/**
 * The official Genesys SDK (`purecloud-platform-client-v2`) against a Kith listening on a real
 * port. `ApiClient.instance` is a process-wide singleton holding one gateway and one token, so
 * every test signs in again (`signIn`) before it calls the API; tests in a file run one by one.
 */

const client = platformClient.ApiClient.instance;

/** What the SDK rejects with when `returnExtended` is off: the parsed Genesys error body. */
interface GenesysErrorBody {
  message: string;
  code: string;
  status: number;
  messageParams: Record<string, unknown>;
  contextId: string;
  details: unknown[];
}

/** The rejection of an SDK call, to assert on. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the SDK call to reject, but it resolved');
}

function genesysError(status: number, code: string): Record<string, unknown> {
  return {
    status,
    code,
    message: expect.any(String),
    contextId: expect.stringMatching(/\S/),
    messageParams: expect.any(Object),
    details: expect.any(Array),
  };
}

let uniqueCounter = 0;
function unique(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}-${Date.now().toString(36)}`;
}

for (const dialect of DIALECTS) {
  describe(`the Genesys SDK against a listening Kith (${dialect})`, () => {
    let database: TestDatabase;
    let app: FastifyInstance;
    let port: number;

    /** Points the singleton at this server and signs in with client credentials. */
    async function signIn(id = ADMIN_ID, secret = ADMIN_SECRET): Promise<void> {
      client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      client.setReturnExtendedResponses(false);
      await client.loginClientCredentialsGrant(id, secret);
    }

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      const org = await ensureDefaultOrganization(database.db);
      await bootstrapAdminClient(database.db, org.id, { id: ADMIN_ID, secret: ADMIN_SECRET });
      app = await buildApp({
        config: loadConfig({ KITH_RATE_LIMIT_PER_MINUTE: '0' }),
        db: database.db,
        logger: false,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      client.setReturnExtendedResponses(false);
      await app?.close();
      await database?.destroy();
    });

    it('signs in with client credentials and answers with a token and its expiry', async () => {
      client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      const auth = await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
      expect(auth.accessToken).toMatch(/\S{16,}/);
      expect(auth.tokenExpiryTime).toBeGreaterThan(Date.now());
    });

    it('rejects a sign-in with a wrong secret with status 401', async () => {
      client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      const error = (await rejectionOf(
        client.loginClientCredentialsGrant(ADMIN_ID, 'not-the-admin-secret-at-all'),
      )) as { response?: { status: number; data: unknown } };
      // The login flow rejects with the HTTP client's error, not with a bare error body.
      expect(error.response?.status).toBe(401);
      expect(error.response?.data).toMatchObject(genesysError(401, 'bad.credentials'));
    });

    it('rejects a call with an unknown token with 401 and a Genesys error body', async () => {
      client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      client.setAccessToken('not-a-token-kith-ever-issued');
      const rejection = await rejectionOf(
        new platformClient.ExternalContactsApi().getExternalcontactsContacts(),
      );
      expect(rejection).toMatchObject(genesysError(401, 'authentication.required'));
    });

    it('limits a client created through the SDK to its division plus unassigned contacts', async () => {
      await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const oauth = new platformClient.OAuthApi();
      const contacts = new platformClient.ExternalContactsApi();

      const divisionA = await authorization.postAuthorizationDivisions({
        name: unique('Division A'),
        description: 'where the new client may look',
      });
      const divisionB = await authorization.postAuthorizationDivisions({
        name: unique('Division B'),
        description: 'where it may not',
      });
      expect(divisionA.id).toEqual(expect.any(String));
      expect(divisionB.id).not.toBe(divisionA.id);

      const role = await authorization.postAuthorizationRoles({
        name: unique('contact viewers'),
        permissions: ['externalContacts:contact:view', 'externalContacts:contact:add'],
      });
      expect(role.permissions).toEqual([
        'externalContacts:contact:view',
        'externalContacts:contact:add',
      ]);

      const created = await oauth.postOauthClients({
        name: unique('integration'),
        authorizedGrantType: 'CLIENT-CREDENTIALS',
        roleDivisions: [{ roleId: role.id!, divisionId: divisionA.id! }],
      });
      expect(created.id).toEqual(expect.any(String));
      expect(created.secret).toEqual(expect.any(String));
      expect(created.roleDivisions).toEqual([{ roleId: role.id, divisionId: divisionA.id }]);

      const inA = await contacts.postExternalcontactsContacts({
        firstName: 'Ada',
        lastName: 'InA',
        division: { id: divisionA.id },
      });
      const inB = await contacts.postExternalcontactsContacts({
        firstName: 'Bea',
        lastName: 'InB',
        division: { id: divisionB.id },
      });
      const unassigned = await contacts.postExternalcontactsContacts({
        firstName: 'Una',
        lastName: 'Unassigned',
      });
      expect(inA.division?.id).toBe(divisionA.id);
      expect(inB.division?.id).toBe(divisionB.id);
      expect(unassigned.division?.id).toBe('*');

      await signIn(created.id, created.secret);

      const listing = await contacts.getExternalcontactsContacts({ pageSize: 100 });
      expect(listing.entities?.map((c) => c.id).sort()).toEqual([inA.id, unassigned.id].sort());
      expect(listing.total).toBe(2);

      const ownContact = await contacts.getExternalcontactsContact(inA.id!);
      expect(ownContact.lastName).toBe('InA');

      const hidden = await rejectionOf(contacts.getExternalcontactsContact(inB.id!));
      expect(hidden).toMatchObject(genesysError(404, 'not.found'));

      const noDivisionView = await rejectionOf(authorization.getAuthorizationDivisions());
      expect(noDivisionView).toMatchObject(genesysError(403, 'missing.permissions'));
    });

    it('exposes status, headers and the Genesys body of a rejection when extended responses are on', async () => {
      await signIn();
      const contacts = new platformClient.ExternalContactsApi();
      client.setReturnExtendedResponses(true);
      try {
        const rejection = (await rejectionOf(
          contacts.getExternalcontactsContact('no-such-contact'),
        )) as {
          status: number;
          headers: Record<string, string>;
          body: GenesysErrorBody;
        };
        expect(rejection.status).toBe(404);
        expect(rejection.body).toMatchObject(genesysError(404, 'not.found'));
        expect(rejection.headers['inin-correlation-id']).toBe(rejection.body.contextId);
      } finally {
        client.setReturnExtendedResponses(false);
      }
    });

    it('gets and renames a division through the SDK', async () => {
      await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const created = await authorization.postAuthorizationDivisions({
        name: unique('Temporary'),
        description: 'to be renamed',
      });
      const fetched = await authorization.getAuthorizationDivision(created.id!);
      expect(fetched).toMatchObject({
        id: created.id,
        name: created.name,
        description: 'to be renamed',
        homeDivision: false,
      });

      const newName = unique('Renamed');
      const renamed = await authorization.putAuthorizationDivision(created.id!, {
        name: newName,
        description: 'renamed through the SDK',
      });
      expect(renamed).toMatchObject({ id: created.id, name: newName });
      expect(await authorization.getAuthorizationDivision(created.id!)).toMatchObject({
        name: newName,
        description: 'renamed through the SDK',
      });
    });

    it('deletes an empty division through the SDK, after which it answers 404', async () => {
      await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const created = await authorization.postAuthorizationDivisions({
        name: unique('Doomed'),
        description: 'to be deleted',
      });
      await authorization.deleteAuthorizationDivision(created.id!);
      const gone = await rejectionOf(authorization.getAuthorizationDivision(created.id!));
      expect(gone).toMatchObject(genesysError(404, 'not.found'));
    });

    it('lists the built-in roles and the created ones through the SDK', async () => {
      await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const name = unique('listed role');
      await authorization.postAuthorizationRoles({
        name,
        permissions: ['externalContacts:contact:view'],
      });
      const roles = await authorization.getAuthorizationRoles({ pageSize: 100 });
      const names = roles.entities?.map((r) => r.name) ?? [];
      expect(names).toEqual(expect.arrayContaining(['admin', 'agent', name]));
      expect(roles.total).toBe(names.length);
    });

    it('gets an OAuth client through the SDK without its secret, and the client signs in', async () => {
      await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const oauth = new platformClient.OAuthApi();
      const agent = (await authorization.getAuthorizationRoles({ name: 'agent' })).entities?.[0];
      expect(agent?.name).toBe('agent');
      const created = await oauth.postOauthClients({
        name: unique('fetched'),
        authorizedGrantType: 'CLIENT-CREDENTIALS',
        roleDivisions: [{ roleId: agent!.id!, divisionId: '*' }],
      });

      const fetched = await oauth.getOauthClient(created.id!);
      expect(fetched).toMatchObject({
        id: created.id,
        name: created.name,
        authorizedGrantType: 'CLIENT-CREDENTIALS',
        roleDivisions: [{ roleId: agent!.id, divisionId: '*' }],
      });
      // A secret is shown once, at creation.
      expect(fetched.secret).toBeUndefined();

      await signIn(created.id, created.secret);
      const listing = await new platformClient.ExternalContactsApi().getExternalcontactsContacts();
      expect(listing.entities).toEqual(expect.any(Array));
    });

    it('deletes an OAuth client through the SDK, after which it cannot sign in', async () => {
      await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const oauth = new platformClient.OAuthApi();
      const agent = (await authorization.getAuthorizationRoles({ name: 'agent' })).entities?.[0];
      const created = await oauth.postOauthClients({
        name: unique('short-lived'),
        authorizedGrantType: 'CLIENT-CREDENTIALS',
        roleDivisions: [{ roleId: agent!.id!, divisionId: '*' }],
      });
      await oauth.deleteOauthClient(created.id!);
      expect(await rejectionOf(oauth.getOauthClient(created.id!))).toMatchObject(
        genesysError(404, 'not.found'),
      );
      const refused = (await rejectionOf(signIn(created.id, created.secret))) as {
        response?: { status: number };
      };
      expect(refused.response?.status).toBe(401);
    });

    it('creates, gets and patches a user through the SDK', async () => {
      await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const users = new platformClient.UsersApi();
      const home = (
        await authorization.getAuthorizationDivisions({ pageSize: 100 })
      ).entities?.find((d) => d.homeDivision === true);
      expect(home).toBeDefined();

      const email = `${unique('ann')}@example.com`;
      const created = await users.postUsers({
        name: 'Ann Agent',
        email,
        password: 'correct horse battery',
        divisionId: home!.id!,
      });
      expect(created).toMatchObject({ name: 'Ann Agent', email, version: 1 });

      const fetched = await users.getUser(created.id!);
      expect(fetched).toMatchObject({ id: created.id, email, division: { id: home!.id } });

      const patched = await users.patchUser(created.id!, {
        version: fetched.version,
        title: 'Team lead',
      });
      expect(patched).toMatchObject({ id: created.id, title: 'Team lead', version: 2 });
      expect((await users.getUser(created.id!)).title).toBe('Team lead');

      const stale = await rejectionOf(users.patchUser(created.id!, { version: 1, title: 'x' }));
      expect(stale).toMatchObject(genesysError(409, 'conflict'));
    });

    it('deletes an external contact through the SDK, after which it answers 404', async () => {
      await signIn();
      const contacts = new platformClient.ExternalContactsApi();
      const created = await contacts.postExternalcontactsContacts({
        firstName: 'Del',
        lastName: 'Eted',
      });
      expect((await contacts.getExternalcontactsContact(created.id!)).firstName).toBe('Del');
      const answer = await contacts.deleteExternalcontactsContact(created.id!);
      expect(answer).toEqual({});
      expect(await rejectionOf(contacts.getExternalcontactsContact(created.id!))).toMatchObject(
        genesysError(404, 'not.found'),
      );
    });
  });
}
