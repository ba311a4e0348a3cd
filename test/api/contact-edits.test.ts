import { beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import {
  insertContactOfType,
  postContact,
  postExternalSource,
  type ContactView,
} from '../helpers/contacts.js';

const VIEW = 'externalContacts:contact:view';
const EDIT = 'externalContacts:contact:edit';
const PROMOTE = 'externalContacts:identity:promote';

type Change = { field: string; action: string; value?: unknown };

function patch(
  kith: TestKith,
  id: string,
  changes: Change[],
  headers: Record<string, string> = {},
  token?: string,
): Promise<LightMyRequestResponse> {
  return kith.request('PATCH', `${CONTACTS}/${id}`, {
    body: { changes },
    headers,
    ...(token === undefined ? {} : { token }),
  });
}

function put(
  kith: TestKith,
  id: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  token?: string,
): Promise<LightMyRequestResponse> {
  return kith.request('PUT', `${CONTACTS}/${id}`, {
    body,
    headers,
    ...(token === undefined ? {} : { token }),
  });
}

async function getContact(kith: TestKith, id: string): Promise<ContactView> {
  return ok<ContactView>(await kith.request('GET', `${CONTACTS}/${id}`));
}

for (const dialect of DIALECTS) {
  describe(`PUT and PATCH of a contact (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;
    let sourceId: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      sourceId = await postExternalSource(kith, 'Edits CRM');
    });

    it('PUT replaces the fields: what the body leaves out is removed', async () => {
      const created = await postContact(kith, {
        firstName: 'Ada',
        lastName: 'Lovelace',
        workEmail: 'ada@example.com',
        division: { id: sales },
      });
      const replaced = ok<ContactView>(await put(kith, created.id, { firstName: 'Augusta' }));
      expect(replaced).toMatchObject({
        id: created.id,
        firstName: 'Augusta',
        division: { id: sales },
      });
      expect(replaced.lastName).toBeUndefined();
      expect(replaced.workEmail).toBeUndefined();
      expect(await getContact(kith, created.id)).toEqual(replaced);
    });

    it('PUT validates the new fields like a create', async () => {
      const created = await postContact(kith, { firstName: 'Valid' });
      const error = expectGenesysError(
        await put(kith, created.id, { firstName: 'Valid', title: 't'.repeat(1001) }),
        400,
      );
      expect(error.details.map((d) => d.fieldName)).toContain('title');
      expect((await getContact(kith, created.id)).title).toBeUndefined();
    });

    it('PUT of an unknown contact answers 404', async () => {
      expectGenesysError(
        await put(kith, '01a00000-0000-7000-8000-000000000000', { firstName: 'x' }),
        404,
        'not.found',
      );
    });

    it('PATCH Update sets top-level and nested fields', async () => {
      const created = await postContact(kith, { firstName: 'Ada', address: { city: 'London' } });
      const patched = ok<ContactView>(
        await patch(kith, created.id, [
          { field: '$.firstName', action: 'Update', value: 'Augusta' },
          { field: '$.address.postalCode', action: 'Update', value: 'SW1Y 4JH' },
          { field: '$.workPhone', action: 'Update', value: { display: '(317) 555-0123' } },
        ]),
      );
      expect(patched).toMatchObject({
        firstName: 'Augusta',
        address: { city: 'London', postalCode: 'SW1Y 4JH' },
        workPhone: { e164: '+13175550123' },
      });
    });

    it('PATCH UpdateIfEmpty fills only empty fields', async () => {
      const created = await postContact(kith, { firstName: 'Ada', title: 'Analyst' });
      const patched = ok<ContactView>(
        await patch(kith, created.id, [
          { field: '$.title', action: 'UpdateIfEmpty', value: 'Countess' },
          { field: '$.lastName', action: 'UpdateIfEmpty', value: 'Lovelace' },
        ]),
      );
      expect(patched).toMatchObject({ title: 'Analyst', lastName: 'Lovelace' });
    });

    it('PATCH UpdateIfExists changes only fields that are set', async () => {
      const created = await postContact(kith, { firstName: 'Ada', title: 'Analyst' });
      const patched = ok<ContactView>(
        await patch(kith, created.id, [
          { field: '$.title', action: 'UpdateIfExists', value: 'Countess' },
          { field: '$.middleName', action: 'UpdateIfExists', value: 'King' },
        ]),
      );
      expect(patched.title).toBe('Countess');
      expect(patched.middleName).toBeUndefined();
    });

    it('PATCH Remove deletes a field', async () => {
      const created = await postContact(kith, { firstName: 'Ada', workEmail: 'ada@example.com' });
      const patched = ok<ContactView>(
        await patch(kith, created.id, [{ field: '$.workEmail', action: 'Remove' }]),
      );
      expect(patched.workEmail).toBeUndefined();
      expect(patched.firstName).toBe('Ada');
    });

    it('PATCH AppendToCollection and RemoveFromCollection edit lists', async () => {
      const created = await postContact(kith, {
        firstName: 'Ada',
        appleOpaqueIds: [{ value: 'apple-1' }],
      });
      const appended = ok<ContactView>(
        await patch(kith, created.id, [
          { field: '$.appleOpaqueIds', action: 'AppendToCollection', value: { value: 'apple-2' } },
          {
            field: '$.externalIds',
            action: 'AppendToCollection',
            value: [{ externalSource: { id: sourceId }, value: 'crm-9' }],
          },
        ]),
      );
      expect(appended.appleOpaqueIds).toEqual([{ value: 'apple-1' }, { value: 'apple-2' }]);
      expect(appended.externalIds).toEqual([{ externalSource: { id: sourceId }, value: 'crm-9' }]);
      const removed = ok<ContactView>(
        await patch(kith, created.id, [
          {
            field: '$.appleOpaqueIds',
            action: 'RemoveFromCollection',
            value: { value: 'apple-1' },
          },
        ]),
      );
      expect(removed.appleOpaqueIds).toEqual([{ value: 'apple-2' }]);
    });

    it('PATCH checks the result like a create (limits, external sources)', async () => {
      const created = await postContact(kith, { firstName: 'Ada' });
      const tooLong = expectGenesysError(
        await patch(kith, created.id, [
          { field: '$.lastName', action: 'Update', value: 'l'.repeat(1001) },
        ]),
        400,
      );
      expect(tooLong.details.map((d) => d.fieldName)).toContain('lastName');
      expectGenesysError(
        await patch(kith, created.id, [
          {
            field: '$.externalIds',
            action: 'AppendToCollection',
            value: { externalSource: { id: '01a00000-0000-7000-8000-0000000000aa' }, value: 'x' },
          },
        ]),
        400,
      );
      const tooMany = expectGenesysError(
        await patch(kith, created.id, [
          {
            field: '$.appleOpaqueIds',
            action: 'Update',
            value: Array.from({ length: 11 }, (_, i) => ({ value: `a-${i}` })),
          },
        ]),
        400,
      );
      expect(tooMany.message).toContain('10');
      // Nothing was written: the contact is still at its first version.
      expect((await kith.request('GET', `${CONTACTS}/${created.id}`)).headers.etag).toBe('"1"');
    });

    it('PATCH of a parent and its child in one request answers 409', async () => {
      const created = await postContact(kith, { firstName: 'Ada', address: { city: 'London' } });
      expectGenesysError(
        await patch(kith, created.id, [
          { field: '$.address', action: 'Update', value: { city: 'Paris' } },
          { field: '$.address.city', action: 'Update', value: 'Rome' },
        ]),
        409,
        'conflict',
      );
      expect((await getContact(kith, created.id)).address).toEqual({ city: 'London' });
    });

    it('PATCH with a path outside $.a.b answers 400 naming the change', async () => {
      const created = await postContact(kith, { firstName: 'Ada' });
      for (const field of ['firstName', '$.address[0]', '$..firstName', '$.first-name']) {
        const error = expectGenesysError(
          await patch(kith, created.id, [
            { field: '$.title', action: 'Update', value: 'ok' },
            { field, action: 'Update', value: 'x' },
          ]),
          400,
        );
        expect(error.details.map((d) => d.fieldName)).toContain('changes[1].field');
      }
    });

    it('PATCH of a read-only field or with an unknown action answers 400', async () => {
      const created = await postContact(kith, { firstName: 'Ada' });
      expectGenesysError(
        await patch(kith, created.id, [{ field: '$.type', action: 'Update', value: 'Canonical' }]),
        400,
      );
      expectGenesysError(
        await patch(kith, created.id, [{ field: '$.firstName', action: 'Replace', value: 'x' }]),
        400,
      );
      expectGenesysError(await patch(kith, created.id, []), 400);
    });

    it('still edits a contact whose external source was deleted since', async () => {
      const doomed = await postExternalSource(kith, 'Doomed CRM');
      const created = await postContact(kith, {
        firstName: 'Orphan',
        externalIds: [{ externalSource: { id: doomed }, value: 'crm-orphan' }],
      });
      ok(await kith.request('DELETE', `/api/v2/externalcontacts/externalsources/${doomed}`));
      const fetched = await getContact(kith, created.id);
      expect(fetched.externalIds).toEqual([
        { externalSource: { id: doomed }, value: 'crm-orphan' },
      ]);
      expect((await put(kith, created.id, { ...fetched, firstName: 'Renamed' })).statusCode).toBe(
        200,
      );
      expect(
        (await patch(kith, created.id, [{ field: '$.title', action: 'Update', value: 'x' }]))
          .statusCode,
      ).toBe(200);
    });

    it('refuses a $.__proto__ path with 400 and leaves Object.prototype alone', async () => {
      const proto = Object.prototype as Record<string, unknown>;
      try {
        const created = await postContact(kith, { firstName: 'Proto' });
        const res = await patch(kith, created.id, [
          { field: '$.__proto__.kithPolluted', action: 'Update', value: 'yes' },
        ]);
        expect(proto.kithPolluted).toBeUndefined();
        expectGenesysError(res, 400);
      } finally {
        delete proto.kithPolluted;
      }
    });

    it('answers a PUT that changes the division with 400 saying it cannot change and how to move', async () => {
      const created = await postContact(kith, { firstName: 'Fixed', division: { id: sales } });
      for (const division of [{ id: support }, { id: '*' }]) {
        const error = expectGenesysError(
          await put(kith, created.id, { firstName: 'Fixed', division }),
          400,
        );
        expect(error.message).toMatch(/division cannot be changed/i);
        expect(error.message).toMatch(/delete it and create it again|\/move/);
      }
      // Naming the same division, or none, keeps it.
      expect(
        ok<ContactView>(await put(kith, created.id, { firstName: 'Same', division: { id: sales } }))
          .division.id,
      ).toBe(sales);
      expect(ok<ContactView>(await put(kith, created.id, { firstName: 'None' })).division.id).toBe(
        sales,
      );
    });

    it('answers a PATCH that changes the division with 400 too', async () => {
      const created = await postContact(kith, { firstName: 'Fixed', division: { id: sales } });
      for (const change of [
        { field: '$.division.id', action: 'Update', value: support },
        { field: '$.division', action: 'Update', value: { id: support } },
      ]) {
        const error = expectGenesysError(await patch(kith, created.id, [change]), 400);
        expect(error.message).toMatch(/division cannot be changed/i);
        expect(error.message).toMatch(/delete it and create it again|\/move/);
      }
      expect((await getContact(kith, created.id)).division.id).toBe(sales);
    });
  });

  describe(`ETag and If-Match on contacts (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('sends an ETag on POST, GET, PUT and PATCH that follows the version', async () => {
      const post = await kith.request('POST', CONTACTS, { body: { firstName: 'Tag' } });
      const created = ok<ContactView>(post);
      expect(post.headers.etag).toBe('"1"');
      const got = await kith.request('GET', `${CONTACTS}/${created.id}`);
      expect(got.headers.etag).toBe('"1"');
      const putRes = await put(kith, created.id, { firstName: 'Tag 2' });
      expect(putRes.statusCode).toBe(200);
      expect(putRes.headers.etag).toBe('"2"');
      const patchRes = await patch(kith, created.id, [
        { field: '$.firstName', action: 'Update', value: 'Tag 3' },
      ]);
      expect(patchRes.statusCode).toBe(200);
      expect(patchRes.headers.etag).toBe('"3"');
      expect((await kith.request('GET', `${CONTACTS}/${created.id}`)).headers.etag).toBe('"3"');
    });

    it('answers a PUT with a stale If-Match with 412 and changes nothing', async () => {
      const created = await postContact(kith, { firstName: 'First' });
      const etag = (await kith.request('GET', `${CONTACTS}/${created.id}`)).headers.etag as string;
      expect(
        ok<ContactView>(await put(kith, created.id, { firstName: 'Second' }, { 'if-match': etag }))
          .firstName,
      ).toBe('Second');
      expectGenesysError(
        await put(kith, created.id, { firstName: 'Lost update' }, { 'if-match': etag }),
        412,
        'precondition.failed',
      );
      expect((await getContact(kith, created.id)).firstName).toBe('Second');
    });

    it('answers a PATCH with a stale If-Match with 412 and changes nothing', async () => {
      const created = await postContact(kith, { firstName: 'First' });
      const change = [{ field: '$.title', action: 'Update', value: 'Boss' }];
      expect((await patch(kith, created.id, change, { 'if-match': '"1"' })).statusCode).toBe(200);
      expectGenesysError(
        await patch(kith, created.id, [{ field: '$.title', action: 'Update', value: 'Stale' }], {
          'if-match': '"1"',
        }),
        412,
        'precondition.failed',
      );
      expect((await getContact(kith, created.id)).title).toBe('Boss');
    });

    it('lets only one of two concurrent writes with the same If-Match through', async () => {
      const created = await postContact(kith, { firstName: 'Race' });
      const answers = await Promise.all(
        ['Left', 'Right'].map((firstName) =>
          put(kith, created.id, { firstName }, { 'if-match': '"1"' }),
        ),
      );
      const statuses = answers.map((a) => a.statusCode).sort();
      expect(statuses[0]).toBe(200);
      expect([409, 412]).toContain(statuses[1]);
      const winner = answers.find((a) => a.statusCode === 200)?.json<ContactView>();
      const current = await kith.request('GET', `${CONTACTS}/${created.id}`);
      expect(current.headers.etag).toBe('"2"');
      expect(current.json<ContactView>().firstName).toBe(winner?.firstName);
    });

    it('accepts If-Match: * and weak tags', async () => {
      const created = await postContact(kith, { firstName: 'Any' });
      expect(
        (await put(kith, created.id, { firstName: 'x' }, { 'if-match': '*' })).statusCode,
      ).toBe(200);
      expect(
        (await put(kith, created.id, { firstName: 'y' }, { 'if-match': 'W/"2"' })).statusCode,
      ).toBe(200);
    });
  });

  describe(`contact types and promotion (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('promotes an Ephemeral contact to Curated when a principal edits it with PUT', async () => {
      const id = await insertContactOfType(kith, 'Ephemeral', {});
      expect((await getContact(kith, id)).type).toBe('Ephemeral');
      const { token } = await kith.principal([VIEW, EDIT], ['*']);
      const edited = ok<ContactView>(await put(kith, id, { firstName: 'Now known' }, {}, token));
      expect(edited.type).toBe('Curated');
      expect((await getContact(kith, id)).type).toBe('Curated');
    });

    it('promotes an Identified contact to Curated when a principal edits it with PATCH', async () => {
      const id = await insertContactOfType(kith, 'Identified', { workEmail: 'seen@example.com' });
      const { token } = await kith.principal([VIEW, EDIT], ['*']);
      const edited = ok<ContactView>(
        await patch(
          kith,
          id,
          [{ field: '$.firstName', action: 'Update', value: 'Seen' }],
          {},
          token,
        ),
      );
      expect(edited).toMatchObject({
        type: 'Curated',
        workEmail: 'seen@example.com',
        firstName: 'Seen',
      });
    });

    it('POST /promotion turns Ephemeral into Curated for a principal holding identity:promote', async () => {
      const id = await insertContactOfType(kith, 'Ephemeral', { firstName: 'Visitor' });
      const { token } = await kith.principal([VIEW, PROMOTE], ['*']);
      const res = await kith.request('POST', `${CONTACTS}/${id}/promotion`, { token });
      expect(ok<ContactView>(res)).toMatchObject({ id, type: 'Curated', firstName: 'Visitor' });
      expect((await getContact(kith, id)).type).toBe('Curated');
    });

    it('POST /promotion answers 403 without identity:promote and leaves the contact as it was', async () => {
      const id = await insertContactOfType(kith, 'Identified', { firstName: 'Caller' });
      const { token } = await kith.principal([VIEW, EDIT], ['*']);
      const error = expectGenesysError(
        await kith.request('POST', `${CONTACTS}/${id}/promotion`, { token }),
        403,
        'missing.permissions',
      );
      expect(error.message).toContain(PROMOTE);
      expect((await getContact(kith, id)).type).toBe('Identified');
    });

    it('POST /promotion of a Curated contact answers it unchanged', async () => {
      const created = await postContact(kith, { firstName: 'Already' });
      const res = ok<ContactView>(
        await kith.request('POST', `${CONTACTS}/${created.id}/promotion`),
      );
      expect(res).toEqual(created);
    });

    it('POST /promotion of an unknown contact answers 404', async () => {
      expectGenesysError(
        await kith.request('POST', `${CONTACTS}/01a00000-0000-7000-8000-000000000000/promotion`),
        404,
      );
    });
  });

  describe(`events and audit log of contact writes (${dialect})`, () => {
    const kith = useTestKith(dialect);

    async function rowsOf(id: string): Promise<{ events: string[]; audit: string[] }> {
      const db = kith.database.db;
      const events = await db
        .selectFrom('events')
        .select(['kind', 'topic', 'created_at'])
        .where('org_id', '=', kith.orgId)
        .where('entity_id', '=', id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      for (const e of events) expect(e.topic).toBe(`v2.externalcontacts.contacts.${id}`);
      const audit = await db
        .selectFrom('audit_log')
        .select(['action'])
        .where('org_id', '=', kith.orgId)
        .where('entity_id', '=', id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return { events: events.map((e) => e.kind), audit: audit.map((a) => a.action) };
    }

    /** Runs a write and checks it added exactly one events row and one audit row of `kind`. */
    async function expectOneRecord(
      id: string,
      kind: string,
      write: () => Promise<LightMyRequestResponse>,
    ) {
      const before = await rowsOf(id);
      const res = await write();
      expect(res.statusCode, res.body).toBe(200);
      const after = await rowsOf(id);
      expect(after.events).toEqual([...before.events, kind]);
      expect(after.audit).toEqual([...before.audit, kind]);
    }

    it('records one event and one audit entry for each write, and none for a refused one', async () => {
      const post = await kith.request('POST', CONTACTS, { body: { firstName: 'Evented' } });
      const id = ok<ContactView>(post).id;
      expect(await rowsOf(id)).toEqual({ events: ['created'], audit: ['created'] });

      await expectOneRecord(id, 'updated', () => put(kith, id, { firstName: 'Put' }));
      await expectOneRecord(id, 'updated', () =>
        patch(kith, id, [{ field: '$.title', action: 'Update', value: 'Patched' }]),
      );
      const identifier = { type: 'Cookie', value: 'cookie-evented' };
      await expectOneRecord(id, 'updated', () =>
        kith.request('PATCH', `${CONTACTS}/${id}/identifiers`, {
          body: { operation: 'Claim', identifier },
        }),
      );
      await expectOneRecord(id, 'updated', () =>
        kith.request('PATCH', `${CONTACTS}/${id}/identifiers`, {
          body: { operation: 'Release', identifier },
        }),
      );

      // Refused writes record nothing.
      const before = await rowsOf(id);
      expect((await put(kith, id, { firstName: 'Stale' }, { 'if-match': '"1"' })).statusCode).toBe(
        412,
      );
      expect((await put(kith, id, { title: 't'.repeat(1001) })).statusCode).toBe(400);
      expect(await rowsOf(id)).toEqual(before);

      await expectOneRecord(id, 'deleted', () => kith.request('DELETE', `${CONTACTS}/${id}`));
    });

    it('records one event and one audit entry for a promotion', async () => {
      const id = await insertContactOfType(kith, 'Ephemeral', { firstName: 'Promoted' });
      await expectOneRecord(id, 'updated', () =>
        kith.request('POST', `${CONTACTS}/${id}/promotion`),
      );
    });

    it('writes the event and the audit entry with the same principal and time', async () => {
      const id = ok<ContactView>(
        await kith.request('POST', CONTACTS, { body: { firstName: 'Pair' } }),
      ).id;
      const db = kith.database.db;
      const event = await db
        .selectFrom('events')
        .selectAll()
        .where('entity_id', '=', id)
        .executeTakeFirstOrThrow();
      const audit = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('entity_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(event.created_at).toBe(audit.created_at);
      expect(event.principal_id).toBe(audit.principal_id);
      expect(event.principal_id).not.toBeNull();
      expect(event.delivered_at).toBeNull();
      expect(JSON.parse(audit.after ?? 'null')).toMatchObject({ id, firstName: 'Pair' });
    });
  });
}
