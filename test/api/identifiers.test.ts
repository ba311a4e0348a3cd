import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import {
  DEPRECATED_LOOKUP,
  IDENTIFIER_LOOKUP,
  REVERSE_LOOKUP,
  expectSearch,
  postContact,
  postExternalSource,
  type ContactView,
} from '../helpers/contacts.js';

interface IdentifierView {
  type: string;
  value: string;
  division: { id: string };
  dateCreated: string;
  externalSource?: { id: string; selfUri: string };
}

interface Identifier {
  type: string;
  value: string;
  externalSource?: { id: string };
}

function claim(
  kith: TestKith,
  contactId: string,
  identifier: Identifier,
  operation: 'Claim' | 'Release' = 'Claim',
): Promise<LightMyRequestResponse> {
  return kith.request('PATCH', `${CONTACTS}/${contactId}/identifiers`, {
    body: { operation, identifier },
  });
}

function lookup(
  kith: TestKith,
  identifier: Identifier,
  path = IDENTIFIER_LOOKUP,
): Promise<LightMyRequestResponse> {
  return kith.request('POST', path, { body: identifier });
}

async function reverse(kith: TestKith, lookupVal: string): Promise<ContactView[]> {
  return ok<{ contacts: ContactView[] }>(
    await kith.request('GET', `${REVERSE_LOOKUP}?lookupVal=${encodeURIComponent(lookupVal)}`),
  ).contacts;
}

for (const dialect of DIALECTS) {
  describe(`identifier claims (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;
    let sourceId: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      sourceId = await postExternalSource(kith, 'Claims CRM');
    });

    it('claims a phone in E.164 form, normalized, in the contact division', async () => {
      const contact = await postContact(kith, { firstName: 'Claimer', division: { id: sales } });
      const claimed = ok<IdentifierView>(
        await claim(kith, contact.id, { type: 'Phone', value: '+1 (317) 555-0100' }),
      );
      expect(claimed).toMatchObject({
        type: 'Phone',
        value: '+13175550100',
        division: { id: sales },
      });
      expect(Date.parse(claimed.dateCreated)).not.toBeNaN();
      // Claiming it again is a no-op.
      expect(
        ok<IdentifierView>(await claim(kith, contact.id, { type: 'Phone', value: '+13175550100' })),
      ).toEqual(claimed);
    });

    it('answers 409 naming the holder when another contact of the division claims it', async () => {
      const holder = await postContact(kith, { firstName: 'Holder', division: { id: sales } });
      const rival = await postContact(kith, { firstName: 'Rival', division: { id: sales } });
      ok(await claim(kith, holder.id, { type: 'Phone', value: '+13175550101' }));
      const error = expectGenesysError(
        await claim(kith, rival.id, { type: 'Phone', value: '+1 317 555 0101' }),
        409,
        'conflict',
      );
      expect(error.message).toContain(holder.id);
    });

    it('lets a contact of another division claim the same identifier', async () => {
      const inSales = await postContact(kith, { firstName: 'S', division: { id: sales } });
      const inSupport = await postContact(kith, { firstName: 'T', division: { id: support } });
      const unassigned = await postContact(kith, { firstName: 'U' });
      ok(await claim(kith, inSales.id, { type: 'Email', value: 'shared@example.com' }));
      expect(
        ok<IdentifierView>(
          await claim(kith, inSupport.id, { type: 'Email', value: 'Shared@Example.com' }),
        ),
      ).toMatchObject({ value: 'shared@example.com', division: { id: support } });
      expect(
        ok<IdentifierView>(
          await claim(kith, unassigned.id, { type: 'Email', value: 'shared@example.com' }),
        ).division.id,
      ).toBe('*');
    });

    it('treats unassigned contacts as one division for claims', async () => {
      const first = await postContact(kith, { firstName: 'U1' });
      const second = await postContact(kith, { firstName: 'U2' });
      ok(await claim(kith, first.id, { type: 'Cookie', value: 'cookie-unassigned' }));
      expect(
        expectGenesysError(
          await claim(kith, second.id, { type: 'Cookie', value: 'cookie-unassigned' }),
          409,
        ).message,
      ).toContain(first.id);
    });

    it('lets the other contact claim an identifier once its holder released it', async () => {
      const holder = await postContact(kith, { firstName: 'Old', division: { id: sales } });
      const next = await postContact(kith, { firstName: 'New', division: { id: sales } });
      const identifier = { type: 'Phone', value: '+13175550102' };
      ok(await claim(kith, holder.id, identifier));
      expectGenesysError(await claim(kith, next.id, identifier), 409);
      expect(ok<IdentifierView>(await claim(kith, holder.id, identifier, 'Release'))).toMatchObject(
        { type: 'Phone', value: '+13175550102' },
      );
      expect(ok<IdentifierView>(await claim(kith, next.id, identifier)).value).toBe('+13175550102');
      expect(
        ok<{ entities: IdentifierView[] }>(
          await kith.request('GET', `${CONTACTS}/${holder.id}/identifiers`),
        ).entities,
      ).toEqual([]);
    });

    it('answers 404 to the release of an identifier the contact does not claim', async () => {
      const contact = await postContact(kith, { firstName: 'Nothing' });
      expectGenesysError(
        await claim(kith, contact.id, { type: 'Cookie', value: 'never-claimed' }, 'Release'),
        404,
      );
    });

    it('lists the identifiers of a contact and expands them on GET', async () => {
      const contact = await postContact(kith, { firstName: 'Many', division: { id: sales } });
      ok(await claim(kith, contact.id, { type: 'Phone', value: '+13175550103' }));
      ok(await claim(kith, contact.id, { type: 'Email', value: 'many@example.com' }));
      ok(
        await claim(kith, contact.id, {
          type: 'ExternalId',
          value: 'crm-42',
          externalSource: { id: sourceId },
        }),
      );
      const listed = ok<{ entities: IdentifierView[] }>(
        await kith.request('GET', `${CONTACTS}/${contact.id}/identifiers`),
      ).entities;
      expect(listed.map((i) => `${i.type}:${i.value}`).sort()).toEqual(
        ['Email:many@example.com', 'ExternalId:crm-42', 'Phone:+13175550103'].sort(),
      );
      expect(listed.find((i) => i.type === 'ExternalId')?.externalSource?.id).toBe(sourceId);
      for (const i of listed) expect(i.division.id).toBe(sales);

      const expanded = ok<ContactView>(
        await kith.request('GET', `${CONTACTS}/${contact.id}?expand=identifiers`),
      );
      expect(expanded.identifiers?.map((i) => i.value).sort()).toEqual(
        ['+13175550103', 'crm-42', 'many@example.com'].sort(),
      );
      const plain = ok<ContactView>(await kith.request('GET', `${CONTACTS}/${contact.id}`));
      expect(plain.identifiers).toBeUndefined();
    });

    it('answers 400 for a malformed identifier', async () => {
      const contact = await postContact(kith, { firstName: 'Strict' });
      for (const identifier of [
        { type: 'Phone', value: '3175550104' },
        { type: 'Phone', value: '(317) 555-0104' },
        { type: 'Email', value: 'not-an-email' },
        { type: 'Fax', value: '+13175550104' },
        { type: 'ExternalId', value: 'crm-1' },
        {
          type: 'ExternalId',
          value: 'crm-1',
          externalSource: { id: '01a00000-0000-7000-8000-0000000000ff' },
        },
        { type: 'Cookie', value: 'c'.repeat(256) },
      ]) {
        expectGenesysError(await claim(kith, contact.id, identifier), 400);
      }
      expectGenesysError(
        await kith.request('PATCH', `${CONTACTS}/${contact.id}/identifiers`, {
          body: { operation: 'Steal', identifier: { type: 'Cookie', value: 'c' } },
        }),
        400,
      );
    });

    it('grants one of several concurrent claims of one identifier and refuses the rest with 409', async () => {
      const contacts = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          postContact(kith, { firstName: `Racer ${n}`, division: { id: sales } }),
        ),
      );
      const answers = await Promise.all(
        contacts.map((c) => claim(kith, c.id, { type: 'Phone', value: '+13175550105' })),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409, 409]);
    });
  });

  describe(`identifier lookup (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sourceId: string;

    beforeAll(async () => {
      sourceId = await postExternalSource(kith, 'Lookup CRM');
    });

    for (const [name, path] of [
      ['identifierlookup/contacts', IDENTIFIER_LOOKUP],
      ['identifierlookup (deprecated)', DEPRECATED_LOOKUP],
    ] as const) {
      it(`${name}: answers the claimant before any contact-point match`, async () => {
        const phone = path === IDENTIFIER_LOOKUP ? '+13175550201' : '+13175550202';
        await postContact(kith, { firstName: 'Has it', workPhone: { display: phone } });
        await postContact(kith, { firstName: 'Also has it', cellPhone: { display: phone } });
        const claimant = await postContact(kith, { firstName: 'Claims it' });
        // Two contact points and no claim: no single answer.
        expectGenesysError(await lookup(kith, { type: 'Phone', value: phone }, path), 404);
        ok(await claim(kith, claimant.id, { type: 'Phone', value: phone }));
        expect(ok<ContactView>(await lookup(kith, { type: 'Phone', value: phone }, path)).id).toBe(
          claimant.id,
        );
      });

      it(`${name}: answers the single contact whose contact point matches`, async () => {
        const email = `single-${path.length}@example.com`;
        const contact = await postContact(kith, { firstName: 'Single', personalEmail: email });
        expect(
          ok<ContactView>(await lookup(kith, { type: 'Email', value: email.toUpperCase() }, path))
            .id,
        ).toBe(contact.id);
      });

      it(`${name}: answers 404 when no contact matches`, async () => {
        expectGenesysError(
          await lookup(kith, { type: 'Email', value: `nobody-${path.length}@example.com` }, path),
          404,
          'not.found',
        );
      });

      it(`${name}: answers 400 for a phone that is not E.164`, async () => {
        const error = expectGenesysError(
          await lookup(kith, { type: 'Phone', value: '317-555-0201' }, path),
          400,
        );
        expect(error.message).toMatch(/E\.164/);
      });
    }

    it('finds contacts by every kind of contact point', async () => {
      const contact = await postContact(kith, {
        firstName: 'Everywhere',
        workPhone: { display: '(317) 555-0210' },
        otherEmail: 'everywhere@example.com',
        twitterId: { id: 'tw-210', screenName: 'everywhere210' },
        lineId: { ids: [{ userId: 'line-210' }] },
        facebookId: { ids: [{ scopedId: 'fb-210' }] },
        instagramId: { ids: [{ scopedId: 'ig-210' }] },
        whatsAppId: { phoneNumber: { display: '+1 317 555 0211' } },
        appleOpaqueIds: [{ value: 'apple-210' }],
        externalIds: [{ externalSource: { id: sourceId }, value: 'crm-210' }],
      });
      for (const identifier of [
        { type: 'Phone', value: '+1 317 555 0210' },
        { type: 'Email', value: 'everywhere@example.com' },
        { type: 'SocialTwitter', value: 'tw-210' },
        { type: 'SocialLine', value: 'line-210' },
        { type: 'SocialFacebook', value: 'fb-210' },
        { type: 'SocialInstagram', value: 'ig-210' },
        { type: 'SocialWhatsapp', value: '+13175550211' },
        { type: 'AppleOpaqueId', value: 'apple-210' },
        { type: 'ExternalId', value: 'crm-210', externalSource: { id: sourceId } },
      ]) {
        expect(ok<ContactView>(await lookup(kith, identifier)).id, identifier.type).toBe(
          contact.id,
        );
      }
    });

    it('finds a household sharing a phone by search, and neither by lookup', async () => {
      const one = await postContact(kith, {
        firstName: 'Parent',
        homePhone: { display: '317-555-0220' },
      });
      const two = await postContact(kith, {
        firstName: 'Child',
        homePhone: { display: '+13175550220' },
      });
      await expectSearch(kith, `q=${encodeURIComponent('+1 317 555 0220')}`, [one.id, two.id]);
      expectGenesysError(await lookup(kith, { type: 'Phone', value: '+13175550220' }), 404);
    });

    it('stops finding a contact by its old phone once the phone changed', async () => {
      const contact = await postContact(kith, {
        firstName: 'Mover',
        workPhone: { display: '+13175550230' },
      });
      expect(ok<ContactView>(await lookup(kith, { type: 'Phone', value: '+13175550230' })).id).toBe(
        contact.id,
      );
      ok(
        await kith.request('PUT', `${CONTACTS}/${contact.id}`, {
          body: { firstName: 'Mover', workPhone: { display: '+13175550231' } },
        }),
      );
      expectGenesysError(await lookup(kith, { type: 'Phone', value: '+13175550230' }), 404);
      expect(ok<ContactView>(await lookup(kith, { type: 'Phone', value: '+13175550231' })).id).toBe(
        contact.id,
      );
    });

    it('forgets a deleted contact and its claims', async () => {
      const contact = await postContact(kith, { firstName: 'Gone' });
      ok(await claim(kith, contact.id, { type: 'Cookie', value: 'cookie-gone' }));
      ok(await kith.request('DELETE', `${CONTACTS}/${contact.id}`));
      expectGenesysError(await lookup(kith, { type: 'Cookie', value: 'cookie-gone' }), 404);
      const heir = await postContact(kith, { firstName: 'Heir' });
      ok(await claim(kith, heir.id, { type: 'Cookie', value: 'cookie-gone' }));
    });
  });

  describe(`reverse white pages lookup (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('answers at most 25 contacts sharing an email, oldest first', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        ids.push(
          (await postContact(kith, { firstName: `Shared ${i}`, workEmail: 'family@example.com' }))
            .id,
        );
      }
      const found = await reverse(kith, 'Family@Example.com');
      expect(found).toHaveLength(25);
      expect(found.map((c) => c.id)).toEqual(ids.slice(0, 25));
      const res = ok<{ contacts: unknown[]; externalOrganizations?: unknown[] }>(
        await kith.request('GET', `${REVERSE_LOOKUP}?lookupVal=family@example.com`),
      );
      expect(res.contacts).toHaveLength(25);
    });

    it('finds contacts by an E.164 phone', async () => {
      const byPhone = await postContact(kith, {
        firstName: 'Phoned',
        cellPhone: { display: '(317) 555-0300' },
      });
      expect((await reverse(kith, '+13175550300')).map((c) => c.id)).toEqual([byPhone.id]);
      expect((await reverse(kith, '+1 317 555 0300')).map((c) => c.id)).toEqual([byPhone.id]);
      expect(await reverse(kith, '+13175550399')).toEqual([]);
      expect(await reverse(kith, 'nobody@example.com')).toEqual([]);
    });

    it('finds contacts by a Twitter screen name that holds digits, with or without @', async () => {
      const contact = await postContact(kith, {
        firstName: 'Tweeted',
        twitterId: { screenName: 'Ada_1842' },
      });
      expect((await reverse(kith, '@ada_1842')).map((c) => c.id)).toEqual([contact.id]);
      expect((await reverse(kith, 'ADA_1842')).map((c) => c.id)).toEqual([contact.id]);
    });

    it('finds contacts by a Twitter screen name of letters only', async () => {
      const contact = await postContact(kith, {
        firstName: 'Tweeted',
        twitterId: { screenName: 'AdaTweets' },
      });
      expect((await reverse(kith, '@adatweets')).map((c) => c.id)).toEqual([contact.id]);
    });

    it('answers a value that is no email, E.164 phone or screen name with 400', async () => {
      for (const value of ['hello world', '+12', 'a@b', '(317) 555-0300', '   ']) {
        const error = expectGenesysError(
          await kith.request('GET', `${REVERSE_LOOKUP}?lookupVal=${encodeURIComponent(value)}`),
          400,
        );
        expect(error.details.map((d) => d.fieldName)).toContain('lookupVal');
      }
      expectGenesysError(await kith.request('GET', REVERSE_LOOKUP), 400);
    });
  });

  describe(`the identifier blocklist (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('never lets a contact claim a junk value', async () => {
      const contact = await postContact(kith, { firstName: 'Junk' });
      for (const identifier of [
        { type: 'Cookie', value: 'null' },
        { type: 'Cookie', value: 'Unknown' },
        { type: 'SocialTwitter', value: 'anonymous' },
        { type: 'AppleOpaqueId', value: '-1' },
        { type: 'Phone', value: '+447777777777' },
        { type: 'Phone', value: '+10000000000' },
      ]) {
        expectGenesysError(await claim(kith, contact.id, identifier), 400);
      }
      const error = expectGenesysError(
        await claim(kith, contact.id, { type: 'Cookie', value: 'null' }),
        400,
      );
      expect(error.message).toMatch(/blocklist/);
      expect(
        ok<{ entities: unknown[] }>(
          await kith.request('GET', `${CONTACTS}/${contact.id}/identifiers`),
        ).entities,
      ).toEqual([]);
    });

    it('never matches a contact on a junk phone or id by lookup, reverse lookup or search', async () => {
      const contact = await postContact(kith, {
        firstName: 'Placeholder',
        workPhone: { display: '+44 7777 777777' },
        cellPhone: { display: '000-000-0000' },
        appleOpaqueIds: [{ value: 'unknown' }],
      });
      expect((contact.workPhone as { e164: string }).e164).toBe('+447777777777');
      expectGenesysError(await lookup(kith, { type: 'Phone', value: '+447777777777' }), 400);
      expectGenesysError(await lookup(kith, { type: 'AppleOpaqueId', value: 'unknown' }), 400);
      expect(await reverse(kith, '+447777777777')).toEqual([]);
      await expectSearch(kith, `q=${encodeURIComponent('+44 7777 777777')}`, []);
      await expectSearch(kith, `q=${encodeURIComponent('000-000-0000')}`, []);
      await expectSearch(kith, `q=${encodeURIComponent('"0000000000"')}`, []);
      await expectSearch(kith, 'q=Placeholder', [contact.id]);
    });
  });
}
