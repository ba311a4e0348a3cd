import platformClient from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import type { PagedListing } from '../../src/common/paging.js';
import { DIALECTS } from '../helpers/databases.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import { createDivision, expectGenesysError, ok } from '../helpers/http.js';
import {
  addNote,
  contactNotes,
  makeContact,
  makeOrganization,
  organizationNotes,
  type NoteView,
} from '../helpers/notes.js';
import {
  ROOT,
  postBulk,
  scanAll,
  scannedIds,
  sdkSignIn,
  type ScanPage,
} from '../helpers/bulk-scan.js';

const VIEW = 'externalContacts:contact:view';
const VIEW_ALL = 'externalContacts:contact:viewAll';
const EDIT = 'externalContacts:contact:edit';
const ORG_VIEW = 'externalContacts:externalOrganization:view';
const ORG_VIEW_ALL = 'externalContacts:externalOrganization:viewAll';
const MISSING_ID = '01a00000-0000-7000-8000-000000000000';

/** Adds `count` notes to a contact (through the single-note API) and returns their ids. */
async function notesOn(
  kith: TestKith,
  path: string,
  count: number,
  prefix = 'n',
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await addNote(kith, path, `${prefix}${i}`)).id);
  return ids;
}

for (const dialect of DIALECTS) {
  describe(`bulk notes (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('adds notes to contacts and organizations, refusing each bad entity by index', async () => {
      const other = await createDivision(kith, `Other ${dialect} add`);
      const contactId = await makeContact(kith, 'Noted');
      const organizationId = await makeOrganization(kith, 'Noted Inc');
      const res = await postBulk<NoteView>(kith, '/bulk/notes/add', [
        { entityType: 'contact', entityId: contactId, noteText: 'Prefers email' },
        { entityType: 'person', entityId: contactId, noteText: 'x' },
        { entityType: 'contact', noteText: 'x' },
        { entityType: 'organization', entityId: organizationId, noteText: 'Key account' },
        { entityType: 'contact', entityId: contactId, noteText: '   ' },
        { entityType: 'contact', entityId: MISSING_ID, noteText: 'x' },
        { entityType: 'contact', entityId: contactId, noteText: 'x', division: { id: other } },
        { entityId: organizationId, noteText: 'no type' },
      ]);
      expect(res.errorIndexes).toEqual([1, 2, 4, 5, 6, 7]);
      expect(res.errorCount).toBe(6);
      expect(res.results.map((r) => r.status)).toEqual([200, 400, 400, 200, 400, 404, 400, 400]);
      const fields = res.results.map((r) => r.error?.details.map((d) => d.fieldName));
      expect(fields[1]).toEqual(['entities[1].entityType']);
      expect(fields[2]).toEqual(['entities[2].entityId']);
      expect(fields[4]).toEqual(['noteText']);
      expect(fields[7]).toEqual(['entities[7].entityType']);
      expect(res.results[1]?.error?.message).toContain('contact or organization');

      const [onContact, , , onOrganization] = res.results;
      expect(onContact?.entity).toMatchObject({
        entityType: 'contact',
        entityId: contactId,
        noteText: 'Prefers email',
        division: { id: '*' },
      });
      expect(onContact?.id).toBe(onContact?.entity?.id);
      expect(onOrganization?.entity).toMatchObject({
        entityType: 'organization',
        entityId: organizationId,
        noteText: 'Key account',
      });
      const listed = ok<PagedListing<NoteView>>(await kith.request('GET', contactNotes(contactId)));
      expect(listed.entities.map((n) => n.noteText)).toEqual(['Prefers email']);
      const orgListed = ok<PagedListing<NoteView>>(
        await kith.request('GET', organizationNotes(organizationId)),
      );
      expect(orgListed.entities.map((n) => n.id)).toEqual([onOrganization?.id]);
    });

    it('fetches notes of contacts and organizations by id, with a 404 result for missing ones', async () => {
      const contactId = await makeContact(kith, 'Fetched');
      const organizationId = await makeOrganization(kith, 'Fetched Inc');
      const a = await addNote(kith, contactNotes(contactId), 'on the contact');
      const b = await addNote(kith, organizationNotes(organizationId), 'on the organization');
      const res = await postBulk<NoteView>(kith, '/bulk/notes', [
        { id: a.id },
        { id: MISSING_ID },
        { id: b.id },
      ]);
      expect(res.errorIndexes).toEqual([1]);
      expect(res.results[1]).toMatchObject({ id: MISSING_ID, success: false, status: 404 });
      expect(res.results[0]?.entity).toEqual(a);
      expect(res.results[2]?.entity).toEqual(b);
    });

    it('updates note text by id on the entity named, refusing notes without id or entity', async () => {
      const contactId = await makeContact(kith, 'Updated');
      const elsewhere = await makeContact(kith, 'Elsewhere');
      const organizationId = await makeOrganization(kith, 'Updated Inc');
      const a = await addNote(kith, contactNotes(contactId), 'before');
      const b = await addNote(kith, organizationNotes(organizationId), 'org before');
      const res = await postBulk<NoteView>(kith, '/bulk/notes/update', [
        { ...a, noteText: 'after' },
        { entityType: 'contact', entityId: contactId, noteText: 'no id' },
        { id: a.id, noteText: 'no entity' },
        { id: a.id, entityType: 'contact', entityId: elsewhere, noteText: 'wrong contact' },
        { id: b.id, entityType: 'organization', entityId: organizationId, noteText: 'org after' },
        { id: a.id, entityType: 'contact', entityId: contactId, noteText: '' },
      ]);
      expect(res.errorIndexes).toEqual([1, 2, 3, 5]);
      expect(res.results.map((r) => r.status)).toEqual([200, 400, 400, 404, 200, 400]);
      expect(res.results[1]?.error?.details.map((d) => d.fieldName)).toEqual(['entities[1].id']);
      expect(res.results[2]?.error?.details.map((d) => d.fieldName)).toEqual([
        'entities[2].entityType',
      ]);
      expect(res.results[0]).toMatchObject({ id: a.id, entity: { noteText: 'after' } });
      expect(res.results[0]?.entity?.createdBy).toEqual(a.createdBy);
      const reread = ok<NoteView>(await kith.request('GET', `${contactNotes(contactId)}/${a.id}`));
      expect(reread.noteText).toBe('after');
      expect(
        ok<NoteView>(await kith.request('GET', `${organizationNotes(organizationId)}/${b.id}`))
          .noteText,
      ).toBe('org after');
    });

    it('removes notes by id, reporting those already gone', async () => {
      const contactId = await makeContact(kith, 'Removed');
      const organizationId = await makeOrganization(kith, 'Removed Inc');
      const a = await addNote(kith, contactNotes(contactId), 'one');
      const b = await addNote(kith, organizationNotes(organizationId), 'two');
      const res = await postBulk(kith, '/bulk/notes/remove', [
        { id: a.id },
        { id: b.id },
        { id: a.id },
      ]);
      expect(res.errorIndexes).toEqual([2]);
      expect(res.results.map((r) => [r.id, r.status])).toEqual([
        [a.id, 200],
        [b.id, 200],
        [a.id, 404],
      ]);
      expectGenesysError(await kith.request('GET', `${contactNotes(contactId)}/${a.id}`), 404);
      expectGenesysError(
        await kith.request('GET', `${organizationNotes(organizationId)}/${b.id}`),
        404,
      );
    });

    it('refuses more than 200 entities on every bulk path, saying so, and an empty request', async () => {
      for (const path of ['', '/add', '/update', '/remove']) {
        const entities = Array.from({ length: 201 }, (_, i) => ({
          id: `id-${i}`,
          entityType: 'contact',
          entityId: MISSING_ID,
          noteText: 'x',
        }));
        const big = expectGenesysError(
          await kith.request('POST', `${ROOT}/bulk/notes${path}`, { body: { entities } }),
          400,
          'bad.request',
        );
        expect(big.message).toContain('at most 200');
        expect(big.details.map((d) => d.fieldName)).toContain('entities');
        expectGenesysError(
          await kith.request('POST', `${ROOT}/bulk/notes${path}`, { body: { entities: [] } }),
          400,
        );
      }
      const exactly200 = await postBulk(
        kith,
        '/bulk/notes',
        Array.from({ length: 200 }, (_, i) => ({ id: `n${i}` })),
      );
      expect(exactly200.errorCount).toBe(200);
    });

    it('shows a principal only the notes of its divisions and unassigned records, hiding whose they are', async () => {
      const sales = await createDivision(kith, `Sales ${dialect} bulk`);
      const support = await createDivision(kith, `Support ${dialect} bulk`);
      const inSales = await addNote(kith, contactNotes(await makeContact(kith, 'S', sales)), 's');
      const supportContact = await makeContact(kith, 'P', support);
      const inSupport = await addNote(kith, contactNotes(supportContact), 'p');
      const loose = await addNote(kith, contactNotes(await makeContact(kith, 'F')), 'f');
      const looseOrg = await addNote(
        kith,
        organizationNotes(await makeOrganization(kith, 'Loose Inc')),
        'o',
      );
      const ids = [inSales, inSupport, loose, looseOrg].map((n) => ({ id: n.id }));

      const { token } = await kith.principal([VIEW, EDIT, ORG_VIEW], [sales]);
      const res = await postBulk<NoteView>(kith, '/bulk/notes', ids, token);
      expect(res.errorIndexes).toEqual([1]);
      expect(res.results[1]?.status).toBe(404);
      // The 404 names the note, not the contact the caller cannot see.
      expect(res.results[1]?.error?.message).toBe(`Note ${inSupport.id} not found`);
      expect(JSON.stringify(res.results[1]?.error)).not.toContain(supportContact);
      expect(res.results.map((r) => r.entity?.division.id)).toEqual([sales, undefined, '*', '*']);

      // Organization notes need organization view.
      const { token: contactsOnly } = await kith.principal([VIEW], [sales]);
      const withoutOrgView = await postBulk(kith, '/bulk/notes', ids, contactsOnly);
      expect(withoutOrgView.errorIndexes).toEqual([1, 3]);

      const removed = await postBulk(kith, '/bulk/notes/remove', [{ id: inSupport.id }], token);
      expect(removed.results[0]).toMatchObject({ success: false, status: 404 });
      expect(removed.results[0]?.error?.message).toBe(`Note ${inSupport.id} not found`);
      const kept = await postBulk<NoteView>(kith, '/bulk/notes', [{ id: inSupport.id }]);
      expect(kept.results[0]?.entity?.noteText).toBe('p');

      const added = await postBulk(
        kith,
        '/bulk/notes/add',
        [{ entityType: 'contact', entityId: supportContact, noteText: 'sneaky' }],
        token,
      );
      expect(added.results[0]?.status).toBe(404);
    });

    it('needs edit on the entity’s division to add, update or remove a note', async () => {
      const contactId = await makeContact(kith, 'ReadOnly');
      const note = await addNote(kith, contactNotes(contactId), 'keep');
      const { token } = await kith.principal([VIEW], ['*']);
      const target = { entityType: 'contact', entityId: contactId };
      for (const [path, entity] of [
        ['/bulk/notes/add', { ...target, noteText: 'x' }],
        ['/bulk/notes/update', { ...target, id: note.id, noteText: 'x' }],
        ['/bulk/notes/remove', { id: note.id }],
      ] as const) {
        const res = await postBulk(kith, path, [entity], token);
        expect({ path, status: res.results[0]?.status }).toEqual({ path, status: 403 });
        expect(res.results[0]?.error?.code).toBe('missing.permissions');
      }
      const listed = ok<PagedListing<NoteView>>(await kith.request('GET', contactNotes(contactId)));
      expect(listed.entities.map((n) => n.noteText)).toEqual(['keep']);
    });
  });

  describe(`note scans (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('pages through a division’s notes with cursors, visiting each exactly once', async () => {
      const division = await createDivision(kith, `Paged ${dialect}`);
      const a = await makeContact(kith, 'PagedA', division);
      const b = await makeContact(kith, 'PagedB', division);
      const ids = [
        ...(await notesOn(kith, contactNotes(a), 12)),
        ...(await notesOn(kith, contactNotes(b), 11)),
      ];
      const { entities, pages } = await scanAll<NoteView>(
        kith,
        `/scan/notes?divisionId=${division}`,
      );
      expect(pages).toBe(3);
      expect(entities.map((e) => e.id)).toEqual([...ids].sort());
      expect(entities.every((e) => e.division.id === division)).toBe(true);
      expect(entities[0]).toMatchObject({ entityType: 'contact', selfUri: expect.any(String) });
    });

    it('includes organization notes, merged in order, for a principal that may read organizations', async () => {
      const division = await createDivision(kith, `Mixed ${dialect}`);
      const contactId = await makeContact(kith, 'Mixed', division);
      const organizationId = await makeOrganization(kith, 'Mixed Inc', division);
      const contactNoteIds: string[] = [];
      const organizationNoteIds: string[] = [];
      for (let i = 0; i < 7; i += 1) {
        contactNoteIds.push((await addNote(kith, contactNotes(contactId), `c${i}`)).id);
        organizationNoteIds.push(
          (await addNote(kith, organizationNotes(organizationId), `o${i}`)).id,
        );
      }
      const path = `/scan/notes?divisionId=${division}`;
      const admin = await scanAll<NoteView>(kith, path);
      expect(admin.pages).toBe(2);
      expect(admin.entities.map((e) => e.id)).toEqual(
        [...contactNoteIds, ...organizationNoteIds].sort(),
      );
      expect(new Set(admin.entities.map((e) => e.entityType))).toEqual(
        new Set(['contact', 'organization']),
      );

      const { token: both } = await kith.principal([VIEW, ORG_VIEW], [division]);
      expect(await scannedIds(kith, path, { token: both })).toEqual(
        [...contactNoteIds, ...organizationNoteIds].sort(),
      );
      const { token: contactsOnly } = await kith.principal([VIEW], [division]);
      expect(await scannedIds(kith, path, { token: contactsOnly })).toEqual(
        [...contactNoteIds].sort(),
      );
      // Organization view alone does not open the notes scan: it is a contact endpoint.
      const { token: organizationsOnly } = await kith.principal(
        ['externalContacts:contact:add', ORG_VIEW],
        [division],
      );
      expectGenesysError(
        await kith.request('GET', `${ROOT}${path}&limit=10`, { token: organizationsOnly }),
        403,
        'missing.permissions',
      );
    });

    it('needs contact viewAll for divisionviews/all; organization notes there need organization viewAll', async () => {
      const east = await createDivision(kith, `East ${dialect}`);
      const west = await createDivision(kith, `West ${dialect}`);
      const eastContact = await addNote(
        kith,
        contactNotes(await makeContact(kith, 'E', east)),
        'e',
      );
      const eastOrg = await addNote(
        kith,
        organizationNotes(await makeOrganization(kith, 'East Inc', east)),
        'eo',
      );
      const westContact = await addNote(
        kith,
        contactNotes(await makeContact(kith, 'W', west)),
        'w',
      );
      const loose = await addNote(kith, contactNotes(await makeContact(kith, 'L')), 'l');
      const all = '/scan/notes/divisionviews/all';

      const { token: viewAll } = await kith.principal([VIEW, VIEW_ALL, ORG_VIEW], [east]);
      const seen = await scannedIds(kith, all, { token: viewAll });
      expect(seen).toEqual(expect.arrayContaining([eastContact.id, loose.id]));
      expect(seen).not.toContain(westContact.id);
      expect(seen).not.toContain(eastOrg.id);

      const { token: bothViewAll } = await kith.principal(
        [VIEW, VIEW_ALL, ORG_VIEW, ORG_VIEW_ALL],
        [east],
      );
      const withOrg = await scannedIds(kith, all, { token: bothViewAll });
      expect(withOrg).toEqual(expect.arrayContaining([eastContact.id, eastOrg.id, loose.id]));
      expect(withOrg).not.toContain(westContact.id);

      const { token: noViewAll } = await kith.principal([VIEW, ORG_VIEW, ORG_VIEW_ALL], [east]);
      const refused = expectGenesysError(
        await kith.request('GET', `${ROOT}${all}?limit=10`, { token: noViewAll }),
        403,
        'missing.permissions',
      );
      expect(refused.message).toContain(VIEW_ALL);
      expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/notes?divisionId=${west}`, { token: viewAll }),
        403,
      );
    });

    it('never serves a note outside the principal’s divisions plus unassigned', async () => {
      const sales = await createDivision(kith, `Sales ${dialect} scan`);
      const support = await createDivision(kith, `Support ${dialect} scan`);
      const inSales = await addNote(kith, contactNotes(await makeContact(kith, 'S', sales)), 's');
      const inSupport = [
        await addNote(kith, contactNotes(await makeContact(kith, 'P', support)), 'p'),
        await addNote(
          kith,
          organizationNotes(await makeOrganization(kith, 'Support Inc', support)),
          'po',
        ),
      ];
      const loose = await addNote(
        kith,
        organizationNotes(await makeOrganization(kith, 'Loose Inc')),
        'lo',
      );
      const { token } = await kith.principal([VIEW, VIEW_ALL, ORG_VIEW, ORG_VIEW_ALL], [sales]);
      const served: NoteView[] = [];
      for (const path of [
        '/scan/notes',
        `/scan/notes?divisionId=${sales}`,
        '/scan/notes/divisionviews/all',
      ]) {
        served.push(...(await scanAll<NoteView>(kith, path, { token })).entities);
      }
      expect(served.map((n) => n.id)).toEqual(expect.arrayContaining([inSales.id, loose.id]));
      for (const hidden of inSupport) expect(served.map((n) => n.id)).not.toContain(hidden.id);
      expect(served.every((n) => n.division.id === sales || n.division.id === '*')).toBe(true);
    });

    it('takes a limit of 10 to 200 (default 100) and only cursors it issued for that scan', async () => {
      const division = await createDivision(kith, `Limits ${dialect}`);
      await notesOn(kith, contactNotes(await makeContact(kith, 'Lim', division)), 11);
      for (const limit of [9, 201]) {
        for (const path of ['/scan/notes', '/scan/notes/divisionviews/all']) {
          const body = expectGenesysError(
            await kith.request('GET', `${ROOT}${path}?limit=${limit}`),
            400,
            'bad.request',
          );
          expect(body.details.map((d) => d.fieldName)).toContain('limit');
        }
      }
      const defaulted = ok<ScanPage<NoteView>>(
        await kith.request('GET', `${ROOT}/scan/notes?divisionId=${division}`),
      );
      expect(defaulted.entities).toHaveLength(11);
      expect(defaulted.selfUri).toContain('limit=100');
      const first = ok<ScanPage<NoteView>>(
        await kith.request('GET', `${ROOT}/scan/notes?divisionId=${division}&limit=10`),
      );
      expect(first.entities).toHaveLength(10);
      const cursor = first.cursors?.after ?? '';
      for (const url of [
        `${ROOT}/scan/notes?limit=10&cursor=not-a-cursor`,
        `${ROOT}/scan/notes/divisionviews/all?limit=10&cursor=${cursor}`,
        `${ROOT}/scan/organizations?divisionId=${division}&limit=10&cursor=${cursor}`,
      ]) {
        const bad = expectGenesysError(await kith.request('GET', url), 400, 'bad.request');
        expect(bad.details.map((d) => d.fieldName)).toContain('cursor');
      }
      const last = ok<ScanPage<NoteView>>(
        await kith.request(
          'GET',
          `${ROOT}/scan/notes?divisionId=${division}&limit=10&cursor=${cursor}`,
        ),
      );
      expect(last.entities).toHaveLength(1);
      expect(last.cursors).toBeUndefined();
    });
  });

  describe(`note bulk and scan through the Genesys SDK (${dialect})`, () => {
    const kith = useTestKith(dialect);
    const signIn = sdkSignIn(kith);

    it('adds, fetches and scans notes', async () => {
      await signIn();
      const api = new platformClient.ExternalContactsApi();
      const division = await createDivision(kith, `Sdk ${dialect}`);
      const contact = await api.postExternalcontactsContacts({
        firstName: 'Sdk',
        division: { id: division },
      });
      const contactId = contact.id ?? '';
      const note = (noteText: string) =>
        ({ entityType: 'contact', entityId: contactId, noteText }) as platformClient.Models.Note;
      const added = await api.postExternalcontactsBulkNotesAdd({
        entities: [note('first'), note('second'), { ...note('bad'), entityType: 'account' }],
      });
      expect(added.errorIndexes).toEqual([2]);
      const ids = (added.results ?? []).slice(0, 2).map((r) => r.id ?? '');

      const fetched = await api.postExternalcontactsBulkNotes({
        entities: [{ id: ids[1] }, { id: MISSING_ID }, { id: ids[0] }],
      });
      expect(fetched.errorCount).toBe(1);
      expect(fetched.errorIndexes).toEqual([1]);
      expect(fetched.results?.map((r) => r.entity?.noteText)).toEqual([
        'second',
        undefined,
        'first',
      ]);
      expect(fetched.results?.[0]?.entity).toMatchObject({
        entityType: 'contact',
        entityId: contactId,
        division: { id: division },
      });

      const scanned = await api.getExternalcontactsScanNotes({ limit: 10, divisionId: division });
      expect(scanned.entities?.map((n) => n.id)).toEqual([...ids].sort());
      expect(scanned.cursors).toBeUndefined();
    });
  });
}
