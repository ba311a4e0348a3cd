import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_DIVISIONS } from '../../src/authorization/access.js';
import {
  listRoleDivisions,
  loadGrants,
  replaceGrants,
} from '../../src/authorization/grant.repository.js';
import { checkRoleDivisions } from '../../src/authorization/role-divisions.js';
import { randomId } from '../../src/common/ids.js';
import { createContact, deleteContact } from '../../src/contacts/contact.service.js';
import { createDivision, deleteDivision } from '../../src/divisions/division.service.js';
import { findDivision } from '../../src/divisions/division.repository.js';
import { createRole, deleteRole, updateRole } from '../../src/roles/role.service.js';
import { findRole } from '../../src/roles/role.repository.js';
import { deleteUser, getUser, registerUser } from '../../src/users/user.service.js';
import { deleteClient, registerClient } from '../../src/clients/client.service.js';
import { DIALECTS } from '../helpers/databases.js';
import {
  expectAppError,
  makeOrganization,
  uniqueEmail,
  uniqueName,
  useAdminStore,
} from './factories.js';

/** Code-point order, the order listRoleDivisions promises on both dialects. */
function byRoleThenDivision(
  a: { roleId: string; divisionId: string },
  b: { roleId: string; divisionId: string },
): number {
  const key = (x: { roleId: string; divisionId: string }) => `${x.roleId}\u0000${x.divisionId}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

for (const dialect of DIALECTS) {
  describe(`grants (${dialect})`, () => {
    const { database, org, admin } = useAdminStore(dialect);
    let sales: string;
    let viewer: string;

    beforeAll(async () => {
      sales = (await createDivision(database.db, admin.principal, { name: 'Sales' })).id;
      viewer = (
        await createRole(database.db, admin.principal, {
          name: 'Viewer',
          permissions: ['externalContacts:contact:view', 'externalContacts:contact:search'],
        })
      ).id;
    });

    function grantRows(filter: { subjectId?: string; roleId?: string; divisionId?: string }) {
      let query = database.db.selectFrom('grants').selectAll().where('org_id', '=', org.id);
      if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId);
      if (filter.roleId !== undefined) query = query.where('role_id', '=', filter.roleId);
      if (filter.divisionId !== undefined)
        query = query.where('division_id', '=', filter.divisionId);
      return query.execute();
    }

    async function customRole(permissions: string[] = ['externalContacts:contact:view']) {
      return createRole(database.db, admin.principal, { name: uniqueName('role'), permissions });
    }

    it("replaces a subject's grants, dropping duplicates", async () => {
      const subject = randomId();
      await replaceGrants(database.db, org.id, subject, [
        { roleId: org.agentRoleId, divisionId: org.homeDivisionId },
        { roleId: viewer, divisionId: sales },
      ]);

      await replaceGrants(database.db, org.id, subject, [
        { roleId: viewer, divisionId: ALL_DIVISIONS },
        { roleId: viewer, divisionId: ALL_DIVISIONS },
        { roleId: org.agentRoleId, divisionId: sales },
      ]);

      const held = (await listRoleDivisions(database.db, org.id, [subject])).get(subject);
      expect(held).toEqual(
        [
          { roleId: viewer, divisionId: ALL_DIVISIONS },
          { roleId: org.agentRoleId, divisionId: sales },
        ].sort(byRoleThenDivision),
      );
      expect(await grantRows({ subjectId: subject })).toHaveLength(2);
    });

    it("removes every grant of a subject, and only that subject's, when given none", async () => {
      const subject = randomId();
      const neighbour = randomId();
      await replaceGrants(database.db, org.id, subject, [{ roleId: viewer, divisionId: sales }]);
      await replaceGrants(database.db, org.id, neighbour, [{ roleId: viewer, divisionId: sales }]);

      await replaceGrants(database.db, org.id, subject, []);

      expect(await grantRows({ subjectId: subject })).toEqual([]);
      expect(await grantRows({ subjectId: neighbour })).toHaveLength(1);
    });

    it('leaves the old grants in place when the new ones are refused', async () => {
      const subject = randomId();
      await replaceGrants(database.db, org.id, subject, [{ roleId: viewer, divisionId: sales }]);

      await expect(
        database.db
          .transaction()
          .execute((trx) =>
            replaceGrants(trx, org.id, subject, [{ roleId: randomId(), divisionId: sales }]),
          ),
      ).rejects.toThrow();

      expect((await listRoleDivisions(database.db, org.id, [subject])).get(subject)).toEqual([
        { roleId: viewer, divisionId: sales },
      ]);
    });

    it("refuses, by foreign key, a grant of another organization's role", async () => {
      const other = await makeOrganization(database.db);
      await expect(
        replaceGrants(database.db, org.id, randomId(), [
          { roleId: other.adminRoleId, divisionId: ALL_DIVISIONS },
        ]),
      ).rejects.toThrow();
    });

    it("loads each grant with its role's permissions", async () => {
      const subject = randomId();
      await replaceGrants(database.db, org.id, subject, [
        { roleId: viewer, divisionId: sales },
        { roleId: org.adminRoleId, divisionId: ALL_DIVISIONS },
      ]);

      const grants = await loadGrants(database.db, org.id, subject);

      expect([...grants].sort(byRoleThenDivision)).toEqual(
        [
          {
            roleId: viewer,
            divisionId: sales,
            permissions: ['externalContacts:contact:view', 'externalContacts:contact:search'],
          },
          { roleId: org.adminRoleId, divisionId: ALL_DIVISIONS, permissions: ['*:*:*'] },
        ].sort(byRoleThenDivision),
      );
    });

    it("sees a role's new permissions without granting it again", async () => {
      const role = await customRole();
      const subject = randomId();
      await replaceGrants(database.db, org.id, subject, [{ roleId: role.id, divisionId: sales }]);

      await updateRole(database.db, admin.principal, role.id, {
        name: role.name,
        permissions: ['externalContacts:contact:edit'],
      });

      expect(await loadGrants(database.db, org.id, subject)).toEqual([
        { roleId: role.id, divisionId: sales, permissions: ['externalContacts:contact:edit'] },
      ]);
    });

    it('answers every subject asked for, empty when it holds nothing, in role then division order', async () => {
      const [a, b, none] = [randomId(), randomId(), randomId()];
      const aGrants = [
        { roleId: viewer, divisionId: sales },
        { roleId: viewer, divisionId: org.homeDivisionId },
        { roleId: org.agentRoleId, divisionId: ALL_DIVISIONS },
        { roleId: org.adminRoleId, divisionId: sales },
      ];
      await replaceGrants(database.db, org.id, a, aGrants);
      await replaceGrants(database.db, org.id, b, [{ roleId: viewer, divisionId: sales }]);

      const held = await listRoleDivisions(database.db, org.id, [a, b, none]);

      expect([...held.keys()].sort()).toEqual([a, b, none].sort());
      expect(held.get(a)).toEqual([...aGrants].sort(byRoleThenDivision));
      expect(held.get(b)).toEqual([{ roleId: viewer, divisionId: sales }]);
      expect(held.get(none)).toEqual([]);
      expect(await listRoleDivisions(database.db, org.id, [])).toEqual(new Map());
    });

    it("keeps one organization's grants out of another's answers", async () => {
      const other = await makeOrganization(database.db);
      const subject = randomId();
      await replaceGrants(database.db, org.id, subject, [{ roleId: viewer, divisionId: sales }]);
      await replaceGrants(database.db, other.id, subject, [
        { roleId: other.adminRoleId, divisionId: ALL_DIVISIONS },
      ]);

      expect((await listRoleDivisions(database.db, org.id, [subject])).get(subject)).toEqual([
        { roleId: viewer, divisionId: sales },
      ]);
      expect((await loadGrants(database.db, other.id, subject)).map((g) => g.roleId)).toEqual([
        other.adminRoleId,
      ]);

      // Replacing in one organization leaves the other's grants of the same subject alone.
      await replaceGrants(database.db, other.id, subject, []);
      expect(await grantRows({ subjectId: subject })).toHaveLength(1);
    });

    it('removes the grants of a deleted role, by foreign-key cascade, and no others', async () => {
      const role = await customRole();
      const [a, b] = [randomId(), randomId()];
      await replaceGrants(database.db, org.id, a, [
        { roleId: role.id, divisionId: sales },
        { roleId: viewer, divisionId: sales },
      ]);
      await replaceGrants(database.db, org.id, b, [{ roleId: role.id, divisionId: ALL_DIVISIONS }]);

      await deleteRole(database.db, admin.principal, role.id);

      expect(await findRole(database.db, org.id, role.id)).toBeUndefined();
      expect(await grantRows({ roleId: role.id })).toEqual([]);
      expect((await loadGrants(database.db, org.id, a)).map((g) => g.roleId)).toEqual([viewer]);
      expect(await loadGrants(database.db, org.id, b)).toEqual([]);
    });

    it('cascades a role deleted in plain SQL to its grants', async () => {
      const role = await customRole();
      const subject = randomId();
      await replaceGrants(database.db, org.id, subject, [{ roleId: role.id, divisionId: sales }]);

      await database.db
        .deleteFrom('roles')
        .where('org_id', '=', org.id)
        .where('id', '=', role.id)
        .execute();

      expect(await grantRows({ subjectId: subject })).toEqual([]);
    });

    it('removes the grants of a deleted client or user', async () => {
      const client = await registerClient(database.db, org.id, null, {
        name: uniqueName('client'),
        roleDivisions: [{ roleId: viewer, divisionId: sales }],
      });
      const { user } = await registerUser(database.db, org.id, {
        name: 'Leaver',
        email: uniqueEmail('leaver'),
        roleDivisions: [{ roleId: viewer, divisionId: ALL_DIVISIONS }],
      });
      expect(await grantRows({ subjectId: client.client.id })).toHaveLength(1);
      expect(await grantRows({ subjectId: user.id })).toHaveLength(1);

      await deleteClient(database.db, admin.principal, client.client.id);
      await deleteUser(database.db, admin.principal, user.id);

      expect(await grantRows({ subjectId: client.client.id })).toEqual([]);
      expect(await grantRows({ subjectId: user.id })).toEqual([]);
    });

    it('refuses to delete a built-in role and keeps its grants', async () => {
      await expectAppError(deleteRole(database.db, admin.principal, org.adminRoleId), {
        status: 400,
        code: 'bad.request',
      });
      expect(await grantRows({ subjectId: admin.clientId })).toHaveLength(1);
    });
  });

  describe(`deleteDivision (${dialect})`, () => {
    const { database, org, admin } = useAdminStore(dialect);

    async function newDivision(): Promise<string> {
      return (await createDivision(database.db, admin.principal, { name: uniqueName('Division') }))
        .id;
    }

    function grantsOn(divisionId: string) {
      return database.db
        .selectFrom('grants')
        .selectAll()
        .where('org_id', '=', org.id)
        .where('division_id', '=', divisionId)
        .execute();
    }

    it('refuses the home division with 409', async () => {
      await expectAppError(deleteDivision(database.db, admin.principal, org.homeDivisionId), {
        status: 409,
        code: 'conflict',
      });
      expect(await findDivision(database.db, org.id, org.homeDivisionId)).toBeDefined();
    });

    it('refuses a division that holds contacts with 409, keeping it and its grants', async () => {
      const division = await newDivision();
      await createContact(database.db, admin.principal, {
        firstName: 'Resident',
        division: { id: division },
      });
      const subject = randomId();
      await replaceGrants(database.db, org.id, subject, [
        { roleId: org.agentRoleId, divisionId: division },
      ]);

      const error = await expectAppError(deleteDivision(database.db, admin.principal, division), {
        status: 409,
        code: 'conflict',
      });
      expect(error.message).toContain('1 record');

      expect(await findDivision(database.db, org.id, division)).toBeDefined();
      expect(await grantsOn(division)).toHaveLength(1);
    });

    it('deletes an empty division and the grants on it, leaving other grants', async () => {
      const division = await newDivision();
      const keep = await newDivision();
      const subject = randomId();
      await replaceGrants(database.db, org.id, subject, [
        { roleId: org.agentRoleId, divisionId: division },
        { roleId: org.agentRoleId, divisionId: keep },
        { roleId: org.agentRoleId, divisionId: ALL_DIVISIONS },
      ]);

      await deleteDivision(database.db, admin.principal, division);

      expect(await findDivision(database.db, org.id, division)).toBeUndefined();
      expect(await grantsOn(division)).toEqual([]);
      expect(
        (await listRoleDivisions(database.db, org.id, [subject]))
          .get(subject)
          ?.map((g) => g.divisionId)
          .sort(),
      ).toEqual([ALL_DIVISIONS, keep].sort());
    });

    it('deletes a division once its contacts are gone', async () => {
      const division = await newDivision();
      const contact = await createContact(database.db, admin.principal, {
        firstName: 'Leaving',
        division: { id: division },
      });
      await deleteContact(database.db, admin.principal, contact.id);

      await deleteDivision(database.db, admin.principal, division);

      expect(await findDivision(database.db, org.id, division)).toBeUndefined();
    });

    it('answers 404 for a division that does not exist', async () => {
      await expectAppError(deleteDivision(database.db, admin.principal, randomId()), {
        status: 404,
        code: 'not.found',
      });
    });

    it("refuses a division that is a user's division with 409", async () => {
      const division = await newDivision();
      const { user } = await registerUser(database.db, org.id, {
        name: 'Resident',
        email: uniqueEmail('resident'),
        divisionId: division,
      });

      await expectAppError(deleteDivision(database.db, admin.principal, division), {
        status: 409,
        code: 'conflict',
      });

      const held = await getUser(database.db, admin.principal, user.id);
      expect(await findDivision(database.db, org.id, held.user.divisionId)).toBeDefined();
    });
  });

  describe(`checkRoleDivisions (${dialect})`, () => {
    const { database, org, admin } = useAdminStore(dialect);
    let sales: string;

    beforeAll(async () => {
      sales = (await createDivision(database.db, admin.principal, { name: 'Sales' })).id;
    });

    it('accepts existing roles on existing divisions and on every division (*)', async () => {
      await expect(
        checkRoleDivisions(database.db, org.id, [
          { roleId: org.agentRoleId, divisionId: sales },
          { roleId: org.agentRoleId, divisionId: org.homeDivisionId },
          { roleId: org.adminRoleId, divisionId: ALL_DIVISIONS },
        ]),
      ).resolves.toBeUndefined();
      await expect(checkRoleDivisions(database.db, org.id, [])).resolves.toBeUndefined();
    });

    it('rejects an unknown role with 400 naming roleDivisions.roleId', async () => {
      const unknown = randomId();
      const error = await expectAppError(
        checkRoleDivisions(database.db, org.id, [
          { roleId: org.agentRoleId, divisionId: sales },
          { roleId: unknown, divisionId: sales },
        ]),
        { status: 400, code: 'bad.request', fieldName: 'roleDivisions.roleId' },
      );
      expect(error.message).toContain(unknown);
    });

    it('rejects an unknown division with 400 naming roleDivisions.divisionId', async () => {
      const unknown = randomId();
      const error = await expectAppError(
        checkRoleDivisions(database.db, org.id, [
          { roleId: org.agentRoleId, divisionId: sales },
          { roleId: org.agentRoleId, divisionId: unknown },
        ]),
        { status: 400, code: 'bad.request', fieldName: 'roleDivisions.divisionId' },
      );
      expect(error.message).toContain(unknown);
    });

    it("rejects another organization's role and division as unknown", async () => {
      const other = await makeOrganization(database.db);
      await expectAppError(
        checkRoleDivisions(database.db, org.id, [{ roleId: other.agentRoleId, divisionId: sales }]),
        { status: 400, code: 'bad.request', fieldName: 'roleDivisions.roleId' },
      );
      await expectAppError(
        checkRoleDivisions(database.db, org.id, [
          { roleId: org.agentRoleId, divisionId: other.homeDivisionId },
        ]),
        { status: 400, code: 'bad.request', fieldName: 'roleDivisions.divisionId' },
      );
    });

    it('rejects a division once it is deleted', async () => {
      const gone = (await createDivision(database.db, admin.principal, { name: 'Gone' })).id;
      await deleteDivision(database.db, admin.principal, gone);
      await expectAppError(
        checkRoleDivisions(database.db, org.id, [{ roleId: org.agentRoleId, divisionId: gone }]),
        { status: 400, code: 'bad.request', fieldName: 'roleDivisions.divisionId' },
      );
    });
  });
}
