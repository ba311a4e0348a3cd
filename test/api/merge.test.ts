import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import { insertContactOfType, postContact, type ContactView } from '../helpers/contacts.js';

const ROOT = '/api/v2/externalcontacts';
const MERGE = `${CONTACTS}/merge`;
const RESOLVE = `${ROOT}/identityresolution/interactions`;

type Merged = ContactView & {
  mergedFrom?: { id: string }[];
  mergedTo?: { id: string };
  mergeSet?: { id: string }[];
  canonicalContact?: { id: string };
  fieldSources?: Record<string, string | string[]>;
};

async function merge(
  kith: TestKith,
  contactIds: string[],
  extra: Record<string, unknown> = {},
): Promise<Merged> {
  return ok<Merged>(await kith.request('POST', MERGE, { body: { contactIds, ...extra } }));
}

async function get(kith: TestKith, id: string, suffix = ''): Promise<Merged> {
  return ok<Merged>(await kith.request('GET', `${CONTACTS}/${id}${suffix}`));
}

async function identifiersOf(kith: TestKith, id: string): Promise<string[]> {
  const listed = ok<
    { entities: { type: string; value: string }[] } | { type: string; value: string }[]
  >(await kith.request('GET', `${CONTACTS}/${id}/identifiers`));
  const entities = Array.isArray(listed) ? listed : listed.entities;
  return entities.map((i) => `${i.type}:${i.value}`).sort();
}

async function claim(kith: TestKith, id: string, type: string, value: string): Promise<void> {
  ok(
    await kith.request('PATCH', `${CONTACTS}/${id}/identifiers`, {
      body: { operation: 'Claim', identifier: { type, value } },
    }),
  );
}

async function searchIds(kith: TestKith, q: string): Promise<string[]> {
  return ok<{ entities: { id: string }[] }>(
    await kith.request('GET', `${CONTACTS}?q=${encodeURIComponent(q)}`),
  ).entities.map((e) => e.id);
}

/** A Genesys error of the status whose message says why. */
function refused(res: LightMyRequestResponse, status: number, why?: RegExp): void {
  const body = expectGenesysError(res, status);
  if (why !== undefined) expect(body.message).toMatch(why);
}

const ids = (refs: { id: string }[] | undefined) => (refs ?? []).map((r) => r.id).sort();
const later = () => new Promise((resolve) => setTimeout(resolve, 5));

for (const dialect of DIALECTS) {
  describe(`merge and unmerge (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('merges contacts of any type into a new Canonical contact the old ids answer with', async () => {
      const identified = await insertContactOfType(kith, 'Identified', {
        cellPhone: { e164: '+13175550180', userInput: '+13175550180', display: '+1 317-555-0180' },
      });
      await later();
      const curated = await postContact(kith, {
        firstName: 'Merle',
        lastName: 'Haggard',
        workEmail: 'merle@example.com',
      });
      await claim(kith, curated.id, 'Email', 'merle@example.com');
      const merged = await merge(kith, [identified, curated.id]);
      expect(merged.type).toBe('Canonical');
      expect(merged.id).not.toBe(identified);
      expect(merged.firstName).toBe('Merle');
      expect(merged).toMatchObject({
        cellPhone: { e164: '+13175550180' },
        workEmail: 'merle@example.com',
      });
      expect(ids(merged.mergedFrom)).toEqual([identified, curated.id].sort());
      expect(ids(merged.mergeSet)).toEqual([identified, curated.id, merged.id].sort());
      expect(merged.canonicalContact?.id).toBe(merged.id);

      // The old ids answer the merged contact; /unresolved the original as it was.
      expect((await get(kith, curated.id)).id).toBe(merged.id);
      const original = await get(kith, curated.id, '/unresolved');
      expect(original).toMatchObject({ id: curated.id, type: 'Curated', firstName: 'Merle' });
      expect(original.mergedTo?.id).toBe(merged.id);
      expect(original.canonicalContact?.id).toBe(merged.id);

      // Inputs leave search and list; their claims pass to the merged contact.
      expect(await searchIds(kith, 'haggard')).toEqual([merged.id]);
      expect(await searchIds(kith, 'merle@example.com')).toEqual([merged.id]);
      expect(await identifiersOf(kith, merged.id)).toEqual(['Email:merle@example.com']);
      const listing = ok<{ entities: { id: string }[] }>(
        await kith.request('GET', `${CONTACTS}?pageSize=100`),
      );
      expect(listing.entities.map((e) => e.id)).not.toContain(curated.id);
      expect(listing.entities.map((e) => e.id)).toContain(merged.id);

      // Identity resolution finds the merged contact by either input's identifiers.
      const call = ok<{ outcome: string; contact: { id: string } }>(
        await kith.request('POST', RESOLVE, {
          body: { channel: 'voice', identifiers: [{ type: 'Phone', value: '(317) 555-0180' }] },
        }),
      );
      expect(call).toMatchObject({ outcome: 'linked', contact: { id: merged.id } });

      // A merged-away contact cannot change: it is history.
      refused(
        await kith.request('PUT', `${CONTACTS}/${curated.id}`, { body: { firstName: 'X' } }),
        409,
        /merged into/,
      );
      refused(await kith.request('DELETE', `${CONTACTS}/${curated.id}`), 409, /merged into/);
    });

    it('takes each field from the override, else the most recently modified input; conflicting phones and emails move to free slots', async () => {
      const older = await postContact(kith, {
        firstName: 'Old',
        title: 'Engineer',
        workPhone: { display: '+13175550181' },
        workEmail: 'one@example.com',
        externalIds: [],
      });
      await later();
      const newer = await postContact(kith, {
        firstName: 'New',
        workPhone: { display: '+13175550182' },
        workEmail: 'two@example.com',
        customFields: undefined,
      });
      const merged = await merge(kith, [older.id, newer.id], {
        valueOverride: { lastName: 'Override' },
      });
      expect(merged).toMatchObject({
        firstName: 'New',
        lastName: 'Override',
        title: 'Engineer',
        workPhone: { e164: '+13175550182' },
        cellPhone: { e164: '+13175550181' },
        workEmail: 'two@example.com',
        personalEmail: 'one@example.com',
      });
    });

    it('previews a merge with dryRun, naming the source of every field, and changes nothing', async () => {
      const a = await postContact(kith, { firstName: 'Dry', workEmail: 'dry.a@example.com' });
      await later();
      const b = await postContact(kith, { lastName: 'Run', workEmail: 'dry.b@example.com' });
      const preview = await kith.request('POST', `${MERGE}?dryRun=true`, {
        body: { contactIds: [a.id, b.id], valueOverride: { title: 'Preview' } },
      });
      const body = ok<Merged>(preview);
      expect(body.type).toBe('Canonical');
      expect(body.fieldSources).toMatchObject({
        firstName: a.id,
        lastName: b.id,
        title: 'valueOverride',
        workEmail: b.id,
        personalEmail: a.id,
      });
      expect((await get(kith, a.id)).id).toBe(a.id);
      expect((await get(kith, a.id)).mergedTo).toBeUndefined();
      expect(await searchIds(kith, 'dry.a@example.com')).toEqual([a.id]);
      refused(await kith.request('GET', `${CONTACTS}/${body.id}`), 404);
    });

    it('refuses bad merges with a message that says why', async () => {
      const a = await postContact(kith, { firstName: 'Refused' });
      const b = await postContact(kith, { firstName: 'Refused' });
      const division = await createDivision(kith, `merge-elsewhere-${dialect}`);
      const elsewhere = await postContact(kith, { firstName: 'Other', division: { id: division } });
      refused(await kith.request('POST', MERGE, { body: { contactIds: [a.id] } }), 400, /2 to 25/);
      refused(
        await kith.request('POST', MERGE, {
          body: { contactIds: Array.from({ length: 26 }, (_, k) => `${a.id.slice(0, -2)}${k}`) },
        }),
        400,
        /2 to 25/,
      );
      refused(
        await kith.request('POST', MERGE, { body: { contactIds: [a.id, a.id] } }),
        400,
        /twice/,
      );
      refused(
        await kith.request('POST', MERGE, { body: { contactIds: [a.id, elsewhere.id] } }),
        400,
        /different divisions.*one division/,
      );
      refused(
        await kith.request('POST', MERGE, {
          body: { contactIds: [a.id, '00000000-0000-7000-8000-000000000000'] },
        }),
        404,
      );
      const merged = await merge(kith, [a.id, b.id]);
      const c = await postContact(kith, { firstName: 'Late' });
      refused(
        await kith.request('POST', MERGE, { body: { contactIds: [a.id, c.id] } }),
        400,
        new RegExp(`merged into ${merged.id}`),
      );
      const viewer = await kith.principal(['externalContacts:contact:view'], ['*']);
      refused(
        await kith.request('POST', MERGE, {
          body: { contactIds: [merged.id, c.id] },
          token: viewer.token,
        }),
        403,
      );
    });

    it('holds at most 52 contacts in a merge set', async () => {
      const batch = async () =>
        Promise.all(
          Array.from({ length: 25 }, (_, k) =>
            insertContactOfType(kith, 'Identified', { firstName: `Set${k}` }),
          ),
        );
      const first = await merge(kith, await batch());
      const second = await merge(kith, await batch());
      expect(first.mergeSet).toHaveLength(26);
      refused(
        await kith.request('POST', MERGE, { body: { contactIds: [first.id, second.id] } }),
        400,
        /53 contacts.*at most 52/,
      );
    });

    it('unites notes and interactions through expand=mergeset and includeMerged', async () => {
      const a = await postContact(kith, {
        firstName: 'Noted',
        cellPhone: { display: '+13175550183' },
      });
      const b = await postContact(kith, { firstName: 'Noted', workEmail: 'noted@example.com' });
      ok(await kith.request('POST', `${CONTACTS}/${a.id}/notes`, { body: { noteText: 'from a' } }));
      ok(
        await kith.request('POST', RESOLVE, {
          body: { channel: 'email', identifiers: [{ type: 'Email', value: 'noted@example.com' }] },
        }),
      );
      const merged = await merge(kith, [a.id, b.id]);
      const own0 = ok<{ entities: unknown[] }>(
        await kith.request('GET', `${CONTACTS}/${merged.id}/notes`),
      );
      expect(own0.entities).toEqual([]);
      const all = ok<{ entities: { noteText: string }[] }>(
        await kith.request('GET', `${CONTACTS}/${merged.id}/notes?expand=mergeset`),
      );
      expect(all.entities.map((n) => n.noteText)).toEqual(['from a']);
      const own = ok<{ entities: unknown[] }>(
        await kith.request('GET', `${CONTACTS}/${merged.id}/interactions`),
      );
      expect(own.entities).toHaveLength(0);
      const united = ok<{ entities: { channel: string }[] }>(
        await kith.request('GET', `${CONTACTS}/${merged.id}/interactions?includeMerged=true`),
      );
      expect(united.entities.map((i) => i.channel)).toEqual(['email']);
    });

    it('unmerges: every input comes back exactly as it was, claims included, and the merged contact goes', async () => {
      const a = await postContact(kith, {
        firstName: 'Undo',
        lastName: 'Able',
        cellPhone: { display: '+13175550184' },
        workEmail: 'undo@example.com',
      });
      await claim(kith, a.id, 'Phone', '+13175550184');
      const b = await insertContactOfType(kith, 'Ephemeral', {
        twitterId: { screenName: 'undoable' },
      });
      await claim(kith, b, 'Cookie', 'cookie-undo');
      const before = await Promise.all([a.id, b].map((id) => get(kith, id, '/unresolved')));
      const claimsBefore = await Promise.all([a.id, b].map((id) => identifiersOf(kith, id)));
      const merged = await merge(kith, [a.id, b]);
      const restored = ok<{ entities: ContactView[] }>(
        await kith.request('POST', `${CONTACTS}/${merged.id}/unmerge`),
      );
      expect(restored.entities.map((e) => e.id)).toEqual([a.id, b]);
      expect(await Promise.all([a.id, b].map((id) => get(kith, id, '/unresolved')))).toEqual(
        before,
      );
      expect(await Promise.all([a.id, b].map((id) => identifiersOf(kith, id)))).toEqual(
        claimsBefore,
      );
      refused(await kith.request('GET', `${CONTACTS}/${merged.id}`), 404);
      expect(await searchIds(kith, 'undo@example.com')).toEqual([a.id]);
      const events = await kith.database.db
        .selectFrom('events')
        .select(['kind', 'entity_id'])
        .where('kind', 'in', ['merged', 'unmerged'])
        .where('entity_id', 'in', [a.id, b, merged.id])
        .execute();
      expect(events.map((e) => `${e.kind}:${e.entity_id}`).sort()).toEqual(
        [
          `merged:${a.id}`,
          `merged:${b}`,
          `merged:${merged.id}`,
          `unmerged:${a.id}`,
          `unmerged:${b}`,
          `unmerged:${merged.id}`,
        ].sort(),
      );
      refused(
        await kith.request('POST', `${CONTACTS}/${a.id}/unmerge`),
        400,
        /not made by a merge/,
      );
    });

    it('refuses to unmerge over later changes, listing them, unless told to discard them', async () => {
      const a = await postContact(kith, { firstName: 'Edited' });
      const b = await postContact(kith, { firstName: 'Edited', lastName: 'Later' });
      const merged = await merge(kith, [a.id, b.id]);
      ok(
        await kith.request('PUT', `${CONTACTS}/${merged.id}`, {
          body: { firstName: 'Changed', lastName: 'Later' },
        }),
      );
      await claim(kith, merged.id, 'Cookie', 'cookie-after-merge');
      const answer = await kith.request('POST', `${CONTACTS}/${merged.id}/unmerge`);
      refused(
        answer,
        409,
        /firstName edited.*Cookie cookie-after-merge claimed.*discardChanges=true/,
      );
      ok(await kith.request('POST', `${CONTACTS}/${merged.id}/unmerge?discardChanges=true`));
      expect((await get(kith, a.id)).firstName).toBe('Edited');
      expect(await identifiersOf(kith, a.id)).toEqual([]);
      expect(await identifiersOf(kith, b.id)).toEqual([]);
    });

    it('unmerges nested merges one level at a time', async () => {
      const [a, b, c] = await Promise.all(
        ['One', 'Two', 'Three'].map((n) => postContact(kith, { firstName: `Nested${n}` })),
      );
      const inner = await merge(kith, [(a as ContactView).id, (b as ContactView).id]);
      const outer = await merge(kith, [inner.id, (c as ContactView).id]);
      expect(ids(outer.mergeSet)).toHaveLength(5);
      expect((await get(kith, (a as ContactView).id)).id).toBe(outer.id);
      refused(
        await kith.request('POST', `${CONTACTS}/${inner.id}/unmerge`),
        409,
        /unmerge .* first/,
      );
      ok(await kith.request('POST', `${CONTACTS}/${outer.id}/unmerge`));
      expect((await get(kith, (a as ContactView).id)).id).toBe(inner.id);
      ok(await kith.request('POST', `${CONTACTS}/${inner.id}/unmerge`));
      expect((await get(kith, (a as ContactView).id)).id).toBe((a as ContactView).id);
    });

    it('keeps the deprecated /merge/contacts rules: a Curated or Canonical target, never two Curated', async () => {
      const DEPRECATED = `${ROOT}/merge/contacts`;
      const curated = await postContact(kith, { firstName: 'Target', title: 'Kept' });
      const other = await postContact(kith, { firstName: 'Other' });
      const identified = await insertContactOfType(kith, 'Identified', {
        firstName: 'Source',
        title: 'Lost',
      });
      refused(
        await kith.request('POST', DEPRECATED, {
          body: { sourceContactId: curated.id, targetContactId: identified },
        }),
        400,
        /target .* must be a Curated or Canonical contact/,
      );
      refused(
        await kith.request('POST', DEPRECATED, {
          body: { sourceContactId: other.id, targetContactId: curated.id },
        }),
        400,
        /Two Curated contacts cannot be merged/,
      );
      const merged = ok<Merged>(
        await kith.request('POST', DEPRECATED, {
          body: { sourceContactId: identified, targetContactId: curated.id },
        }),
      );
      expect(merged).toMatchObject({ type: 'Canonical', firstName: 'Target', title: 'Kept' });
      expect(ids(merged.mergedFrom)).toEqual([curated.id, identified].sort());
    });

    it('lets only one of simultaneous merges of the same contacts happen', async () => {
      const a = await postContact(kith, { firstName: 'Race', lastName: 'One' });
      const b = await postContact(kith, { firstName: 'Race', lastName: 'Two' });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          kith.request('POST', MERGE, { body: { contactIds: [a.id, b.id] } }),
        ),
      );
      const merged = answers.filter((r) => r.statusCode === 200);
      expect(merged).toHaveLength(1);
      for (const refusedAnswer of answers.filter((r) => r.statusCode !== 200))
        expect([400, 409]).toContain(refusedAnswer.statusCode);
      const winner = merged[0]?.json<Merged>();
      expect((await get(kith, a.id)).id).toBe(winner?.id);
      expect((await get(kith, b.id)).id).toBe(winner?.id);
      const unmerges = await Promise.all(
        Array.from({ length: 5 }, () =>
          kith.request('POST', `${CONTACTS}/${winner?.id as string}/unmerge`),
        ),
      );
      expect(unmerges.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect((await get(kith, a.id)).id).toBe(a.id);
    });

    it('round-trips any contacts through merge and unmerge (property)', async () => {
      const text = fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((s) => s.trim() === s && s.trim() !== '');
      const fields = fc.record(
        {
          firstName: text,
          lastName: text,
          title: text,
          workEmail: fc.emailAddress(),
          personalEmail: fc.emailAddress(),
          cellPhone: fc
            .integer({ min: 2000000, max: 9999999 })
            .map((n) => ({ display: `+1317${n}` })),
          surveyOptOut: fc.boolean(),
        },
        { requiredKeys: [] },
      );
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fields, { minLength: 2, maxLength: 4 }), async (inputs) => {
          round += 1;
          const created: string[] = [];
          for (const [k, body] of inputs.entries()) {
            const contact = ok<ContactView>(await kith.request('POST', CONTACTS, { body }));
            if (k === 0) await claim(kith, contact.id, 'Cookie', `prop-${dialect}-${round}`);
            created.push(contact.id);
          }
          const before = await Promise.all(created.map((id) => get(kith, id, '/unresolved')));
          const claimsBefore = await Promise.all(created.map((id) => identifiersOf(kith, id)));
          const merged = await merge(kith, created);
          ok(await kith.request('POST', `${CONTACTS}/${merged.id}/unmerge`));
          expect(await Promise.all(created.map((id) => get(kith, id, '/unresolved')))).toEqual(
            before,
          );
          expect(await Promise.all(created.map((id) => identifiersOf(kith, id)))).toEqual(
            claimsBefore,
          );
        }),
        { numRuns: 12 },
      );
    });
  });
}
