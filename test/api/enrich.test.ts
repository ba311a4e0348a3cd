import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import {
  insertContactOfType,
  postContact,
  postExternalSource,
  type ContactView,
} from '../helpers/contacts.js';

const ENRICH = `${CONTACTS}/enrich`;
const BULK_ENRICH = '/api/v2/externalcontacts/bulk/contacts/enrich';

let counter = 0;
/** A phone no other test uses. */
function freshPhone(): string {
  counter += 1;
  return `+1317555${String(2000 + counter).padStart(4, '0')}`;
}

async function enrich(kith: TestKith, body: Record<string, unknown>, query = '') {
  return kith.request('POST', `${ENRICH}${query}`, { body });
}

async function identifiersOf(kith: TestKith, id: string): Promise<string[]> {
  const listed = ok<{ entities: { type: string; value: string }[] }>(
    await kith.request('GET', `${CONTACTS}/${id}/identifiers`),
  );
  return listed.entities.map((i) => `${i.type}:${i.value}`).sort();
}

for (const dialect of DIALECTS) {
  describe(`enrich (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('upserts: makes a Curated contact that claims the identifiers (201), then changes it (200)', async () => {
      const phone = freshPhone();
      const first = await enrich(kith, {
        action: 'Upsert',
        matchingIdentifiers: [{ type: 'Phone', value: phone }],
        contact: { firstName: 'Enid', cellPhone: { display: phone } },
      });
      expect(first.statusCode).toBe(201);
      const made = first.json<ContactView>();
      expect(made).toMatchObject({
        type: 'Curated',
        firstName: 'Enid',
        cellPhone: { e164: phone },
      });
      expect(await identifiersOf(kith, made.id)).toEqual([`Phone:${phone}`]);
      const second = await enrich(kith, {
        action: 'Upsert',
        matchingIdentifiers: [{ type: 'Phone', value: phone }],
        contact: { lastName: 'Blyton', title: 'Author' },
      });
      expect(second.statusCode).toBe(200);
      expect(second.json<ContactView>()).toMatchObject({
        id: made.id,
        firstName: 'Enid',
        lastName: 'Blyton',
        title: 'Author',
        cellPhone: { e164: phone },
      });
    });

    it('keeps Insert for new contacts and Update for existing ones, saying why', async () => {
      const phone = freshPhone();
      const existing = await postContact(kith, {
        firstName: 'Held',
        homePhone: { display: phone },
      });
      const inserted = await enrich(kith, {
        action: 'Insert',
        matchingIdentifiers: [{ type: 'Phone', value: phone }],
        contact: { firstName: 'Twice' },
      });
      expect(expectGenesysError(inserted, 409).message).toContain(existing.id);
      const updated = await enrich(kith, {
        action: 'Update',
        matchingIdentifiers: [{ type: 'Phone', value: freshPhone() }],
        contact: { firstName: 'Nobody' },
      });
      expect(expectGenesysError(updated, 404).message).toMatch(/No contact matches/);
      const twin = await postContact(kith, { firstName: 'Twin', homePhone: { display: phone } });
      const ambiguous = await enrich(kith, {
        action: 'Upsert',
        matchingIdentifiers: [{ type: 'Phone', value: phone }],
      });
      expect(expectGenesysError(ambiguous, 409).message).toMatch(/2 contacts match.*Merge/);
      expect(ambiguous.json<{ message: string }>().message).toContain(twin.id);
      for (const [body, field] of [
        [{ action: 'Smash', matchingIdentifiers: [{ type: 'Phone', value: phone }] }, 'action'],
        [{ action: 'Upsert', matchingIdentifiers: [] }, 'matchingIdentifiers'],
        [
          {
            action: 'Upsert',
            matchingIdentifiers: [{ type: 'Phone', value: phone }],
            fieldRules: { rules: [{ field: '$.nickname', action: 'PreferExisting' }] },
          },
          'fieldRules.rules[0].field',
        ],
        [
          {
            action: 'Upsert',
            matchingIdentifiers: [{ type: 'Phone', value: phone }],
            fieldRules: { defaultAction: 'Sometimes' },
          },
          'fieldRules.defaultAction',
        ],
      ] as const) {
        const refused = expectGenesysError(await enrich(kith, body), 400);
        expect(refused.details.map((d) => d.fieldName)).toContain(field);
      }
    });

    it('combines fields by the field rules: prefer provided, prefer existing, always provided; Replace, Extend, Fill', async () => {
      const source = await postExternalSource(kith, `Enrich CRM ${dialect}`);
      const email = `rules.${dialect}@example.com`;
      const existing = await postContact(kith, {
        firstName: 'Old',
        title: 'Kept',
        salutation: 'Dr',
        workEmail: email,
        externalIds: [{ externalSource: { id: source }, value: 'crm-1' }],
        appleOpaqueIds: [{ value: 'apple-1' }],
      });
      const answer = ok<ContactView>(
        await enrich(kith, {
          action: 'Update',
          matchingIdentifiers: [{ type: 'Email', value: email.toUpperCase() }],
          contact: {
            firstName: 'New',
            title: 'Replaced?',
            externalIds: [{ externalSource: { id: source }, value: 'crm-2' }],
            appleOpaqueIds: [{ value: 'apple-2' }],
          },
          fieldRules: {
            defaultAction: 'PreferProvided',
            defaultArrayAction: 'Fill',
            rules: [
              { field: '$.title', action: 'PreferExisting' },
              { field: 'salutation', action: 'AlwaysUseProvided' },
              { field: '$.externalIds', arrayAction: 'Extend' },
            ],
          },
        }),
      );
      expect(answer.id).toBe(existing.id);
      expect(answer).toMatchObject({ firstName: 'New', title: 'Kept', workEmail: email });
      expect(answer.salutation).toBeUndefined();
      expect((answer.externalIds as { value: string }[]).map((e) => e.value)).toEqual([
        'crm-1',
        'crm-2',
      ]);
      expect(answer.appleOpaqueIds).toEqual([{ value: 'apple-1' }]);
      const replaced = ok<ContactView>(
        await enrich(kith, {
          action: 'Update',
          id: existing.id,
          contact: { appleOpaqueIds: [{ value: 'apple-3' }] },
          fieldRules: { defaultArrayAction: 'Replace' },
        }),
      );
      expect(replaced.appleOpaqueIds).toEqual([{ value: 'apple-3' }]);
    });

    it('looks the identifiers up in order, and promotes only when asked', async () => {
      const phone = freshPhone();
      const email = `order.${dialect}@example.com`;
      const byEmail = await insertContactOfType(kith, 'Identified', { workEmail: email });
      const byPhone = await insertContactOfType(kith, 'Identified', {
        cellPhone: { e164: phone, userInput: phone, display: phone },
      });
      const first = ok<ContactView>(
        await enrich(kith, {
          action: 'Update',
          matchingIdentifiers: [
            { type: 'Phone', value: phone },
            { type: 'Email', value: email },
          ],
          contact: { firstName: 'Found' },
        }),
      );
      expect(first).toMatchObject({ id: byPhone, type: 'Identified' });
      const promoted = ok<ContactView>(
        await enrich(kith, {
          action: 'Update',
          matchingIdentifiers: [
            { type: 'Cookie', value: `no-such-cookie-${dialect}` },
            { type: 'Email', value: email },
          ],
          options: { promote: true },
        }),
      );
      expect(promoted).toMatchObject({ id: byEmail, type: 'Curated' });
    });

    it('merges several matches with action Merge, then enriches the merged contact', async () => {
      const phone = freshPhone();
      const a = await postContact(kith, { firstName: 'Half', homePhone: { display: phone } });
      const b = await postContact(kith, { lastName: 'Other', workPhone: { display: phone } });
      const merged = await enrich(kith, {
        action: 'Merge',
        matchingIdentifiers: [{ type: 'Phone', value: phone }],
        contact: { title: 'Whole' },
      });
      expect(merged.statusCode).toBe(200);
      const view = merged.json<ContactView & { mergedFrom: { id: string }[] }>();
      expect(view).toMatchObject({
        type: 'Canonical',
        firstName: 'Half',
        lastName: 'Other',
        title: 'Whole',
      });
      expect(ok<ContactView>(await kith.request('GET', `${CONTACTS}/${a.id}`)).id).toBe(view.id);
      expect(ok<ContactView>(await kith.request('GET', `${CONTACTS}/${b.id}`)).id).toBe(view.id);
    });

    it('previews with dryRun: the same answer and status, nothing written', async () => {
      const phone = freshPhone();
      const preview = await enrich(
        kith,
        {
          action: 'Upsert',
          matchingIdentifiers: [{ type: 'Phone', value: phone }],
          contact: { firstName: 'Maybe' },
        },
        '?dryRun=true',
      );
      expect(preview.statusCode).toBe(201);
      expect(preview.json<ContactView>().firstName).toBe('Maybe');
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/${preview.json<ContactView>().id}`),
        404,
      );
      expectGenesysError(
        await kith.request('POST', '/api/v2/externalcontacts/identifierlookup/contacts', {
          body: { type: 'Phone', value: phone },
        }),
        404,
      );
    });

    it('runs up to 10 enrich operations in bulk, each on its own', async () => {
      const phone = freshPhone();
      const answer = ok<{
        results: { success: boolean; status: number; entity?: ContactView }[];
        errorCount: number;
        errorIndexes: number[];
      }>(
        await kith.request('POST', BULK_ENRICH, {
          body: {
            entities: [
              {
                action: 'Upsert',
                matchingIdentifiers: [{ type: 'Phone', value: phone }],
                contact: { firstName: 'Bulk' },
              },
              { action: 'Update', matchingIdentifiers: [{ type: 'Phone', value: freshPhone() }] },
              {
                action: 'Upsert',
                matchingIdentifiers: [{ type: 'Phone', value: phone }],
                contact: { lastName: 'Second' },
              },
            ],
          },
        }),
      );
      expect(answer.results.map((r) => [r.success, r.status])).toEqual([
        [true, 201],
        [false, 404],
        [true, 200],
      ]);
      expect(answer).toMatchObject({ errorCount: 1, errorIndexes: [1] });
      expect(answer.results[2]?.entity).toMatchObject({ firstName: 'Bulk', lastName: 'Second' });
      const tooMany = await kith.request('POST', BULK_ENRICH, {
        body: {
          entities: Array.from({ length: 11 }, () => ({
            action: 'Upsert',
            matchingIdentifiers: [{ type: 'Phone', value: phone }],
          })),
        },
      });
      expect(expectGenesysError(tooMany, 400).message).toMatch(/at most 10/);
    });

    it('enriches external organizations by their external ids, alone and in bulk', async () => {
      const source = await postExternalSource(kith, `Org enrich CRM ${dialect}`);
      const ORG_ENRICH = '/api/v2/externalcontacts/organizations/enrich';
      const externalId = {
        type: 'ExternalId',
        value: `acct-${dialect}`,
        externalSource: { id: source },
      };
      const made = await kith.request('POST', ORG_ENRICH, {
        body: {
          action: 'Upsert',
          matchingIdentifiers: [externalId],
          externalOrganization: { name: 'Acme', industry: 'Anvils' },
        },
      });
      expect(made.statusCode).toBe(201);
      const acme = made.json<{ id: string; name: string }>();
      const changed = ok<{ id: string; name: string; industry: string; companyType?: string }>(
        await kith.request('POST', ORG_ENRICH, {
          body: {
            action: 'Update',
            matchingIdentifiers: [externalId],
            externalOrganization: { industry: 'Rockets', companyType: 'Supplier' },
            fieldRules: { rules: [{ field: '$.industry', action: 'PreferExisting' }] },
          },
        }),
      );
      expect(changed).toMatchObject({
        id: acme.id,
        name: 'Acme',
        industry: 'Anvils',
        companyType: 'Supplier',
      });
      const byPhone = await kith.request('POST', ORG_ENRICH, {
        body: { action: 'Upsert', matchingIdentifiers: [{ type: 'Phone', value: freshPhone() }] },
      });
      expect(expectGenesysError(byPhone, 400).message).toMatch(/ExternalId identifiers only/);
      const bulk = ok<{ results: { success: boolean; status: number }[]; errorIndexes: number[] }>(
        await kith.request('POST', '/api/v2/externalcontacts/bulk/organizations/enrich', {
          body: {
            entities: [
              {
                action: 'Insert',
                matchingIdentifiers: [externalId],
                externalOrganization: { name: 'Again' },
              },
              {
                action: 'Upsert',
                matchingIdentifiers: [{ ...externalId, value: `other-${dialect}` }],
                externalOrganization: { name: 'Beta' },
              },
            ],
          },
        }),
      );
      expect(bulk.results.map((r) => [r.success, r.status])).toEqual([
        [false, 409],
        [true, 201],
      ]);
    });

    it('needs enrich permission on the contact division', async () => {
      const viewer = await kith.principal(['externalContacts:contact:view'], ['*']);
      const refused = await kith.request('POST', ENRICH, {
        token: viewer.token,
        body: { action: 'Upsert', matchingIdentifiers: [{ type: 'Phone', value: freshPhone() }] },
      });
      expectGenesysError(refused, 403);
    });
  });
}
