import { beforeAll, describe, expect, it } from 'vitest';
import type { PagedListing } from '../../src/common/paging.js';
import { DIALECTS } from '../helpers/databases.js';
import {
  CLIENTS,
  CONTACTS,
  DIVISIONS,
  ROLES,
  USERS,
  basic,
  createClient,
  createDivision,
  createRole,
  expectGenesysError,
  homeDivisionId,
  ok,
  postToken,
  roleIdByName,
} from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';

interface DivisionView {
  id: string;
  name: string;
  description: string;
  homeDivision: boolean;
  selfUri: string;
}

interface RoleView {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  default: boolean;
  userCount?: number;
  selfUri: string;
}

interface RoleDivision {
  roleId: string;
  divisionId: string;
}

interface ClientView {
  id: string;
  name: string;
  description: string;
  authorizedGrantType: string;
  roleIds: string[];
  roleDivisions: RoleDivision[];
  state: string;
  secret?: string;
  selfUri: string;
}

interface UserView {
  id: string;
  name: string;
  email: string;
  username: string;
  division: { id: string };
  state: string;
  version: number;
  roleDivisions: RoleDivision[];
  selfUri: string;
  title?: string;
}

function expectListing(listing: PagedListing<unknown>): void {
  for (const key of [
    'entities',
    'pageSize',
    'pageNumber',
    'total',
    'pageCount',
    'firstUri',
    'selfUri',
    'lastUri',
  ]) {
    expect(listing).toHaveProperty(key);
  }
  expect(Array.isArray(listing.entities)).toBe(true);
}

for (const dialect of DIALECTS) {
  describe(`divisions API (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('creates, reads, updates and deletes a division', async () => {
      const created = ok<DivisionView>(
        await kith.request('POST', DIVISIONS, {
          body: { name: 'Crud Division', description: 'for the test' },
        }),
      );
      expect(created).toMatchObject({
        name: 'Crud Division',
        description: 'for the test',
        homeDivision: false,
        selfUri: `${DIVISIONS}/${created.id}`,
      });

      expect(ok<DivisionView>(await kith.request('GET', `${DIVISIONS}/${created.id}`))).toEqual(
        created,
      );

      const updated = ok<DivisionView>(
        await kith.request('PUT', `${DIVISIONS}/${created.id}`, {
          body: { name: 'Crud Division Renamed', description: 'changed' },
        }),
      );
      expect(updated).toMatchObject({
        id: created.id,
        name: 'Crud Division Renamed',
        description: 'changed',
      });
      expect(ok<DivisionView>(await kith.request('GET', `${DIVISIONS}/${created.id}`)).name).toBe(
        'Crud Division Renamed',
      );

      const deleted = await kith.request('DELETE', `${DIVISIONS}/${created.id}`);
      expect(deleted.statusCode).toBe(204);
      expectGenesysError(await kith.request('GET', `${DIVISIONS}/${created.id}`), 404, 'not.found');
    });

    it('lists divisions with Genesys paging', async () => {
      for (const name of ['Paging C', 'Paging A', 'Paging B']) {
        ok(await kith.request('POST', DIVISIONS, { body: { name } }));
      }
      const page = ok<PagedListing<DivisionView>>(
        await kith.request('GET', `${DIVISIONS}?name=Paging&pageSize=1&pageNumber=2`),
      );
      expectListing(page);
      expect(page.entities.map((d) => d.name)).toEqual(['Paging B']);
      expect(page).toMatchObject({ pageSize: 1, pageNumber: 2, total: 3, pageCount: 3 });
      expect(page.selfUri).toContain('pageNumber=2');
      expect(page.firstUri).toContain('pageNumber=1');
      expect(page.lastUri).toContain('pageNumber=3');
      expect(page.nextUri).toContain('pageNumber=3');
      expect(page.previousUri).toContain('pageNumber=1');
      for (const uri of [page.firstUri, page.selfUri, page.lastUri, page.nextUri]) {
        expect(uri).toMatch(/^\/api\/v2\/authorization\/divisions\?/);
        expect(uri).toContain('name=Paging');
        expect(uri).toContain('pageSize=1');
      }

      const first = ok<PagedListing<DivisionView>>(
        await kith.request('GET', `${DIVISIONS}?name=Paging&pageSize=1&pageNumber=1`),
      );
      expect(first.previousUri).toBeUndefined();
      const last = ok<PagedListing<DivisionView>>(
        await kith.request('GET', `${DIVISIONS}?name=Paging&pageSize=1&pageNumber=3`),
      );
      expect(last.nextUri).toBeUndefined();
    });

    it('filters divisions by name', async () => {
      ok(await kith.request('POST', DIVISIONS, { body: { name: 'Filter Target' } }));
      const page = ok<PagedListing<DivisionView>>(
        await kith.request('GET', `${DIVISIONS}?name=${encodeURIComponent('Filter Target')}`),
      );
      expect(page.entities.map((d) => d.name)).toEqual(['Filter Target']);
      expect(page.total).toBe(1);
      const none = ok<PagedListing<DivisionView>>(
        await kith.request('GET', `${DIVISIONS}?name=zzz`),
      );
      expect(none.entities).toEqual([]);
      expect(none.total).toBe(0);
    });

    it('answers the home division, which is listed and flagged', async () => {
      const home = ok<DivisionView>(await kith.request('GET', `${DIVISIONS}/home`));
      expect(home.homeDivision).toBe(true);
      expect(home.name).toBe('Home');
      const all = ok<PagedListing<DivisionView>>(
        await kith.request('GET', `${DIVISIONS}?pageSize=100`),
      );
      expect(all.entities.filter((d) => d.homeDivision).map((d) => d.id)).toEqual([home.id]);
    });

    it('answers a duplicate division name with 409, whatever its case', async () => {
      ok(await kith.request('POST', DIVISIONS, { body: { name: 'Unique Name' } }));
      expectGenesysError(
        await kith.request('POST', DIVISIONS, { body: { name: 'unique name' } }),
        409,
        'conflict',
      );
      const other = ok<DivisionView>(
        await kith.request('POST', DIVISIONS, { body: { name: 'Another Name' } }),
      );
      expectGenesysError(
        await kith.request('PUT', `${DIVISIONS}/${other.id}`, { body: { name: 'Unique Name' } }),
        409,
        'conflict',
      );
    });

    it('refuses to delete the home division', async () => {
      const home = ok<DivisionView>(await kith.request('GET', `${DIVISIONS}/home`));
      expectGenesysError(await kith.request('DELETE', `${DIVISIONS}/${home.id}`), 409, 'conflict');
      expect((await kith.request('GET', `${DIVISIONS}/${home.id}`)).statusCode).toBe(200);
    });

    it('refuses to delete a division that holds contacts until they are gone', async () => {
      const division = ok<DivisionView>(
        await kith.request('POST', DIVISIONS, { body: { name: 'Holds Contacts' } }),
      );
      const contact = ok<{ id: string }>(
        await kith.request('POST', CONTACTS, {
          body: { firstName: 'Held', division: { id: division.id } },
        }),
      );
      expectGenesysError(
        await kith.request('DELETE', `${DIVISIONS}/${division.id}`),
        409,
        'conflict',
      );
      expect((await kith.request('GET', `${DIVISIONS}/${division.id}`)).statusCode).toBe(200);

      ok(await kith.request('DELETE', `${CONTACTS}/${contact.id}`));
      expect((await kith.request('DELETE', `${DIVISIONS}/${division.id}`)).statusCode).toBe(204);
    });

    it('answers a nameless division with 400 naming name', async () => {
      for (const body of [{}, { name: '' }, { name: '   ' }]) {
        const error = expectGenesysError(
          await kith.request('POST', DIVISIONS, { body }),
          400,
          'bad.request',
        );
        expect(error.message).toContain('name');
        expect(error.details.map((d) => d.fieldName)).toContain('name');
      }
    });

    it('answers an unknown division id with 404 on get, update and delete', async () => {
      const id = '01a00000-0000-7000-8000-000000000000';
      expectGenesysError(await kith.request('GET', `${DIVISIONS}/${id}`), 404, 'not.found');
      expectGenesysError(
        await kith.request('PUT', `${DIVISIONS}/${id}`, { body: { name: 'x' } }),
        404,
        'not.found',
      );
      expectGenesysError(await kith.request('DELETE', `${DIVISIONS}/${id}`), 404, 'not.found');
    });

    it('answers a pageSize out of bounds with 400', async () => {
      expectGenesysError(await kith.request('GET', `${DIVISIONS}?pageSize=0`), 400, 'bad.request');
      expectGenesysError(
        await kith.request('GET', `${DIVISIONS}?pageSize=100000`),
        400,
        'bad.request',
      );
    });
  });

  describe(`roles API (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('has the built-in admin and agent roles with their permissions', async () => {
      const page = ok<PagedListing<RoleView>>(await kith.request('GET', `${ROLES}?pageSize=100`));
      expectListing(page);
      const admin = page.entities.find((r) => r.name === 'admin');
      const agent = page.entities.find((r) => r.name === 'agent');
      expect(admin?.permissions).toEqual(['*:*:*']);
      expect(admin?.default).toBe(true);
      expect(agent?.default).toBe(true);
      expect(agent?.permissions).toEqual(
        expect.arrayContaining([
          'externalContacts:contact:view',
          'externalContacts:contact:add',
          'externalContacts:contact:edit',
          'externalContacts:contact:search',
        ]),
      );
      expect(agent?.permissions).not.toContain('externalContacts:contact:delete');
    });

    it('creates, reads, updates and deletes a role', async () => {
      const created = ok<RoleView>(
        await kith.request('POST', ROLES, {
          body: {
            name: 'Contact Viewer',
            description: 'looks only',
            permissions: ['externalContacts:contact:view'],
          },
        }),
      );
      expect(created).toMatchObject({
        name: 'Contact Viewer',
        description: 'looks only',
        permissions: ['externalContacts:contact:view'],
        default: false,
        selfUri: `${ROLES}/${created.id}`,
      });

      const read = ok<RoleView>(await kith.request('GET', `${ROLES}/${created.id}`));
      expect(read.permissions).toEqual(['externalContacts:contact:view']);
      expect(read.userCount).toBe(0);

      const updated = ok<RoleView>(
        await kith.request('PUT', `${ROLES}/${created.id}`, {
          body: {
            name: 'Contact Editor',
            permissions: ['externalContacts:contact:view', 'externalContacts:contact:edit'],
          },
        }),
      );
      expect(updated.name).toBe('Contact Editor');
      expect([...updated.permissions].sort()).toEqual([
        'externalContacts:contact:edit',
        'externalContacts:contact:view',
      ]);
      expect(
        [...ok<RoleView>(await kith.request('GET', `${ROLES}/${created.id}`)).permissions].sort(),
      ).toEqual(['externalContacts:contact:edit', 'externalContacts:contact:view']);

      expect((await kith.request('DELETE', `${ROLES}/${created.id}`)).statusCode).toBe(204);
      expectGenesysError(await kith.request('GET', `${ROLES}/${created.id}`), 404, 'not.found');
    });

    it('accepts wildcards in permission strings', async () => {
      const role = ok<RoleView>(
        await kith.request('POST', ROLES, {
          body: { name: 'Wildcards', permissions: ['externalContacts:*:*', 'oauth:client:*'] },
        }),
      );
      expect([...role.permissions].sort()).toEqual(['externalContacts:*:*', 'oauth:client:*']);
    });

    it('answers a malformed permission string with 400 naming permissions', async () => {
      for (const bad of ['view', 'externalContacts:contact', 'a:b:c:d', 'external Contacts:x:y']) {
        const error = expectGenesysError(
          await kith.request('POST', ROLES, { body: { name: `Bad ${bad}`, permissions: [bad] } }),
          400,
          'bad.request',
        );
        expect(error.details.map((d) => d.fieldName)).toContain('permissions');
      }
      const listed = ok<PagedListing<RoleView>>(await kith.request('GET', `${ROLES}?name=Bad`));
      expect(listed.total).toBe(0);
    });

    it('answers a duplicate role name with 409', async () => {
      ok(await kith.request('POST', ROLES, { body: { name: 'Twin' } }));
      expectGenesysError(
        await kith.request('POST', ROLES, { body: { name: 'twin' } }),
        409,
        'conflict',
      );
    });

    it('filters roles by name', async () => {
      ok(await kith.request('POST', ROLES, { body: { name: 'Findable Role' } }));
      const page = ok<PagedListing<RoleView>>(await kith.request('GET', `${ROLES}?name=Findable`));
      expect(page.entities.map((r) => r.name)).toEqual(['Findable Role']);
    });

    it('refuses to delete or rename a built-in role', async () => {
      const page = ok<PagedListing<RoleView>>(await kith.request('GET', `${ROLES}?name=agent`));
      const agent = page.entities.find((r) => r.name === 'agent');
      expect(agent).toBeDefined();
      const id = agent?.id ?? '';
      expectGenesysError(await kith.request('DELETE', `${ROLES}/${id}`), 400, 'bad.request');
      expectGenesysError(
        await kith.request('PUT', `${ROLES}/${id}`, {
          body: { name: 'renamed agent', permissions: agent?.permissions },
        }),
        400,
        'bad.request',
      );
      expect(ok<RoleView>(await kith.request('GET', `${ROLES}/${id}`)).name).toBe('agent');
    });
  });

  describe(`OAuth clients API (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let agentRoleId: string;
    let homeId: string;

    beforeAll(async () => {
      agentRoleId = await roleIdByName(kith, 'agent');
      homeId = await homeDivisionId(kith);
    });

    it('creates a client with roleDivisions and shows its secret only in that answer', async () => {
      const created = ok<ClientView>(
        await kith.request('POST', CLIENTS, {
          body: {
            name: 'CRM sync',
            description: 'nightly',
            roleDivisions: [{ roleId: agentRoleId, divisionId: homeId }],
          },
        }),
      );
      expect(created).toMatchObject({
        name: 'CRM sync',
        description: 'nightly',
        authorizedGrantType: 'CLIENT-CREDENTIALS',
        roleIds: [agentRoleId],
        roleDivisions: [{ roleId: agentRoleId, divisionId: homeId }],
        state: 'active',
        selfUri: `${CLIENTS}/${created.id}`,
      });
      expect(typeof created.secret).toBe('string');
      expect(created.secret?.length).toBeGreaterThanOrEqual(16);

      const read = ok<ClientView>(await kith.request('GET', `${CLIENTS}/${created.id}`));
      expect(read).not.toHaveProperty('secret');
      expect(read.roleDivisions).toEqual([{ roleId: agentRoleId, divisionId: homeId }]);

      const listed = ok<PagedListing<ClientView>>(await kith.request('GET', CLIENTS));
      expectListing(listed);
      expect(listed.entities.map((c) => c.id)).toContain(created.id);
      for (const client of listed.entities) expect(client).not.toHaveProperty('secret');
      expect(JSON.stringify(listed)).not.toContain(created.secret ?? '');

      // The secret shown once is the one that logs in.
      const token = await postToken(
        kith,
        { grant_type: 'client_credentials' },
        basic(created.id, created.secret ?? ''),
      );
      expect(token.statusCode).toBe(200);
    });

    it('updates a client, replacing its roleDivisions and keeping its secret', async () => {
      const created = ok<ClientView>(
        await kith.request('POST', CLIENTS, {
          body: { name: 'Before', roleDivisions: [{ roleId: agentRoleId, divisionId: homeId }] },
        }),
      );
      const roleId = await createRole(kith, 'Client Role', ['externalContacts:contact:view']);
      const updated = await kith.request('PUT', `${CLIENTS}/${created.id}`, {
        body: { name: 'After', roleDivisions: [{ roleId, divisionId: '*' }] },
      });
      const view = ok<ClientView>(updated);
      expect(view).not.toHaveProperty('secret');
      expect(view.name).toBe('After');
      expect(view.roleDivisions).toEqual([{ roleId, divisionId: '*' }]);
      expect(
        ok<ClientView>(await kith.request('GET', `${CLIENTS}/${created.id}`)).roleDivisions,
      ).toEqual([{ roleId, divisionId: '*' }]);
      const token = await postToken(
        kith,
        { grant_type: 'client_credentials' },
        basic(created.id, created.secret ?? ''),
      );
      expect(token.statusCode).toBe(200);
    });

    it('answers an unknown roleId or divisionId in roleDivisions with 400', async () => {
      const badRole = expectGenesysError(
        await kith.request('POST', CLIENTS, {
          body: {
            name: 'Bad role',
            roleDivisions: [{ roleId: '01a00000-0000-7000-8000-000000000000', divisionId: '*' }],
          },
        }),
        400,
        'bad.request',
      );
      expect(badRole.details.map((d) => d.fieldName).join()).toContain('roleId');

      const badDivision = expectGenesysError(
        await kith.request('POST', CLIENTS, {
          body: {
            name: 'Bad division',
            roleDivisions: [
              { roleId: agentRoleId, divisionId: '01a00000-0000-7000-8000-000000000000' },
            ],
          },
        }),
        400,
        'bad.request',
      );
      expect(badDivision.details.map((d) => d.fieldName).join()).toContain('divisionId');

      const listed = ok<PagedListing<ClientView>>(await kith.request('GET', CLIENTS));
      expect(listed.entities.map((c) => c.name)).not.toContain('Bad role');
      expect(listed.entities.map((c) => c.name)).not.toContain('Bad division');
    });

    it('deletes a client and revokes its tokens', async () => {
      const created = ok<ClientView>(
        await kith.request('POST', CLIENTS, {
          body: { name: 'Doomed', roleDivisions: [{ roleId: agentRoleId, divisionId: homeId }] },
        }),
      );
      const grant = await postToken(
        kith,
        { grant_type: 'client_credentials' },
        basic(created.id, created.secret ?? ''),
      );
      const token = grant.json<{ access_token: string }>().access_token;
      expect((await kith.request('GET', CONTACTS, { token })).statusCode).toBe(200);

      expect((await kith.request('DELETE', `${CLIENTS}/${created.id}`)).statusCode).toBe(204);
      expectGenesysError(await kith.request('GET', `${CLIENTS}/${created.id}`), 404, 'not.found');
      expectGenesysError(await kith.request('GET', CONTACTS, { token }), 401);
    });

    it('answers a nameless client with 400 naming name', async () => {
      const error = expectGenesysError(
        await kith.request('POST', CLIENTS, { body: { description: 'x' } }),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName)).toContain('name');
    });
  });

  describe(`users API (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let agentRoleId: string;
    let homeId: string;

    beforeAll(async () => {
      agentRoleId = await roleIdByName(kith, 'agent');
      homeId = await homeDivisionId(kith);
    });

    it('creates, reads, lists, updates and deletes a user', async () => {
      const created = ok<UserView>(
        await kith.request('POST', USERS, {
          body: {
            name: 'Ann Agent',
            email: 'ann@example.com',
            password: 'ann-password-1',
            roleDivisions: [{ roleId: agentRoleId, divisionId: homeId }],
          },
        }),
      );
      expect(created).toMatchObject({
        name: 'Ann Agent',
        email: 'ann@example.com',
        username: 'ann@example.com',
        division: { id: homeId },
        state: 'active',
        version: 1,
        roleDivisions: [{ roleId: agentRoleId, divisionId: homeId }],
        selfUri: `${USERS}/${created.id}`,
      });
      expect(JSON.stringify(created)).not.toContain('ann-password-1');
      expect(created).not.toHaveProperty('password');

      expect(ok<UserView>(await kith.request('GET', `${USERS}/${created.id}`))).toEqual(created);
      const listed = ok<PagedListing<UserView>>(await kith.request('GET', USERS));
      expectListing(listed);
      expect(listed.entities.map((u) => u.id)).toContain(created.id);

      const patched = ok<UserView>(
        await kith.request('PATCH', `${USERS}/${created.id}`, {
          body: { version: 1, title: 'Team lead', roleDivisions: [] },
        }),
      );
      expect(patched.title).toBe('Team lead');
      expect(patched.version).toBe(2);
      expect(patched.roleDivisions).toEqual([]);
      expect(patched.name).toBe('Ann Agent');

      expect((await kith.request('DELETE', `${USERS}/${created.id}`)).statusCode).toBe(204);
      expectGenesysError(await kith.request('GET', `${USERS}/${created.id}`), 404, 'not.found');
    });

    it('answers a PATCH with a stale version with 409 and keeps the user', async () => {
      const created = ok<UserView>(
        await kith.request('POST', USERS, { body: { name: 'Ben', email: 'ben@example.com' } }),
      );
      ok(
        await kith.request('PATCH', `${USERS}/${created.id}`, {
          body: { version: 1, title: 'First' },
        }),
      );
      expectGenesysError(
        await kith.request('PATCH', `${USERS}/${created.id}`, {
          body: { version: 1, title: 'Second' },
        }),
        409,
        'conflict',
      );
      const read = ok<UserView>(await kith.request('GET', `${USERS}/${created.id}`));
      expect(read.title).toBe('First');
      expect(read.version).toBe(2);
    });

    it('answers a PATCH without a version with 400 naming version', async () => {
      const created = ok<UserView>(
        await kith.request('POST', USERS, { body: { name: 'Cy', email: 'cy@example.com' } }),
      );
      const error = expectGenesysError(
        await kith.request('PATCH', `${USERS}/${created.id}`, { body: { title: 'x' } }),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName)).toContain('version');
    });

    it('answers a duplicate email with 409', async () => {
      ok(await kith.request('POST', USERS, { body: { name: 'Dee', email: 'dee@example.com' } }));
      expectGenesysError(
        await kith.request('POST', USERS, { body: { name: 'Dee 2', email: 'DEE@example.com' } }),
        409,
        'conflict',
      );
    });

    it('answers an unknown roleId in roleDivisions with 400', async () => {
      expectGenesysError(
        await kith.request('POST', USERS, {
          body: {
            name: 'Eve',
            email: 'eve@example.com',
            roleDivisions: [{ roleId: '01a00000-0000-7000-8000-000000000000', divisionId: '*' }],
          },
        }),
        400,
        'bad.request',
      );
    });

    it('sets a password, revoking the tokens of the old one', async () => {
      const created = ok<UserView>(
        await kith.request('POST', USERS, {
          body: {
            name: 'Fay',
            email: 'fay@example.com',
            password: 'old-password-1',
            roleDivisions: [{ roleId: agentRoleId, divisionId: homeId }],
          },
        }),
      );
      const grant = await postToken(kith, {
        grant_type: 'password',
        username: 'fay@example.com',
        password: 'old-password-1',
      });
      const token = ok<{ access_token: string }>(grant).access_token;
      expect((await kith.request('GET', CONTACTS, { token })).statusCode).toBe(200);

      const set = await kith.request('POST', `${USERS}/${created.id}/password`, {
        body: { newPassword: 'new-password-2' },
      });
      expect(set.statusCode).toBe(204);

      expectGenesysError(
        await kith.request('GET', CONTACTS, { token }),
        401,
        'authentication.required',
      );
      expectGenesysError(
        await postToken(kith, {
          grant_type: 'password',
          username: 'fay@example.com',
          password: 'old-password-1',
        }),
        401,
        'bad.credentials',
      );
      const renewed = await postToken(kith, {
        grant_type: 'password',
        username: 'fay@example.com',
        password: 'new-password-2',
      });
      expect(renewed.statusCode).toBe(200);
    });

    it('answers a too-short password with 400 naming password', async () => {
      const error = expectGenesysError(
        await kith.request('POST', USERS, {
          body: { name: 'Gus', email: 'gus@example.com', password: 'short' },
        }),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName)).toContain('password');
    });
  });

  describe(`admin permissions (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let token: string;

    beforeAll(async () => {
      token = (await kith.principal(['externalContacts:contact:*'], ['*'])).token;
    });

    const cases: [string, 'GET' | 'POST', string, string, unknown?][] = [
      ['divisions list', 'GET', DIVISIONS, 'authorization:division:view'],
      ['division home', 'GET', `${DIVISIONS}/home`, 'authorization:division:view'],
      ['division create', 'POST', DIVISIONS, 'authorization:division:add', { name: 'x' }],
      ['roles list', 'GET', ROLES, 'authorization:role:view'],
      ['role create', 'POST', ROLES, 'authorization:role:add', { name: 'x' }],
      ['clients list', 'GET', CLIENTS, 'oauth:client:view'],
      ['client create', 'POST', CLIENTS, 'oauth:client:add', { name: 'x' }],
      ['users list', 'GET', USERS, 'directory:user:view'],
      ['user create', 'POST', USERS, 'directory:user:add', { name: 'x', email: 'x@example.com' }],
    ];
    for (const [label, method, url, permission, body] of cases) {
      it(`answers ${label} without ${permission} with 403 missing.permissions`, async () => {
        const error = expectGenesysError(
          await kith.request(method, url, { token, body }),
          403,
          'missing.permissions',
        );
        expect(error.message).toContain(permission);
      });
    }

    it('answers a write with only the view permission with 403', async () => {
      const viewer = await kith.principal(
        ['authorization:division:view', 'authorization:role:view', 'oauth:client:view'],
        ['*'],
      );
      const home = ok<DivisionView>(
        await kith.request('GET', `${DIVISIONS}/home`, { token: viewer.token }),
      );
      expectGenesysError(
        await kith.request('PUT', `${DIVISIONS}/${home.id}`, {
          token: viewer.token,
          body: { name: 'Hijacked' },
        }),
        403,
        'missing.permissions',
      );
      expectGenesysError(
        await kith.request('DELETE', `${CLIENTS}/${viewer.clientId}`, { token: viewer.token }),
        403,
        'missing.permissions',
      );
      expect(ok<DivisionView>(await kith.request('GET', `${DIVISIONS}/home`)).name).toBe('Home');
    });
  });

  describe(`admin tenancy (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let otherToken: string;
    const ids: Record<'division' | 'role' | 'client' | 'user', string> = {
      division: '',
      role: '',
      client: '',
      user: '',
    };

    beforeAll(async () => {
      otherToken = (await kith.otherOrganization('Other Org')).adminToken;
      ids.division = await createDivision(kith, 'Mine');
      ids.role = await createRole(kith, 'Mine');
      ids.client = (await createClient(kith, { name: 'Mine' })).id;
      ids.user = ok<UserView>(
        await kith.request('POST', USERS, { body: { name: 'Mine', email: 'mine@example.com' } }),
      ).id;
    });

    // Each record: the calls besides GET and DELETE that another organization may not make on it.
    const records: [keyof typeof ids, string, ['PUT' | 'PATCH' | 'POST', string, unknown][]][] = [
      ['division', DIVISIONS, [['PUT', '', { name: 'Taken over' }]]],
      ['role', ROLES, [['PUT', '', { name: 'Taken over' }]]],
      ['client', CLIENTS, [['PUT', '', { name: 'Taken over' }]]],
      [
        'user',
        USERS,
        [
          ['PATCH', '', { version: 1, name: 'x' }],
          ['POST', '/password', { newPassword: 'taken-over-1' }],
        ],
      ],
    ];
    for (const [record, path, writes] of records) {
      it(`answers another organization's ${record} id with 404`, async () => {
        const url = `${path}/${ids[record]}`;
        const calls: ['GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE', string, unknown?][] = [
          ['GET', ''],
          ...writes,
          ['DELETE', ''],
        ];
        for (const [method, suffix, body] of calls) {
          expectGenesysError(
            await kith.request(method, `${url}${suffix}`, { token: otherToken, body }),
            404,
            'not.found',
          );
        }
        expect(ok<{ name: string }>(await kith.request('GET', url)).name).toBe('Mine');
      });
    }

    it("lists none of another organization's records", async () => {
      const lists = [
        [DIVISIONS, ids.division],
        [ROLES, ids.role],
        [CLIENTS, ids.client],
        [USERS, ids.user],
      ] as const;
      for (const [path, id] of lists) {
        const listed = ok<PagedListing<{ id: string }>>(
          await kith.request('GET', `${path}?pageSize=100`, { token: otherToken }),
        );
        expect(listed.entities.map((e) => e.id)).not.toContain(id);
      }
    });

    it("refuses another organization's role or division in roleDivisions with 400", async () => {
      expectGenesysError(
        await kith.request('POST', CLIENTS, {
          token: otherToken,
          body: { name: 'x', roleDivisions: [{ roleId: ids.role, divisionId: '*' }] },
        }),
        400,
        'bad.request',
      );
      const otherRoles = ok<PagedListing<RoleView>>(
        await kith.request('GET', `${ROLES}?name=agent`, { token: otherToken }),
      );
      expectGenesysError(
        await kith.request('POST', CLIENTS, {
          token: otherToken,
          body: {
            name: 'x',
            roleDivisions: [{ roleId: otherRoles.entities[0]?.id, divisionId: ids.division }],
          },
        }),
        400,
        'bad.request',
      );
    });
  });
}
