import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import {
  insertOrganizationRow,
  postContact,
  postExternalSource,
  type ContactView,
} from '../helpers/contacts.js';

/** A contact body with every writable field of the Genesys `ExternalContact` set. */
function everyField(divisionId: string, sourceId: string, organizationId: string) {
  return {
    division: { id: divisionId },
    firstName: '  Ada ',
    middleName: 'King',
    lastName: 'Lovelace',
    salutation: 'Countess',
    title: 'Analyst',
    workPhone: { display: '+1 317 555 0123', acceptsSMS: true },
    cellPhone: { display: '(317) 555-0199' },
    homePhone: { display: '020 7946 0958', normalizationCountryCode: 'GB' },
    otherPhone: { display: '1-800-FLOWERS', acceptsSMS: false },
    workEmail: 'Ada@Example.COM',
    personalEmail: 'ada.l@example.org',
    otherEmail: 'countess@example.net',
    address: {
      address1: '12 St James Square',
      address2: 'Flat 2',
      city: 'London',
      state: 'Greater London',
      postalCode: 'SW1Y 4JH',
      countryCode: 'GB',
    },
    twitterId: {
      id: '1234567',
      name: 'Ada',
      screenName: 'AdaL',
      verified: true,
      profileUrl: 'https://twitter.com/AdaL',
    },
    lineId: { ids: [{ userId: 'line-ada' }], displayName: 'Ada L' },
    whatsAppId: { phoneNumber: { display: '+1 317 555 0142' }, displayName: 'Ada WA' },
    facebookId: { ids: [{ scopedId: 'fb-ada' }], displayName: 'Ada FB' },
    instagramId: { ids: [{ scopedId: 'ig-ada' }], displayName: 'Ada IG', handle: 'ada.ig' },
    appleOpaqueIds: [{ value: 'apple-ada-1' }, { value: 'apple-ada-2' }],
    externalIds: [{ externalSource: { id: sourceId }, value: 'crm-1' }],
    externalOrganization: { id: organizationId },
    surveyOptOut: true,
    externalSystemUrl: 'https://crm.example.com/contacts/1',
  };
}

/**
 * Posts a contact body expecting 400; returns the error after checking that its details name
 * `field` and, unless `inMessage` is false, that its message names `field` and `limit`.
 */
async function expectRefused(
  kith: TestKith,
  body: Record<string, unknown>,
  field: string,
  limit?: number,
  inMessage = true,
) {
  const error = expectGenesysError(
    await kith.request('POST', CONTACTS, { body }),
    400,
    'bad.request',
  );
  if (inMessage) expect(error.message).toContain(field);
  if (limit !== undefined) expect(error.message).toContain(String(limit));
  expect(error.details.map((d) => d.fieldName)).toContain(field);
  return error;
}

for (const dialect of DIALECTS) {
  describe(`the full ExternalContact model (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let sourceId: string;
    let organizationId: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      sourceId = await postExternalSource(kith, 'CRM');
      organizationId = await insertOrganizationRow(kith, 'Analytical Engines Ltd');
    });

    it('creates a Curated contact with every field, normalized', async () => {
      const created = await postContact(kith, everyField(sales, sourceId, organizationId));
      expect(created).toMatchObject({
        division: { id: sales },
        firstName: 'Ada',
        middleName: 'King',
        lastName: 'Lovelace',
        salutation: 'Countess',
        title: 'Analyst',
        workPhone: {
          display: '+1 317 555 0123',
          e164: '+13175550123',
          countryCode: 'US',
          acceptsSMS: true,
        },
        cellPhone: {
          display: '+1 317 555 0199',
          userInput: '(317) 555-0199',
          e164: '+13175550199',
          countryCode: 'US',
        },
        homePhone: {
          display: '+44 20 7946 0958',
          userInput: '020 7946 0958',
          e164: '+442079460958',
          countryCode: 'GB',
          normalizationCountryCode: 'GB',
        },
        otherPhone: { display: '1-800-FLOWERS', userInput: '1-800-FLOWERS', acceptsSMS: false },
        workEmail: 'ada@example.com',
        personalEmail: 'ada.l@example.org',
        otherEmail: 'countess@example.net',
        address: {
          address1: '12 St James Square',
          address2: 'Flat 2',
          city: 'London',
          state: 'Greater London',
          postalCode: 'SW1Y 4JH',
          countryCode: 'GB',
        },
        twitterId: { id: '1234567', screenName: 'AdaL', verified: true },
        lineId: { ids: [{ userId: 'line-ada' }], displayName: 'Ada L' },
        whatsAppId: { phoneNumber: { e164: '+13175550142' }, displayName: 'Ada WA' },
        facebookId: { ids: [{ scopedId: 'fb-ada' }] },
        instagramId: { ids: [{ scopedId: 'ig-ada' }], handle: 'ada.ig' },
        appleOpaqueIds: [{ value: 'apple-ada-1' }, { value: 'apple-ada-2' }],
        externalIds: [{ externalSource: { id: sourceId }, value: 'crm-1' }],
        externalOrganization: { id: organizationId },
        surveyOptOut: true,
        externalSystemUrl: 'https://crm.example.com/contacts/1',
        type: 'Curated',
        selfUri: `${CONTACTS}/${created.id}`,
      });
      expect((created.otherPhone as { e164?: string }).e164).toBeUndefined();
      expect(Date.parse(created.createDate)).not.toBeNaN();
      expect(created.modifyDate).toBe(created.createDate);
    });

    it('survives a GET-modify-PUT round trip of every field unchanged but for modifyDate', async () => {
      const created = await postContact(kith, everyField(sales, sourceId, organizationId));
      const before = ok<ContactView>(await kith.request('GET', `${CONTACTS}/${created.id}`));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const put = await kith.request('PUT', `${CONTACTS}/${created.id}`, { body: before });
      const written = ok<ContactView>(put);
      const after = ok<ContactView>(await kith.request('GET', `${CONTACTS}/${created.id}`));
      expect(after).toEqual(written);
      const { modifyDate: beforeModified, ...beforeRest } = before;
      const { modifyDate: afterModified, ...afterRest } = after;
      expect(afterRest).toEqual(beforeRest);
      expect(Date.parse(afterModified)).toBeGreaterThan(Date.parse(beforeModified));
    });

    it('keeps the type Curated whatever type the body names', async () => {
      const created = await postContact(kith, { firstName: 'Typed', type: 'Ephemeral' });
      expect(created.type).toBe('Curated');
    });
  });

  describe(`contact field limits (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sourceId: string;

    beforeAll(async () => {
      sourceId = await postExternalSource(kith, 'Limits CRM');
    });

    for (const field of ['firstName', 'middleName', 'lastName', 'salutation', 'title']) {
      it(`takes a ${field} of 1000 characters after trimming and refuses 1001`, async () => {
        const created = await postContact(kith, { [field]: `   ${'a'.repeat(1000)}   ` });
        expect(created[field]).toBe('a'.repeat(1000));
        await expectRefused(kith, { [field]: 'a'.repeat(1001) }, field, 1000);
      });
    }

    for (const field of ['workEmail', 'personalEmail', 'otherEmail']) {
      it(`takes a ${field} of 256 characters, lower-cased, and refuses 257 or a malformed one`, async () => {
        const address = `${'A'.repeat(64)}@${'b'.repeat(256 - 64 - 1 - 4)}.com`;
        expect(address).toHaveLength(256);
        const created = await postContact(kith, { [field]: address });
        expect(created[field]).toBe(address.toLowerCase());
        await expectRefused(kith, { [field]: `a${address}` }, field, 256);
        await expectRefused(kith, { [field]: 'not-an-email' }, field);
      });
    }

    const ADDRESS_LIMITS = {
      address1: 200,
      address2: 200,
      city: 100,
      state: 50,
      postalCode: 25,
      countryCode: 25,
    } as const;
    for (const [key, max] of Object.entries(ADDRESS_LIMITS)) {
      it(`takes an address.${key} of ${max} characters and refuses ${max + 1}`, async () => {
        const created = await postContact(kith, { address: { [key]: 'z'.repeat(max) } });
        expect(created.address).toEqual({ [key]: 'z'.repeat(max) });
        await expectRefused(
          kith,
          { address: { [key]: 'z'.repeat(max + 1) } },
          `address.${key}`,
          max,
        );
      });
    }

    for (const [field, key] of [
      ['lineId', 'userId'],
      ['facebookId', 'scopedId'],
      ['instagramId', 'scopedId'],
    ] as const) {
      it(`takes one ${field} id and refuses two`, async () => {
        const created = await postContact(kith, { [field]: { ids: [{ [key]: 'one' }] } });
        expect(created[field]).toEqual({ ids: [{ [key]: 'one' }] });
        await expectRefused(
          kith,
          { [field]: { ids: [{ [key]: 'one' }, { [key]: 'two' }] } },
          `${field}.ids`,
          1,
        );
      });
    }

    it('takes a twitterId and refuses a screen name with spaces', async () => {
      const created = await postContact(kith, { twitterId: { screenName: '@ada_l' } });
      expect(created.twitterId).toEqual({ screenName: '@ada_l' });
      await expectRefused(kith, { twitterId: { screenName: 'ada l' } }, 'twitterId.screenName');
    });

    it('takes 10 appleOpaqueIds and refuses 11, naming the limit', async () => {
      const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `apple-${i}` }));
      const created = await postContact(kith, { appleOpaqueIds: ids(10) });
      expect(created.appleOpaqueIds).toEqual(ids(10));
      await expectRefused(kith, { appleOpaqueIds: ids(11) }, 'appleOpaqueIds', 10);
    });

    it('takes 10 externalIds and refuses 11, naming the limit', async () => {
      const ids = (n: number) =>
        Array.from({ length: n }, (_, i) => ({
          externalSource: { id: sourceId },
          value: `x-${i}`,
        }));
      const created = await postContact(kith, { externalIds: ids(10) });
      expect(created.externalIds).toEqual(ids(10));
      await expectRefused(kith, { externalIds: ids(11) }, 'externalIds', 10);
    });

    it('refuses an externalId whose external source does not exist', async () => {
      const error = await expectRefused(
        kith,
        {
          externalIds: [
            { externalSource: { id: sourceId }, value: 'fine' },
            { externalSource: { id: '01a00000-0000-7000-8000-00000000dead' }, value: 'lost' },
          ],
        },
        'externalIds[1].externalSource.id',
        undefined,
        false,
      );
      expect(error.message).toContain('01a00000-0000-7000-8000-00000000dead');
    });

    it('refuses a link to an external organization that does not exist', async () => {
      await expectRefused(
        kith,
        { externalOrganization: { id: '01a00000-0000-7000-8000-00000000beef' } },
        'externalOrganization.id',
        undefined,
        false,
      );
    });

    it('takes an http(s) externalSystemUrl of up to 1000 characters and refuses others', async () => {
      const url = `https://crm.example.com/${'p'.repeat(1000 - 'https://crm.example.com/'.length)}`;
      expect(url).toHaveLength(1000);
      expect((await postContact(kith, { externalSystemUrl: url })).externalSystemUrl).toBe(url);
      await expectRefused(kith, { externalSystemUrl: `${url}p` }, 'externalSystemUrl', 1000);
      await expectRefused(kith, { externalSystemUrl: 'not a url' }, 'externalSystemUrl');
      await expectRefused(
        kith,
        { externalSystemUrl: 'ftp://crm.example.com/1' },
        'externalSystemUrl',
      );
    });

    it('stores surveyOptOut', async () => {
      expect((await postContact(kith, { surveyOptOut: true })).surveyOptOut).toBe(true);
      expect((await postContact(kith, { surveyOptOut: false })).surveyOptOut).toBe(false);
    });

    it('names every broken field at once', async () => {
      const error = expectGenesysError(
        await kith.request('POST', CONTACTS, {
          body: {
            firstName: 'x'.repeat(1001),
            workEmail: 'nope',
            address: { state: 's'.repeat(51) },
          },
        }),
        400,
      );
      expect(error.details.map((d) => d.fieldName).sort()).toEqual(
        ['address.state', 'firstName', 'workEmail'].sort(),
      );
    });
  });

  describe(`contact phone numbers (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('fills e164, countryCode and an international display for E.164 input', async () => {
      const created = await postContact(kith, { workPhone: { display: '+442079460958' } });
      expect(created.workPhone).toEqual({
        display: '+44 20 7946 0958',
        userInput: '+442079460958',
        e164: '+442079460958',
        countryCode: 'GB',
      });
    });

    it('reads national input in US by default', async () => {
      const created = await postContact(kith, { cellPhone: { display: '317.555.0123' } });
      expect(created.cellPhone).toMatchObject({
        display: '+1 317 555 0123',
        e164: '+13175550123',
        countryCode: 'US',
        userInput: '317.555.0123',
      });
    });

    it('reads national input in its normalizationCountryCode', async () => {
      const created = await postContact(kith, {
        homePhone: { display: '020 7946 0958', normalizationCountryCode: 'GB' },
      });
      expect(created.homePhone).toMatchObject({ e164: '+442079460958', countryCode: 'GB' });
    });

    it('keeps anything else as typed without e164 (No country code)', async () => {
      for (const typed of ['555-0123', '1-800-FLOWERS', 'Reception desk 42', '020 7946 0958']) {
        const created = await postContact(kith, { otherPhone: { display: typed } });
        expect(created.otherPhone, typed).toEqual({ display: typed, userInput: typed });
      }
    });

    it('fills all four phone slots independently', async () => {
      const created = await postContact(kith, {
        workPhone: { display: '+1 317 555 0101' },
        cellPhone: { display: '+1 317 555 0102' },
        homePhone: { display: '+1 317 555 0103' },
        otherPhone: { display: '+1 317 555 0104' },
      });
      expect(
        ['workPhone', 'cellPhone', 'homePhone', 'otherPhone'].map(
          (slot) => (created[slot] as { e164: string }).e164,
        ),
      ).toEqual(['+13175550101', '+13175550102', '+13175550103', '+13175550104']);
    });

    it('answers acceptsSMS on a non-E.164 number with 400 explaining that SMS needs E.164', async () => {
      const error = expectGenesysError(
        await kith.request('POST', CONTACTS, {
          body: { cellPhone: { display: '555-0123', acceptsSMS: true } },
        }),
        400,
        'bad.request',
      );
      expect(error.message).toMatch(/SMS/);
      expect(error.message).toMatch(/E\.164|country code/);
      expect(error.details.map((d) => d.fieldName)).toContain('cellPhone.acceptsSMS');
    });

    it('refuses an unknown normalizationCountryCode', async () => {
      const error = expectGenesysError(
        await kith.request('POST', CONTACTS, {
          body: { workPhone: { display: '020 7946 0958', normalizationCountryCode: 'QQ' } },
        }),
        400,
      );
      expect(error.details.map((d) => d.fieldName)).toContain('workPhone.normalizationCountryCode');
    });

    it('refuses a WhatsApp number without its country code', async () => {
      const error = expectGenesysError(
        await kith.request('POST', CONTACTS, {
          body: { whatsAppId: { phoneNumber: { display: '555-0123' } } },
        }),
        400,
      );
      expect(error.details.map((d) => d.fieldName)).toContain('whatsAppId.phoneNumber');
    });
  });
}
