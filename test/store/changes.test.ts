import { describe, expect, it } from 'vitest';
import { createContact, deleteContact } from '../../src/contacts/contact.service.js';
import { findContact, insertContact } from '../../src/contacts/contact.repository.js';
import { toContactView, type Contact } from '../../src/contacts/contact.js';
import { listAuditEntries, recordChange } from '../../src/events/change.repository.js';
import { contactTopic, type Change } from '../../src/events/change.js';
import { newId } from '../../src/common/ids.js';
import { nowIso } from '../../src/common/time.js';
import { DIALECTS } from '../helpers/databases.js';
import { expectAppError, makeOrganization, signInClient, useAdminStore } from './factories.js';

for (const dialect of DIALECTS) {
  describe(`contact changes (${dialect})`, () => {
    const { database, org, admin } = useAdminStore(dialect);

    function eventsOf(entityId: string) {
      return database.db
        .selectFrom('events')
        .selectAll()
        .where('entity_id', '=', entityId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    }

    function auditOf(entityId: string) {
      return database.db
        .selectFrom('audit_log')
        .selectAll()
        .where('entity_id', '=', entityId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    }

    /** A change to a contact that need not exist, for recordChange on its own. */
    function change(entityId: string, kind: Change['kind']): Change {
      return {
        orgId: org.id,
        topic: contactTopic(entityId),
        kind,
        entityType: 'contact',
        entityId,
        divisionId: null,
        principal: { type: 'client', id: admin.clientId },
        before: null,
        after: { id: entityId },
      };
    }

    it('records one created event and one audit entry when a contact is created', async () => {
      const contact = await createContact(database.db, admin.principal, {
        firstName: 'Ada',
        lastName: 'Lovelace',
        division: { id: org.homeDivisionId },
      });
      const view = JSON.parse(JSON.stringify(toContactView(contact))) as unknown;

      const events = await eventsOf(contact.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        org_id: org.id,
        topic: `v2.externalcontacts.contacts.${contact.id}`,
        kind: 'created',
        entity_type: 'contact',
        entity_id: contact.id,
        division_id: org.homeDivisionId,
        principal_id: admin.clientId,
        delivered_at: null,
      });
      expect(JSON.parse(events[0]?.payload ?? '')).toEqual({
        kind: 'created',
        before: null,
        after: view,
      });

      const audit = await auditOf(contact.id);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        org_id: org.id,
        entity_type: 'contact',
        entity_id: contact.id,
        action: 'created',
        principal_type: 'client',
        principal_id: admin.clientId,
      });
      expect(JSON.parse(audit[0]?.before ?? 'null')).toBeNull();
      expect(JSON.parse(audit[0]?.after ?? 'null')).toEqual(view);
      expect(JSON.parse(audit[0]?.after ?? 'null')).toMatchObject({
        firstName: 'Ada',
        lastName: 'Lovelace',
        division: { id: org.homeDivisionId },
      });
    });

    it('records one deleted event and one audit entry, with the contact as it was, when a contact is deleted', async () => {
      const contact = await createContact(database.db, admin.principal, { firstName: 'Grace' });
      const view = JSON.parse(JSON.stringify(toContactView(contact))) as unknown;

      await deleteContact(database.db, admin.principal, contact.id);

      const deletedEvents = (await eventsOf(contact.id)).filter((e) => e.kind === 'deleted');
      expect(deletedEvents).toHaveLength(1);
      expect(deletedEvents[0]).toMatchObject({
        topic: contactTopic(contact.id),
        entity_type: 'contact',
        division_id: null,
        principal_id: admin.clientId,
      });
      expect(JSON.parse(deletedEvents[0]?.payload ?? '')).toEqual({
        kind: 'deleted',
        before: view,
        after: null,
      });

      const deletedAudit = (await auditOf(contact.id)).filter((a) => a.action === 'deleted');
      expect(deletedAudit).toHaveLength(1);
      expect(deletedAudit[0]).toMatchObject({
        principal_type: 'client',
        principal_id: admin.clientId,
      });
      expect(JSON.parse(deletedAudit[0]?.before ?? 'null')).toEqual(view);
      expect(JSON.parse(deletedAudit[0]?.after ?? 'null')).toBeNull();

      // Exactly two changes in all: the creation and the deletion.
      expect(await eventsOf(contact.id)).toHaveLength(2);
      expect(await auditOf(contact.id)).toHaveLength(2);
    });

    it('leaves before NULL for a creation and after NULL for a deletion in audit_log', async () => {
      const contact = await createContact(database.db, admin.principal, { firstName: 'Null' });
      await deleteContact(database.db, admin.principal, contact.id);

      const rows = await auditOf(contact.id);
      expect(rows.map((r) => [r.action, r.before === null, r.after === null])).toEqual([
        ['created', true, false],
        ['deleted', false, true],
      ]);
    });

    it('writes nothing when the transaction that records a change fails', async () => {
      const entityId = newId();
      const failure = new Error('the use case failed after recording its change');

      await expect(
        database.db.transaction().execute(async (trx) => {
          await recordChange(trx, change(entityId, 'created'));
          throw failure;
        }),
      ).rejects.toBe(failure);

      expect(await eventsOf(entityId)).toEqual([]);
      expect(await auditOf(entityId)).toEqual([]);
    });

    it('keeps no contact when its change cannot be recorded', async () => {
      const now = nowIso();
      const contact: Contact = {
        id: newId(),
        orgId: org.id,
        divisionId: null,
        type: 'Curated',
        fields: { firstName: 'Orphan' },
        version: 1,
        createDate: now,
        modifyDate: now,
      };

      await expect(
        database.db.transaction().execute(async (trx) => {
          await insertContact(trx, contact, []);
          // A change without a topic breaks the events table's NOT NULL: the database refuses it.
          await recordChange(trx, { ...change(contact.id, 'created'), topic: null as never });
        }),
      ).rejects.toThrow();

      expect(await findContact(database.db, org.id, contact.id)).toBeUndefined();
      expect(await eventsOf(contact.id)).toEqual([]);
      expect(await auditOf(contact.id)).toEqual([]);
    });

    it('writes nothing when a delete is refused', async () => {
      const contact = await createContact(database.db, admin.principal, {
        firstName: 'Kept',
        division: { id: org.homeDivisionId },
      });
      // The built-in agent role may view contacts but not delete them.
      const agent = await signInClient(database.db, org.id, [
        { roleId: org.agentRoleId, divisionId: org.homeDivisionId },
      ]);

      await expectAppError(deleteContact(database.db, agent.principal, contact.id), {
        status: 403,
        code: 'missing.permissions',
      });
      await expectAppError(deleteContact(database.db, admin.principal, newId()), {
        status: 404,
        code: 'not.found',
      });

      expect(await findContact(database.db, org.id, contact.id)).toBeDefined();
      expect((await eventsOf(contact.id)).map((e) => e.kind)).toEqual(['created']);
      expect((await auditOf(contact.id)).map((a) => a.action)).toEqual(['created']);
    });

    it('writes nothing when a create is refused', async () => {
      const eventsBefore = await database.db.selectFrom('events').select('id').execute();
      const auditBefore = await database.db.selectFrom('audit_log').select('id').execute();

      await expectAppError(
        createContact(database.db, admin.principal, { firstName: 'x'.repeat(1001) }),
        { status: 400, code: 'bad.request', fieldName: 'firstName' },
      );
      await expectAppError(
        createContact(database.db, admin.principal, { firstName: 'x', division: { id: newId() } }),
        { status: 400, code: 'bad.request', fieldName: 'division.id' },
      );

      expect(await database.db.selectFrom('events').select('id').execute()).toHaveLength(
        eventsBefore.length,
      );
      expect(await database.db.selectFrom('audit_log').select('id').execute()).toHaveLength(
        auditBefore.length,
      );
    });
  });

  describe(`listAuditEntries (${dialect})`, () => {
    const { database, org, admin } = useAdminStore(dialect);

    it("returns a contact's entries oldest first, as the API shapes them", async () => {
      const contact = await createContact(database.db, admin.principal, { firstName: 'Ada' });
      for (const kind of ['updated', 'moved', 'updated'] as const) {
        await recordChange(database.db, {
          orgId: org.id,
          topic: contactTopic(contact.id),
          kind,
          entityType: 'contact',
          entityId: contact.id,
          divisionId: null,
          principal: null,
          before: { step: kind },
          after: { step: kind },
        });
      }
      await deleteContact(database.db, admin.principal, contact.id);

      const entries = await listAuditEntries(database.db, org.id, 'contact', contact.id);

      expect(entries.map((e) => e.action)).toEqual([
        'created',
        'updated',
        'moved',
        'updated',
        'deleted',
      ]);
      const times = entries.map((e) => e.createdAt);
      expect([...times].sort()).toEqual(times);
      expect(entries[0]).toMatchObject({
        entityType: 'contact',
        entityId: contact.id,
        principal: { type: 'client', id: admin.clientId },
        before: null,
        after: { id: contact.id, firstName: 'Ada' },
      });
      expect(entries[1]).toMatchObject({
        principal: null,
        before: { step: 'updated' },
        after: { step: 'updated' },
      });
      expect(entries[4]).toMatchObject({ before: { id: contact.id }, after: null });
    });

    it("keeps other records' and other organizations' entries out", async () => {
      const mine = await createContact(database.db, admin.principal, { firstName: 'Mine' });
      const sibling = await createContact(database.db, admin.principal, { firstName: 'Sibling' });
      const other = await makeOrganization(database.db);
      await recordChange(database.db, {
        orgId: other.id,
        topic: contactTopic(mine.id),
        kind: 'updated',
        entityType: 'contact',
        entityId: mine.id,
        divisionId: null,
        principal: null,
        before: null,
        after: null,
      });

      const entries = await listAuditEntries(database.db, org.id, 'contact', mine.id);
      expect(entries.map((e) => [e.entityId, e.action])).toEqual([[mine.id, 'created']]);
      expect(await listAuditEntries(database.db, org.id, 'organization', mine.id)).toEqual([]);
      expect(
        (await listAuditEntries(database.db, org.id, 'contact', sibling.id)).map((e) => e.entityId),
      ).toEqual([sibling.id]);
      expect(
        (await listAuditEntries(database.db, other.id, 'contact', mine.id)).map((e) => e.action),
      ).toEqual(['updated']);
    });

    it('answers an empty list for a record that never changed', async () => {
      expect(await listAuditEntries(database.db, org.id, 'contact', newId())).toEqual([]);
    });
  });
}
