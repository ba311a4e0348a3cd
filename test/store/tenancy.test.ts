import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error.js';
import { BUILT_IN_ROLES } from '../../src/authorization/permissions.js';
import {
  getClient,
  listClients,
  registerClient,
  deleteClient,
  updateClient,
} from '../../src/clients/client.service.js';
import {
  createContact,
  deleteContact,
  getContact,
  searchContacts,
} from '../../src/contacts/contact.service.js';
import {
  createDivision,
  deleteDivision,
  getDivision,
  listDivisions,
  updateDivision,
} from '../../src/divisions/division.service.js';
import {
  createRole,
  deleteRole,
  getRole,
  listRoles,
  updateRole,
} from '../../src/roles/role.service.js';
import { getUser, registerUser } from '../../src/users/user.service.js';
import { findContact } from '../../src/contacts/contact.repository.js';
import {
  DEFAULT_ORGANIZATION_NAME,
  createOrganization,
  ensureDefaultOrganization,
} from '../../src/orgs/org.service.js';
import {
  DIALECTS,
  freshDatabases,
  openTestDatabase,
  type TestDatabase,
} from '../helpers/databases.js';
import {
  expectAppError,
  makeOrganization,
  signInAdmin,
  uniqueEmail,
  uniqueName,
  type SignedInClient,
  type TestOrg,
} from './factories.js';

const PAGE = { pageNumber: 1, pageSize: 500 };

for (const dialect of DIALECTS) {
  describe(`createOrganization (${dialect})`, () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
    });
    afterAll(() => database.destroy());

    it('creates a Home division and the built-in admin and agent roles', async () => {
      const { db } = database;
      const org = await createOrganization(db, uniqueName('Acme'));

      const divisions = await db
        .selectFrom('divisions')
        .select(['name', 'home_division'])
        .where('org_id', '=', org.id)
        .execute();
      expect(divisions).toEqual([{ name: 'Home', home_division: 1 }]);

      const roles = await db
        .selectFrom('roles')
        .select(['name', 'built_in', 'permissions'])
        .where('org_id', '=', org.id)
        .orderBy('name')
        .execute();
      expect(
        roles.map((r) => ({ ...r, permissions: JSON.parse(r.permissions) as unknown })),
      ).toEqual([
        { name: 'admin', built_in: 'admin', permissions: ['*:*:*'] },
        { name: 'agent', built_in: 'agent', permissions: [...BUILT_IN_ROLES.agent.permissions] },
      ]);
    });

    it('gives each organization its own Home division and roles', async () => {
      const a = await makeOrganization(database.db);
      const b = await makeOrganization(database.db);
      expect(a.homeDivisionId).not.toBe(b.homeDivisionId);
      expect(a.adminRoleId).not.toBe(b.adminRoleId);
      expect(a.agentRoleId).not.toBe(b.agentRoleId);
    });

    it('refuses a second organization of the same name, whatever its case, and writes nothing', async () => {
      const { db } = database;
      const name = uniqueName('Twin');
      await createOrganization(db, name);
      const before = await db.selectFrom('divisions').select('id').execute();

      await expectAppError(createOrganization(db, name.toUpperCase()), {
        status: 409,
        code: 'conflict',
      });

      const named = await db
        .selectFrom('orgs')
        .select('id')
        .where('name_key', '=', name.toLowerCase())
        .execute();
      expect(named).toHaveLength(1);
      expect(await db.selectFrom('divisions').select('id').execute()).toHaveLength(before.length);
    });

    it('answers 409 conflict to every creation but one when several race for one name', async () => {
      for (let round = 0; round < 3; round += 1) {
        const name = uniqueName('Race');
        const outcomes = await Promise.allSettled(
          Array.from({ length: 5 }, () => createOrganization(database.db, name)),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            expect(outcome.reason).toBeInstanceOf(AppError);
            expect(outcome.reason).toMatchObject({ status: 409, code: 'conflict' });
          }
        }
      }
    });

    it('refuses an empty name with 400 naming name', async () => {
      await expectAppError(createOrganization(database.db, '   '), {
        status: 400,
        code: 'bad.request',
        fieldName: 'name',
      });
    });
  });

  describe(`ensureDefaultOrganization (${dialect})`, () => {
    const freshDatabase = freshDatabases(dialect);

    it('creates the default organization once and returns it on every later call', async () => {
      const { db } = await freshDatabase();
      const first = await ensureDefaultOrganization(db);
      const second = await ensureDefaultOrganization(db);

      expect(first).toMatchObject({ name: DEFAULT_ORGANIZATION_NAME, isDefault: true });
      expect(second).toEqual(first);
      expect(await db.selectFrom('orgs').select('id').execute()).toEqual([{ id: first.id }]);
    });

    it('creates exactly one default organization when called five times at once', async () => {
      const { db } = await freshDatabase();

      const results = await Promise.all(
        Array.from({ length: 5 }, () => ensureDefaultOrganization(db)),
      );

      const ids = new Set(results.map((o) => o.id));
      expect(ids.size).toBe(1);
      const orgs = await db.selectFrom('orgs').select(['id', 'is_default']).execute();
      expect(orgs).toEqual([{ id: results[0]?.id, is_default: 1 }]);
      // The losers' transactions left no half-made organization behind.
      expect(await db.selectFrom('divisions').select('org_id').execute()).toHaveLength(1);
      expect(await db.selectFrom('roles').select('org_id').execute()).toHaveLength(2);
    });
  });

  describe(`tenant isolation (${dialect})`, () => {
    let database: TestDatabase;
    let orgA: TestOrg;
    let orgB: TestOrg;
    let adminA: SignedInClient;
    let adminB: SignedInClient;
    let contactA: string;
    let divisionA: string;
    let roleA: string;
    let userA: string;

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      const { db } = database;
      orgA = await makeOrganization(db, uniqueName('Org A'));
      orgB = await makeOrganization(db, uniqueName('Org B'));
      adminA = await signInAdmin(db, orgA);
      adminB = await signInAdmin(db, orgB);
      divisionA = (await createDivision(db, adminA.principal, { name: 'Sales' })).id;
      roleA = (await createRole(db, adminA.principal, { name: 'Auditor', permissions: [] })).id;
      contactA = (
        await createContact(db, adminA.principal, {
          firstName: 'Ada',
          division: { id: divisionA },
        })
      ).id;
      userA = (await registerUser(db, orgA.id, { name: 'Ann', email: uniqueEmail('ann') })).user.id;
    });
    afterAll(() => database.destroy());

    it("answers 404 for another organization's contact, and cannot delete it", async () => {
      const { db } = database;
      await expectAppError(getContact(db, adminB.principal, contactA), {
        status: 404,
        code: 'not.found',
      });
      await expectAppError(deleteContact(db, adminB.principal, contactA), {
        status: 404,
        code: 'not.found',
      });
      expect(await findContact(db, orgA.id, contactA)).toBeDefined();
      expect((await getContact(db, adminA.principal, contactA)).id).toBe(contactA);
    });

    it("leaves another organization's contacts out of lists", async () => {
      const { db } = database;
      await createContact(db, adminB.principal, { firstName: 'Bea' });
      const seenByB = await searchContacts(db, adminB.principal, {
        page: { pageNumber: 1, pageSize: 100 },
      });
      expect(seenByB.contacts.map((c) => c.fields.firstName)).toEqual(['Bea']);
      expect(seenByB.total).toBe(1);
      const seenByA = await searchContacts(db, adminA.principal, {
        page: { pageNumber: 1, pageSize: 100 },
      });
      expect(seenByA.contacts.map((c) => c.id)).toContain(contactA);
      expect(seenByA.contacts.map((c) => c.fields.firstName)).not.toContain('Bea');
    });

    it("refuses to create a contact in another organization's division", async () => {
      await expectAppError(
        createContact(database.db, adminB.principal, {
          firstName: 'X',
          division: { id: divisionA },
        }),
        { status: 400, code: 'bad.request', fieldName: 'division.id' },
      );
    });

    it("answers 404 for another organization's division, and cannot change or delete it", async () => {
      const { db } = database;
      await expectAppError(getDivision(db, adminB.principal, divisionA), {
        status: 404,
        code: 'not.found',
      });
      await expectAppError(updateDivision(db, adminB.principal, divisionA, { name: 'Taken' }), {
        status: 404,
        code: 'not.found',
      });
      await expectAppError(deleteDivision(db, adminB.principal, orgA.homeDivisionId), {
        status: 404,
        code: 'not.found',
      });
      expect((await getDivision(db, adminA.principal, divisionA)).name).toBe('Sales');
    });

    it("leaves another organization's divisions out of lists, and lets it reuse their names", async () => {
      const { db } = database;
      const listed = await listDivisions(db, adminB.principal, {}, PAGE);
      expect(listed.divisions.map((d) => d.id)).toEqual([orgB.homeDivisionId]);
      const filtered = await listDivisions(db, adminB.principal, { ids: [divisionA] }, PAGE);
      expect(filtered.divisions).toEqual([]);
      const sales = await createDivision(db, adminB.principal, { name: 'Sales' });
      expect(sales.orgId).toBe(orgB.id);
    });

    it("answers 404 for another organization's role, and cannot change or delete it", async () => {
      const { db } = database;
      await expectAppError(getRole(db, adminB.principal, roleA), {
        status: 404,
        code: 'not.found',
      });
      await expectAppError(updateRole(db, adminB.principal, roleA, { name: 'Stolen' }), {
        status: 404,
        code: 'not.found',
      });
      await expectAppError(deleteRole(db, adminB.principal, roleA), {
        status: 404,
        code: 'not.found',
      });
      expect((await getRole(db, adminA.principal, roleA)).name).toBe('Auditor');
    });

    it("leaves another organization's roles out of lists", async () => {
      const listed = await listRoles(database.db, adminB.principal, undefined, PAGE);
      const ids = listed.roles.map((r) => r.id);
      expect(ids).toEqual(expect.arrayContaining([orgB.adminRoleId, orgB.agentRoleId]));
      expect(ids).not.toContain(roleA);
      expect(ids).not.toContain(orgA.adminRoleId);
      expect(listed.roles.every((r) => r.orgId === orgB.id)).toBe(true);
    });

    it("answers 404 for another organization's client, and cannot change or delete it", async () => {
      const { db } = database;
      await expectAppError(getClient(db, adminB.principal, adminA.clientId), {
        status: 404,
        code: 'not.found',
      });
      await expectAppError(
        updateClient(db, adminB.principal, adminA.clientId, {
          name: 'hijacked',
          state: 'inactive',
        }),
        { status: 404, code: 'not.found' },
      );
      await expectAppError(deleteClient(db, adminB.principal, adminA.clientId), {
        status: 404,
        code: 'not.found',
      });
      const kept = await getClient(db, adminA.principal, adminA.clientId);
      expect(kept.client).toMatchObject({ state: 'active', orgId: orgA.id });
    });

    it("leaves another organization's clients out of lists", async () => {
      const listed = await listClients(database.db, adminB.principal, PAGE);
      expect(listed.clients.map((c) => c.client.id)).toEqual([adminB.clientId]);
      expect(listed.total).toBe(1);
    });

    it("refuses to grant another organization's role to a client", async () => {
      await expectAppError(
        registerClient(database.db, orgB.id, null, {
          name: 'borrower',
          roleDivisions: [{ roleId: orgA.adminRoleId, divisionId: '*' }],
        }),
        { status: 400, code: 'bad.request', fieldName: 'roleDivisions.roleId' },
      );
    });

    it("answers 404 for another organization's user", async () => {
      await expectAppError(getUser(database.db, adminB.principal, userA), {
        status: 404,
        code: 'not.found',
      });
      expect((await getUser(database.db, adminA.principal, userA)).user.name).toBe('Ann');
    });

    it('authenticates each admin token as its own organization', () => {
      expect(adminA.principal.orgId).toBe(orgA.id);
      expect(adminB.principal.orgId).toBe(orgB.id);
      expect(adminB.principal.grants.map((g) => g.roleId)).toEqual([orgB.adminRoleId]);
    });
  });
}
