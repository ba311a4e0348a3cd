import type { AddressInfo } from 'node:net';
import platformClient from 'purecloud-platform-client-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PagedListing } from '../../src/common/paging.js';
import { newId } from '../../src/common/ids.js';
import { deleteContactRow } from '../../src/contacts/contact.repository.js';
import {
  deleteNotesOf,
  insertNote,
  lockNoteEntity,
  scanNotes,
} from '../../src/notes/note.repository.js';
import { DIALECTS } from '../helpers/databases.js';
import {
  createDivision,
  expectGenesysError,
  ok,
  postToken,
  roleIdByName,
  type TokenAnswer,
} from '../helpers/http.js';
import { ADMIN_ID, ADMIN_SECRET, useTestKith } from '../helpers/kith.js';
import {
  addNote,
  contactNotes,
  makeContact,
  makeOrganization,
  organizationNotes,
  type NoteView,
} from '../helpers/notes.js';

type NoteListing = PagedListing<NoteView> & { partialResults: boolean };

const VIEW = 'externalContacts:contact:view';
const EDIT = 'externalContacts:contact:edit';
const ORG_VIEW = 'externalContacts:externalOrganization:view';
const ORG_EDIT = 'externalContacts:externalOrganization:edit';
const MISSING_ID = '01a00000-0000-7000-8000-000000000000';

const sdk = platformClient.ApiClient.instance;

/** The rejection of an SDK call, to assert on. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the SDK call to reject, but it resolved');
}

/** The SDK's `Note` marks the read-only `createdBy` required; Kith takes the author from the caller. */
type SdkNote = Parameters<
  platformClient.ExternalContactsApi['postExternalcontactsContactNotes']
>[1];
function sdkNote(noteText: string): SdkNote {
  return { noteText } as SdkNote;
}

function genesysError(status: number, code: string): Record<string, unknown> {
  return { status, code, message: expect.any(String), contextId: expect.stringMatching(/\S/) };
}

for (const dialect of DIALECTS) {
  describe(`contact notes CRUD (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
    });

    it('creates, reads, lists, updates and deletes a note', async () => {
      const contactId = await makeContact(kith, 'Ada', sales);
      const path = contactNotes(contactId);
      const created = await addNote(kith, path, 'Called about the renewal');
      expect(created).toMatchObject({
        division: { id: sales, selfUri: `/api/v2/authorization/divisions/${sales}` },
        entityId: contactId,
        entityType: 'contact',
        noteText: 'Called about the renewal',
        selfUri: `${path}/${created.id}`,
      });
      expect(created.createDate).toBe(created.modifyDate);
      expect(Number.isNaN(Date.parse(created.createDate))).toBe(false);

      expect(ok<NoteView>(await kith.request('GET', `${path}/${created.id}`))).toEqual(created);
      const listed = ok<NoteListing>(await kith.request('GET', path));
      expect(listed.entities).toEqual([created]);
      expect(listed).toMatchObject({ total: 1, pageSize: 20, pageNumber: 1, pageCount: 1 });
      expect(listed.partialResults).toBe(false);

      const updated = ok<NoteView>(
        await kith.request('PUT', `${path}/${created.id}`, {
          body: { noteText: 'Renewal signed' },
        }),
      );
      expect(updated).toMatchObject({
        id: created.id,
        noteText: 'Renewal signed',
        createDate: created.createDate,
        createdBy: created.createdBy,
      });
      expect(Date.parse(updated.modifyDate)).toBeGreaterThanOrEqual(Date.parse(created.createDate));
      expect(ok<NoteView>(await kith.request('GET', `${path}/${created.id}`))).toEqual(updated);

      const deleted = await kith.request('DELETE', `${path}/${created.id}`);
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json()).toEqual({});
      expectGenesysError(await kith.request('GET', `${path}/${created.id}`), 404, 'not.found');
      expectGenesysError(await kith.request('DELETE', `${path}/${created.id}`), 404, 'not.found');
      expect(ok<NoteListing>(await kith.request('GET', path)).total).toBe(0);
    });

    it('gives a note of an unassigned contact the division *', async () => {
      const contactId = await makeContact(kith, 'Una');
      const note = await addNote(kith, contactNotes(contactId), 'unassigned');
      expect(note.division).toEqual({ id: '*' });
    });

    it('records the acting OAuth client as createdBy, named with expand=author', async () => {
      const contactId = await makeContact(kith, 'Bob', sales);
      const { token, clientId } = await kith.principal([VIEW, EDIT], [sales]);
      const note = await addNote(kith, contactNotes(contactId), 'by a client', token);
      expect(note.createdBy).toEqual({
        id: clientId,
        selfUri: `/api/v2/oauth/clients/${clientId}`,
      });

      const expanded = ok<NoteView>(
        await kith.request('GET', `${contactNotes(contactId)}/${note.id}?expand=author`),
      );
      expect(expanded.createdBy).toEqual({
        id: clientId,
        name: expect.stringMatching(/^test-client-/),
        selfUri: `/api/v2/oauth/clients/${clientId}`,
      });

      // Another principal's edit keeps the author.
      const updated = ok<NoteView>(
        await kith.request('PUT', `${contactNotes(contactId)}/${note.id}`, {
          body: { noteText: 'edited by the admin' },
        }),
      );
      expect(updated.createdBy?.id).toBe(clientId);
    });

    it('records the acting user as createdBy', async () => {
      const agentRoleId = await roleIdByName(kith, 'agent');
      const user = ok<{ id: string }>(
        await kith.request('POST', '/api/v2/users', {
          body: {
            name: 'Nora Notetaker',
            email: `nora.${dialect}@example.com`,
            password: 'correct horse battery',
            roleDivisions: [{ roleId: agentRoleId, divisionId: sales }],
          },
        }),
      );
      const token = ok<TokenAnswer>(
        await postToken(kith, {
          grant_type: 'password',
          username: `nora.${dialect}@example.com`,
          password: 'correct horse battery',
        }),
      ).access_token;
      const contactId = await makeContact(kith, 'Cid', sales);
      const note = await addNote(kith, contactNotes(contactId), 'by a person', token);
      expect(note.createdBy).toEqual({ id: user.id, selfUri: `/api/v2/users/${user.id}` });
      const listed = ok<NoteListing>(
        await kith.request('GET', `${contactNotes(contactId)}?expand=author`, { token }),
      );
      expect(listed.entities[0]?.createdBy).toEqual({
        id: user.id,
        name: 'Nora Notetaker',
        selfUri: `/api/v2/users/${user.id}`,
      });
    });

    it('accepts a GET-modify-PUT round trip with the read-only fields sent back', async () => {
      const contactId = await makeContact(kith, 'Dee', sales);
      const path = contactNotes(contactId);
      const note = await addNote(kith, path, 'first');
      const fetched = ok<NoteView>(await kith.request('GET', `${path}/${note.id}?expand=author`));
      const updated = ok<NoteView>(
        await kith.request('PUT', `${path}/${note.id}`, {
          body: { ...fetched, noteText: 'second', externalDataSources: [] },
        }),
      );
      expect(updated.noteText).toBe('second');
      expect(updated.division.id).toBe(sales);
    });

    it('refuses to put a note in another division or on another entity with 400', async () => {
      const contactId = await makeContact(kith, 'Eve', sales);
      const other = await makeContact(kith, 'Fay', sales);
      const path = contactNotes(contactId);
      const note = await addNote(kith, path, 'stays here');
      for (const [body, field] of [
        [{ noteText: 'x', division: { id: '*' } }, 'division.id'],
        [{ noteText: 'x', entityId: other }, 'entityId'],
        [{ noteText: 'x', entityType: 'organization' }, 'entityType'],
      ] as const) {
        for (const [method, url] of [
          ['PUT', `${path}/${note.id}`],
          ['POST', path],
        ] as const) {
          const error = expectGenesysError(
            await kith.request(method, url, { body }),
            400,
            'bad.request',
          );
          expect(error.details.map((d) => d.fieldName)).toContain(field);
        }
      }
      expect(ok<NoteView>(await kith.request('GET', `${path}/${note.id}`)).noteText).toBe(
        'stays here',
      );
    });

    it('patches the text with changes[] or with a noteText body', async () => {
      const contactId = await makeContact(kith, 'Gus', sales);
      const path = contactNotes(contactId);
      const note = await addNote(kith, path, 'draft');
      const viaChanges = ok<NoteView>(
        await kith.request('PATCH', `${path}/${note.id}`, {
          body: { changes: [{ field: '$.noteText', action: 'Update', value: 'final' }] },
        }),
      );
      expect(viaChanges.noteText).toBe('final');
      const viaBody = ok<NoteView>(
        await kith.request('PATCH', `${path}/${note.id}`, { body: { noteText: 'final 2' } }),
      );
      expect(viaBody.noteText).toBe('final 2');
      expect(viaBody.createDate).toBe(note.createDate);

      const otherField = expectGenesysError(
        await kith.request('PATCH', `${path}/${note.id}`, {
          body: { changes: [{ field: '$.createdBy', action: 'Update', value: { id: 'x' } }] },
        }),
        400,
        'bad.request',
      );
      expect(otherField.details.map((d) => d.fieldName)).toContain('changes[0].field');
      const removed = expectGenesysError(
        await kith.request('PATCH', `${path}/${note.id}`, {
          body: { changes: [{ field: '$.noteText', action: 'Remove' }] },
        }),
        400,
        'bad.request',
      );
      expect(removed.details.map((d) => d.fieldName)).toContain('noteText');
      expectGenesysError(
        await kith.request('PATCH', `${path}/${note.id}`, { body: {} }),
        400,
        'bad.request',
      );
      expect(ok<NoteView>(await kith.request('GET', `${path}/${note.id}`)).noteText).toBe(
        'final 2',
      );
    });

    it('answers 404 for a note of another contact and for an unknown contact', async () => {
      const owner = await makeContact(kith, 'Hal', sales);
      const other = await makeContact(kith, 'Ida', sales);
      const note = await addNote(kith, contactNotes(owner), "Hal's");
      const wrong = `${contactNotes(other)}/${note.id}`;
      expectGenesysError(await kith.request('GET', wrong), 404, 'not.found');
      expectGenesysError(
        await kith.request('PUT', wrong, { body: { noteText: 'hijack' } }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('PATCH', wrong, { body: { noteText: 'hijack' } }),
        404,
        'not.found',
      );
      expectGenesysError(await kith.request('DELETE', wrong), 404, 'not.found');
      for (const [method, url] of [
        ['GET', contactNotes(MISSING_ID)],
        ['POST', contactNotes(MISSING_ID)],
        ['GET', `${contactNotes(MISSING_ID)}/${note.id}`],
        ['GET', `${contactNotes(owner)}/${MISSING_ID}`],
      ] as const) {
        expectGenesysError(
          await kith.request(method, url, method === 'POST' ? { body: { noteText: 'x' } } : {}),
          404,
          'not.found',
        );
      }
      expect(ok<NoteView>(await kith.request('GET', `${contactNotes(owner)}/${note.id}`))).toEqual(
        note,
      );
    });

    it("answers another organization's contact notes with 404", async () => {
      const contactId = await makeContact(kith, 'Jan', sales);
      const note = await addNote(kith, contactNotes(contactId), 'private');
      const other = await kith.otherOrganization(`Other ${dialect}`);
      const token = other.adminToken;
      expectGenesysError(
        await kith.request('GET', contactNotes(contactId), { token }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('GET', `${contactNotes(contactId)}/${note.id}`, { token }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('POST', contactNotes(contactId), { token, body: { noteText: 'x' } }),
        404,
        'not.found',
      );
    });
  });

  describe(`note text rules (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let path: string;
    let noteUrl: string;

    beforeAll(async () => {
      path = contactNotes(await makeContact(kith, 'Text'));
      noteUrl = `${path}/${(await addNote(kith, path, 'seed')).id}`;
    });

    it('accepts 32,000 characters and keeps the text exactly as given', async () => {
      const long = 'n'.repeat(32_000);
      expect((await addNote(kith, path, long)).noteText).toBe(long);
      const padded = '  two lines\n  of text  ';
      expect((await addNote(kith, path, padded)).noteText).toBe(padded);
      const updated = ok<NoteView>(
        await kith.request('PUT', noteUrl, { body: { noteText: `  ${long.slice(4)}  ` } }),
      );
      expect(updated.noteText).toHaveLength(32_000);
    });

    for (const method of ['POST', 'PUT', 'PATCH'] as const) {
      it(`answers ${method} with 32,001 characters with 400 naming noteText and the limit`, async () => {
        const error = expectGenesysError(
          await kith.request(method, method === 'POST' ? path : noteUrl, {
            body: { noteText: 'x'.repeat(32_001) },
          }),
          400,
          'bad.request',
        );
        expect(error.message).toContain('noteText');
        expect(error.message).toContain('32000');
        expect(error.details.map((d) => d.fieldName)).toContain('noteText');
      });
    }

    for (const [label, body] of [
      ['an empty noteText', { noteText: '' }],
      ['a whitespace-only noteText', { noteText: ' \n\t ' }],
      ['no noteText', {}],
      ['a null noteText', { noteText: null }],
    ] as const) {
      it(`answers ${label} with 400 naming noteText`, async () => {
        for (const [method, url] of [
          ['POST', path],
          ['PUT', noteUrl],
        ] as const) {
          const error = expectGenesysError(
            await kith.request(method, url, { body }),
            400,
            'bad.request',
          );
          expect(error.message).toContain('noteText');
          expect(error.details.map((d) => d.fieldName)).toContain('noteText');
        }
      });
    }

    it('leaves the note unchanged after refused updates', async () => {
      expect(ok<NoteView>(await kith.request('GET', noteUrl)).noteText).toHaveLength(32_000);
    });
  });

  describe(`note listing (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let contactId: string;
    let path: string;
    let created: NoteView[];
    let support: string;

    beforeAll(async () => {
      support = await createDivision(kith, 'Support');
      contactId = await makeContact(kith, 'Many', support);
      path = contactNotes(contactId);
      created = [];
      for (let i = 1; i <= 25; i += 1) created.push(await addNote(kith, path, `note ${i}`));
    });

    it('lists newest first by default, 20 a page, with Genesys paging fields', async () => {
      const first = ok<NoteListing>(await kith.request('GET', path));
      expect(first).toMatchObject({ pageSize: 20, pageNumber: 1, total: 25, pageCount: 2 });
      expect(first.entities.map((n) => n.noteText)).toEqual(
        Array.from({ length: 20 }, (_, i) => `note ${25 - i}`),
      );
      expect(first.nextUri).toBe(`${path}?pageSize=20&pageNumber=2`);
      expect(first.previousUri).toBeUndefined();
      const second = ok<NoteListing>(await kith.request('GET', `${path}?pageNumber=2`));
      expect(second.entities.map((n) => n.noteText)).toEqual([
        'note 5',
        'note 4',
        'note 3',
        'note 2',
        'note 1',
      ]);
      expect(second.nextUri).toBeUndefined();
    });

    it('sorts by createDate ascending or descending', async () => {
      const asc = ok<NoteListing>(
        await kith.request('GET', `${path}?sortOrder=createDate:asc&pageSize=100`),
      );
      expect(asc.entities.map((n) => n.id)).toEqual(created.map((n) => n.id));
      expect(asc.selfUri).toContain('sortOrder=createDate%3Aasc');
      const desc = ok<NoteListing>(
        await kith.request('GET', `${path}?sortOrder=createDate:desc&pageSize=100`),
      );
      expect(desc.entities.map((n) => n.id)).toEqual(created.map((n) => n.id).reverse());
      const bare = ok<NoteListing>(
        await kith.request('GET', `${path}?sortOrder=createDate&pageSize=100`),
      );
      expect(bare.entities.map((n) => n.id)).toEqual(created.map((n) => n.id));
    });

    for (const sortOrder of ['firstName:asc', 'createDate:up', 'modifyDate:desc']) {
      it(`answers sortOrder=${sortOrder} with 400 naming sortOrder`, async () => {
        const error = expectGenesysError(
          await kith.request('GET', `${path}?sortOrder=${sortOrder}`),
          400,
          'bad.request',
        );
        expect(error.details.map((d) => d.fieldName)).toContain('sortOrder');
      });
    }

    it('accepts pageSize up to 100 and answers more, or less than 1, with 400', async () => {
      expect(
        ok<NoteListing>(await kith.request('GET', `${path}?pageSize=100`)).entities,
      ).toHaveLength(25);
      for (const pageSize of [101, 0]) {
        const error = expectGenesysError(
          await kith.request('GET', `${path}?pageSize=${pageSize}`),
          400,
          'bad.request',
        );
        expect(error.details.map((d) => d.fieldName)).toContain('pageSize');
      }
    });

    it('accepts pageNumber * pageSize up to 1000 and answers deeper paging with 400', async () => {
      const deepest = ok<NoteListing>(
        await kith.request('GET', `${path}?pageSize=100&pageNumber=10`),
      );
      expect(deepest.entities).toEqual([]);
      expect(deepest.total).toBe(25);
      for (const query of ['pageSize=100&pageNumber=11', 'pageSize=20&pageNumber=51']) {
        const error = expectGenesysError(
          await kith.request('GET', `${path}?${query}`),
          400,
          'bad.request',
        );
        expect(error.details.map((d) => d.fieldName)).toContain('pageNumber');
      }
      expectGenesysError(await kith.request('GET', `${path}?pageNumber=0`), 400, 'bad.request');
    });

    it('expands author and division, and accepts mergeset', async () => {
      const listed = ok<NoteListing>(
        await kith.request('GET', `${path}?pageSize=1&expand=author&expand=division`),
      );
      expect(listed.entities[0]?.createdBy?.name).toEqual(expect.any(String));
      expect(listed.entities[0]?.division).toEqual({
        id: support,
        name: 'Support',
        selfUri: `/api/v2/authorization/divisions/${support}`,
      });
      expect(listed.selfUri).toContain('expand=author');
      const joined = ok<NoteListing>(
        await kith.request('GET', `${path}?pageSize=1&expand=author,division`),
      );
      expect(joined.entities).toEqual(listed.entities);
      const merged = ok<NoteListing>(await kith.request('GET', `${path}?expand=mergeset`));
      expect(merged.total).toBe(25);
      const single = ok<NoteView>(
        await kith.request('GET', `${path}/${created[0]?.id ?? ''}?expand=division`),
      );
      expect(single.division.name).toBe('Support');
      const plain = ok<NoteView>(await kith.request('GET', `${path}/${created[0]?.id ?? ''}`));
      expect(plain.division.name).toBeUndefined();
      expect(plain.createdBy?.name).toBeUndefined();
    });

    it('answers an unknown expand value with 400 naming expand', async () => {
      const error = expectGenesysError(
        await kith.request('GET', `${path}?expand=everything`),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName).join()).toContain('expand');
    });
  });

  describe(`note permissions and divisions (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let divisionA: string;
    let divisionB: string;
    const contacts: Record<'a' | 'b' | 'unassigned', string> = { a: '', b: '', unassigned: '' };
    const notes: Record<'a' | 'b' | 'unassigned', NoteView | undefined> = {
      a: undefined,
      b: undefined,
      unassigned: undefined,
    };

    function noteUrl(key: 'a' | 'b' | 'unassigned'): string {
      return `${contactNotes(contacts[key])}/${notes[key]?.id ?? ''}`;
    }

    beforeAll(async () => {
      divisionA = await createDivision(kith, 'A');
      divisionB = await createDivision(kith, 'B');
      contacts.a = await makeContact(kith, 'InA', divisionA);
      contacts.b = await makeContact(kith, 'InB', divisionB);
      contacts.unassigned = await makeContact(kith, 'Nowhere');
      for (const key of ['a', 'b', 'unassigned'] as const) {
        notes[key] = await addNote(kith, contactNotes(contacts[key]), `note of ${key}`);
      }
    });

    it('shows notes of its division and of unassigned contacts to a viewer of A', async () => {
      const { token } = await kith.principal([VIEW], [divisionA]);
      for (const key of ['a', 'unassigned'] as const) {
        const listed = ok<NoteListing>(
          await kith.request('GET', contactNotes(contacts[key]), { token }),
        );
        expect(listed.entities.map((n) => n.id)).toEqual([notes[key]?.id]);
        expect(ok<NoteView>(await kith.request('GET', noteUrl(key), { token }))).toEqual(
          notes[key],
        );
      }
    });

    it('answers 404, not 403, for the notes of a contact in a division it cannot see', async () => {
      const { token } = await kith.principal([VIEW, EDIT], [divisionA]);
      expectGenesysError(
        await kith.request('GET', contactNotes(contacts.b), { token }),
        404,
        'not.found',
      );
      expectGenesysError(await kith.request('GET', noteUrl('b'), { token }), 404, 'not.found');
      expectGenesysError(
        await kith.request('POST', contactNotes(contacts.b), { token, body: { noteText: 'x' } }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('PUT', noteUrl('b'), { token, body: { noteText: 'x' } }),
        404,
        'not.found',
      );
      expectGenesysError(await kith.request('DELETE', noteUrl('b'), { token }), 404, 'not.found');
      expect(ok<NoteView>(await kith.request('GET', noteUrl('b'))).noteText).toBe('note of b');
    });

    it('needs edit on the division to add, update, patch or delete a note', async () => {
      const { token } = await kith.principal([VIEW], [divisionA]);
      for (const [method, url] of [
        ['POST', contactNotes(contacts.a)],
        ['PUT', noteUrl('a')],
        ['PATCH', noteUrl('a')],
        ['DELETE', noteUrl('a')],
        ['POST', contactNotes(contacts.unassigned)],
      ] as const) {
        const error = expectGenesysError(
          await kith.request(method, url, {
            token,
            ...(method === 'DELETE' ? {} : { body: { noteText: 'not allowed' } }),
          }),
          403,
          'missing.permissions',
        );
        expect(error.message).toContain(EDIT);
      }
      expect(ok<NoteView>(await kith.request('GET', noteUrl('a'))).noteText).toBe('note of a');
    });

    it('writes notes where it holds edit, including on unassigned contacts', async () => {
      const { token } = await kith.principal([VIEW, EDIT], [divisionA]);
      const inA = await addNote(kith, contactNotes(contacts.a), 'agent note', token);
      expect(inA.division.id).toBe(divisionA);
      const unassigned = await addNote(kith, contactNotes(contacts.unassigned), 'agent', token);
      expect(unassigned.division.id).toBe('*');
      const url = `${contactNotes(contacts.a)}/${inA.id}`;
      expect(
        ok<NoteView>(await kith.request('PUT', url, { token, body: { noteText: 'edited' } }))
          .noteText,
      ).toBe('edited');
      expect((await kith.request('DELETE', url, { token })).statusCode).toBe(200);
    });

    it('answers 403 to a principal without any contact permission', async () => {
      const { token } = await kith.principal(['externalContacts:externalSource:view'], ['*']);
      expectGenesysError(
        await kith.request('GET', contactNotes(contacts.a), { token }),
        403,
        'missing.permissions',
      );
    });
  });

  describe(`note events (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('writes created, updated and deleted events on the note topic', async () => {
      const sales = await createDivision(kith, 'Sales');
      const contactId = await makeContact(kith, 'Evented', sales);
      const { token, clientId } = await kith.principal([VIEW, EDIT], [sales]);
      const path = contactNotes(contactId);
      const note = await addNote(kith, path, 'one', token);
      ok(await kith.request('PUT', `${path}/${note.id}`, { token, body: { noteText: 'two' } }));
      ok(
        await kith.request('PATCH', `${path}/${note.id}`, {
          token,
          body: { changes: [{ field: '$.noteText', action: 'Update', value: 'three' }] },
        }),
      );
      ok(await kith.request('DELETE', `${path}/${note.id}`, { token }));

      const events = await kith.database.db
        .selectFrom('events')
        .selectAll()
        .where('org_id', '=', kith.orgId)
        .where('entity_type', '=', 'note')
        .where('entity_id', '=', note.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      expect(events.map((e) => e.kind)).toEqual(['created', 'updated', 'updated', 'deleted']);
      for (const event of events) {
        expect(event).toMatchObject({
          topic: `v2.externalcontacts.contacts.${contactId}.notes.${note.id}`,
          division_id: sales,
          principal_id: clientId,
          delivered_at: null,
        });
      }
      const payloads = events.map(
        (e) =>
          JSON.parse(e.payload) as {
            before: { noteText: string } | null;
            after: { noteText: string } | null;
          },
      );
      expect(payloads.map((p) => [p.before?.noteText ?? null, p.after?.noteText ?? null])).toEqual([
        [null, 'one'],
        ['one', 'two'],
        ['two', 'three'],
        ['three', null],
      ]);
      expect(payloads[0]?.after).toEqual(note);

      const audit = await kith.database.db
        .selectFrom('audit_log')
        .select(['action', 'principal_type', 'principal_id'])
        .where('org_id', '=', kith.orgId)
        .where('entity_type', '=', 'note')
        .where('entity_id', '=', note.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      expect(audit.map((a) => a.action)).toEqual(['created', 'updated', 'updated', 'deleted']);
      expect(audit.every((a) => a.principal_type === 'client' && a.principal_id === clientId)).toBe(
        true,
      );
    });

    it('writes no event for a refused write', async () => {
      const contactId = await makeContact(kith, 'Quiet');
      const before = await kith.database.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('entity_type', '=', 'note')
        .executeTakeFirstOrThrow();
      expectGenesysError(
        await kith.request('POST', contactNotes(contactId), { body: { noteText: '' } }),
        400,
      );
      const after = await kith.database.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('entity_type', '=', 'note')
        .executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    });
  });

  describe(`note repository helpers (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('deleteNotesOf deletes the notes of one entity only', async () => {
      const doomed = await makeContact(kith, 'Doomed');
      const kept = await makeContact(kith, 'Kept');
      await addNote(kith, contactNotes(doomed), 'one');
      await addNote(kith, contactNotes(doomed), 'two');
      const survivor = await addNote(kith, contactNotes(kept), 'stays');
      const db = kith.database.db;
      expect(await deleteNotesOf(db, kith.orgId, 'contact', doomed)).toBe(2);
      expect(await deleteNotesOf(db, kith.orgId, 'organization', kept)).toBe(0);
      expect(ok<NoteListing>(await kith.request('GET', contactNotes(doomed))).total).toBe(0);
      expect(ok<NoteListing>(await kith.request('GET', contactNotes(kept))).entities).toEqual([
        survivor,
      ]);
    });

    it('makes a contact deletion wait for a note being written to it, then delete that note too', async () => {
      const contactId = await makeContact(kith, 'Racing');
      const db = kith.database.db;
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let signalLocked = (): void => undefined;
      const locked = new Promise<void>((resolve) => (signalLocked = resolve));
      const writer = db.transaction().execute(async (trx) => {
        expect(await lockNoteEntity(trx, kith.orgId, 'contact', contactId)).toBe(true);
        signalLocked();
        await held;
        const now = new Date().toISOString();
        await insertNote(trx, {
          id: newId(),
          orgId: kith.orgId,
          entityType: 'contact',
          entityId: contactId,
          divisionId: null,
          noteText: 'written during the deletion',
          createdBy: null,
          createDate: now,
          modifyDate: now,
        });
      });
      await locked;
      let rowDeleted = false;
      // The deletion as contact deletion must run it: the row first, then its notes.
      const deleter = db.transaction().execute(async (trx) => {
        await deleteContactRow(trx, kith.orgId, contactId);
        rowDeleted = true;
        return deleteNotesOf(trx, kith.orgId, 'contact', contactId);
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(rowDeleted).toBe(false);
      release();
      await writer;
      expect(await deleter).toBe(1);
      const left = await db
        .selectFrom('notes')
        .select('id')
        .where('org_id', '=', kith.orgId)
        .where('entity_id', '=', contactId)
        .execute();
      expect(left).toEqual([]);
      expect(await lockNoteEntity(db, kith.orgId, 'contact', contactId)).toBe(false);
    });

    it('scanNotes pages through the visible notes by id', async () => {
      const divisionA = await createDivision(kith, 'Scan A');
      const divisionB = await createDivision(kith, 'Scan B');
      const inA = await makeContact(kith, 'ScanA', divisionA);
      const inB = await makeContact(kith, 'ScanB', divisionB);
      const loose = await makeContact(kith, 'ScanLoose');
      const visible = [
        await addNote(kith, contactNotes(inA), 'a1'),
        await addNote(kith, contactNotes(loose), 'u1'),
        await addNote(kith, contactNotes(inA), 'a2'),
      ];
      await addNote(kith, contactNotes(inB), 'b1');
      const db = kith.database.db;
      const filter = { divisionIds: [divisionA], includeUnassigned: true };
      const all = await scanNotes(db, kith.orgId, filter, undefined, 200, 'contact');
      expect(all.map((n) => n.id)).toEqual(expect.arrayContaining(visible.map((n) => n.id)));
      expect(all.every((n) => n.divisionId === divisionA || n.divisionId === null)).toBe(true);
      expect(all.map((n) => n.id)).toEqual([...all.map((n) => n.id)].sort());

      const first = await scanNotes(
        db,
        kith.orgId,
        { divisionIds: [divisionA], includeUnassigned: false },
        undefined,
        1,
      );
      expect(first.map((n) => n.noteText)).toEqual(['a1']);
      const next = await scanNotes(
        db,
        kith.orgId,
        { divisionIds: [divisionA], includeUnassigned: false },
        first[0]?.id,
        10,
      );
      expect(next.map((n) => n.noteText)).toEqual(['a2']);
      expect(await scanNotes(db, kith.orgId, filter, undefined, 10, 'organization')).toEqual([]);
    });
  });

  describe(`organization notes (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let divisionA: string;
    let divisionB: string;

    beforeAll(async () => {
      divisionA = await createDivision(kith, 'Org A');
      divisionB = await createDivision(kith, 'Org B');
    });

    it('creates, reads, lists, updates, patches and deletes a note of an organization', async () => {
      const organizationId = await makeOrganization(kith, 'Acme', divisionA);
      const path = organizationNotes(organizationId);
      const created = await addNote(kith, path, 'Key account');
      expect(created).toMatchObject({
        division: { id: divisionA },
        entityId: organizationId,
        entityType: 'organization',
        noteText: 'Key account',
        selfUri: `/api/v2/externalcontacts/organizations/${organizationId}/notes/${created.id}`,
      });
      expect(ok<NoteView>(await kith.request('GET', `${path}/${created.id}`))).toEqual(created);
      const second = await addNote(kith, path, 'Renewal in May');
      const listed = ok<NoteListing>(await kith.request('GET', `${path}?expand=author,division`));
      expect(listed.entities.map((n) => n.id)).toEqual([second.id, created.id]);
      expect(listed.entities[0]?.division.name).toBe('Org A');
      expect(listed.selfUri.startsWith(path)).toBe(true);

      expect(
        ok<NoteView>(
          await kith.request('PUT', `${path}/${created.id}`, { body: { noteText: 'Strategic' } }),
        ).noteText,
      ).toBe('Strategic');
      expect(
        ok<NoteView>(
          await kith.request('PATCH', `${path}/${created.id}`, {
            body: { changes: [{ field: '$.noteText', action: 'Update', value: 'Strategic!' }] },
          }),
        ).noteText,
      ).toBe('Strategic!');
      ok(await kith.request('DELETE', `${path}/${created.id}`));
      expectGenesysError(await kith.request('GET', `${path}/${created.id}`), 404, 'not.found');

      const topics = await kith.database.db
        .selectFrom('events')
        .select(['topic', 'kind', 'entity_type'])
        .where('org_id', '=', kith.orgId)
        .where('entity_id', '=', created.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      expect(topics).toEqual(
        ['created', 'updated', 'updated', 'deleted'].map((kind) => ({
          topic: `v2.externalcontacts.organizations.${organizationId}.notes.${created.id}`,
          kind,
          entity_type: 'note',
        })),
      );
    });

    it('keeps contact and organization notes apart', async () => {
      const organizationId = await makeOrganization(kith, 'Apart');
      const contactId = await makeContact(kith, 'Apart');
      const orgNote = await addNote(kith, organizationNotes(organizationId), 'of the org');
      expectGenesysError(
        await kith.request('GET', `${contactNotes(contactId)}/${orgNote.id}`),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('GET', `${contactNotes(organizationId)}/${orgNote.id}`),
        404,
        'not.found',
      );
      expectGenesysError(await kith.request('GET', organizationNotes(contactId)), 404, 'not.found');
    });

    it('needs organization view to read and organization edit to write', async () => {
      const inA = await makeOrganization(kith, 'In A', divisionA);
      const inB = await makeOrganization(kith, 'In B', divisionB);
      const loose = await makeOrganization(kith, 'Loose');
      const noteA = await addNote(kith, organizationNotes(inA), 'a');
      const noteB = await addNote(kith, organizationNotes(inB), 'b');
      await addNote(kith, organizationNotes(loose), 'loose');

      const viewer = await kith.principal([VIEW, ORG_VIEW], [divisionA]);
      for (const id of [inA, loose]) {
        expect(
          ok<NoteListing>(await kith.request('GET', organizationNotes(id), { token: viewer.token }))
            .total,
        ).toBe(1);
      }
      expectGenesysError(
        await kith.request('GET', organizationNotes(inB), { token: viewer.token }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('GET', `${organizationNotes(inB)}/${noteB.id}`, {
          token: viewer.token,
        }),
        404,
        'not.found',
      );
      const refused = expectGenesysError(
        await kith.request('POST', organizationNotes(inA), {
          token: viewer.token,
          body: { noteText: 'no edit' },
        }),
        403,
        'missing.permissions',
      );
      expect(refused.message).toContain(ORG_EDIT);

      // Contact permissions do not open organization notes.
      const contactEditor = await kith.principal([VIEW, EDIT], ['*']);
      expectGenesysError(
        await kith.request('GET', `${organizationNotes(inA)}/${noteA.id}`, {
          token: contactEditor.token,
        }),
        404,
        'not.found',
      );

      const editor = await kith.principal([VIEW, ORG_VIEW, ORG_EDIT], [divisionA]);
      const written = await addNote(kith, organizationNotes(inA), 'edited', editor.token);
      expect(written.createdBy?.id).toBe(editor.clientId);
      expect(written.division.id).toBe(divisionA);
    });

    it('answers expand=mergeset on an organization with 400, as the SDK lists it for contacts only', async () => {
      const organizationId = await makeOrganization(kith, 'No merge');
      const error = expectGenesysError(
        await kith.request('GET', `${organizationNotes(organizationId)}?expand=mergeset`),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName)).toContain('expand');
    });

    it('deleteNotesOf deletes the notes of an organization', async () => {
      const organizationId = await makeOrganization(kith, 'Gone');
      await addNote(kith, organizationNotes(organizationId), 'one');
      expect(
        await deleteNotesOf(kith.database.db, kith.orgId, 'organization', organizationId),
      ).toBe(1);
      expect(
        ok<NoteListing>(await kith.request('GET', organizationNotes(organizationId))).total,
      ).toBe(0);
    });
  });

  describe(`contact notes through the Genesys SDK (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let port: number;

    /** Points the SDK singleton at this server and signs in with client credentials. */
    async function signIn(id = ADMIN_ID, secret = ADMIN_SECRET): Promise<void> {
      sdk.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      sdk.setReturnExtendedResponses(false);
      await sdk.loginClientCredentialsGrant(id, secret);
    }

    beforeAll(async () => {
      await kith.app.listen({ port: 0, host: '127.0.0.1' });
      port = (kith.app.server.address() as AddressInfo).port;
    });

    it('creates, fetches, lists, updates, patches and deletes a contact note', async () => {
      await signIn();
      const api = new platformClient.ExternalContactsApi();
      const contact = await api.postExternalcontactsContacts({
        firstName: 'Sdk',
        lastName: 'Notes',
      });
      const contactId = contact.id ?? '';

      const created = await api.postExternalcontactsContactNotes(
        contactId,
        sdkNote('Prefers email'),
      );
      expect(created).toMatchObject({
        entityId: contactId,
        entityType: 'contact',
        noteText: 'Prefers email',
        division: { id: '*' },
        selfUri: `${contactNotes(contactId)}/${created.id ?? ''}`,
      });
      const noteId = created.id ?? '';

      expect(await api.getExternalcontactsContactNote(contactId, noteId)).toEqual(created);
      const withAuthor = await api.getExternalcontactsContactNote(contactId, noteId, {
        expand: ['author'],
      });
      expect(withAuthor.createdBy).toMatchObject({ id: created.createdBy.id, name: 'Kith admin' });

      const second = await api.postExternalcontactsContactNotes(contactId, sdkNote('Called back'));
      const listing = await api.getExternalcontactsContactNotes(contactId, {
        pageSize: 10,
        pageNumber: 1,
        sortOrder: 'createDate:asc',
        expand: ['author', 'mergeset'],
      });
      expect(listing.entities?.map((n) => n.id)).toEqual([noteId, second.id]);
      expect(listing).toMatchObject({ total: 2, pageSize: 10, pageNumber: 1, pageCount: 1 });
      const newestFirst = await api.getExternalcontactsContactNotes(contactId);
      expect(newestFirst.entities?.map((n) => n.id)).toEqual([second.id, noteId]);

      const put = await api.putExternalcontactsContactNote(contactId, noteId, {
        ...created,
        noteText: 'Prefers phone',
      });
      expect(put).toMatchObject({ id: noteId, noteText: 'Prefers phone' });

      const patched = await api.patchExternalcontactsContactNote(contactId, noteId, {
        changes: [
          { field: '$.noteText', action: 'Update', value: 'Prefers SMS' as unknown as object },
        ],
      });
      expect(patched.noteText).toBe('Prefers SMS');
      expect((await api.getExternalcontactsContactNote(contactId, noteId)).noteText).toBe(
        'Prefers SMS',
      );

      expect(await api.deleteExternalcontactsContactNote(contactId, noteId)).toEqual({});
      expect(
        await rejectionOf(api.getExternalcontactsContactNote(contactId, noteId)),
      ).toMatchObject(genesysError(404, 'not.found'));
      expect((await api.getExternalcontactsContactNotes(contactId)).total).toBe(1);
    });

    it('records the signed-in client as the author and refuses a note over 32,000 characters', async () => {
      const sales = await createDivision(kith, 'Sdk Sales');
      const contactId = await makeContact(kith, 'SdkAuthor', sales);
      const roleId = ok<{ id: string }>(
        await kith.request('POST', '/api/v2/authorization/roles', {
          body: { name: `sdk note writers ${dialect}`, permissions: [VIEW, EDIT] },
        }),
      ).id;
      const client = ok<{ id: string; secret: string }>(
        await kith.request('POST', '/api/v2/oauth/clients', {
          body: {
            name: 'sdk note writer',
            authorizedGrantType: 'CLIENT-CREDENTIALS',
            roleDivisions: [{ roleId, divisionId: sales }],
          },
        }),
      );
      await signIn(client.id, client.secret);
      const api = new platformClient.ExternalContactsApi();
      const note = await api.postExternalcontactsContactNotes(
        contactId,
        sdkNote('from the integration'),
      );
      expect(note.createdBy).toEqual({
        id: client.id,
        selfUri: `/api/v2/oauth/clients/${client.id}`,
      });
      expect(note.division?.id).toBe(sales);
      const tooLong = await rejectionOf(
        api.postExternalcontactsContactNotes(contactId, sdkNote('x'.repeat(32_001))),
      );
      expect(tooLong).toMatchObject(genesysError(400, 'bad.request'));
      expect((tooLong as { message: string }).message).toContain('noteText');
    });

    it('creates, fetches, lists, updates, patches and deletes an organization note', async () => {
      await signIn();
      const api = new platformClient.ExternalContactsApi();
      const organization = await api.postExternalcontactsOrganizations({ name: 'Sdk Org' });
      const organizationId = organization.id ?? '';

      const created = await api.postExternalcontactsOrganizationNotes(
        organizationId,
        sdkNote('Signed the framework agreement'),
      );
      expect(created).toMatchObject({
        entityId: organizationId,
        entityType: 'organization',
        noteText: 'Signed the framework agreement',
      });
      const noteId = created.id ?? '';
      expect(await api.getExternalcontactsOrganizationNote(organizationId, noteId)).toEqual(
        created,
      );
      const withAuthor = await api.getExternalcontactsOrganizationNote(organizationId, noteId, {
        expand: ['author', 'division'],
      });
      expect(withAuthor.createdBy?.name).toBe('Kith admin');

      const listing = await api.getExternalcontactsOrganizationNotes(organizationId, {
        pageSize: 5,
        sortOrder: 'createDate:desc',
        expand: ['author'],
      });
      expect(listing).toMatchObject({ total: 1, pageSize: 5, pageNumber: 1 });
      expect(listing.entities?.[0]?.id).toBe(noteId);

      const put = await api.putExternalcontactsOrganizationNote(organizationId, noteId, {
        ...created,
        noteText: 'Agreement renewed',
      });
      expect(put.noteText).toBe('Agreement renewed');
      const patched = await api.patchExternalcontactsOrganizationNote(organizationId, noteId, {
        changes: [
          { field: '$.noteText', action: 'Update', value: 'Agreement ended' as unknown as object },
        ],
      });
      expect(patched.noteText).toBe('Agreement ended');

      expect(await api.deleteExternalcontactsOrganizationNote(organizationId, noteId)).toEqual({});
      expect(
        await rejectionOf(api.getExternalcontactsOrganizationNote(organizationId, noteId)),
      ).toMatchObject(genesysError(404, 'not.found'));
    });
  });
}
