import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PagedListing } from '../../src/common/paging.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { ensureDefaultOrganization } from '../../src/orgs/org.service.js';
import { bootstrapAdminClient } from '../../src/clients/bootstrap.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { ADMIN_ID, ADMIN_SECRET, useTestKith, type TestKith } from '../helpers/kith.js';
import {
  ORGANIZATIONS,
  ORGANIZATION_LOOKUP,
  RELATIONSHIPS,
  createExternalSource,
  createOrganization,
  createUser,
  eventKinds,
  organizationIn,
  type OrganizationView,
} from '../helpers/organizations.js';

interface ContactView {
  id: string;
  firstName?: string;
  division: { id: string };
  externalOrganization?: Record<string, unknown>;
}

const VIEW = 'externalContacts:externalOrganization:view';
const ADD = 'externalContacts:externalOrganization:add';
const EDIT = 'externalContacts:externalOrganization:edit';
const DELETE = 'externalContacts:externalOrganization:delete';
const CONTACT_VIEW = 'externalContacts:contact:view';
const MISSING = '01a00000-0000-7000-8000-000000000000';
const ORGANIZATION_SCHEMAS = `${ORGANIZATIONS}/schemas`;

function fieldNames(error: { details: { fieldName?: string }[] }): string[] {
  return error.details.map((d) => d.fieldName ?? '');
}

async function createContact(kith: TestKith, body: Record<string, unknown>): Promise<ContactView> {
  return ok<ContactView>(await kith.request('POST', CONTACTS, { body }));
}

for (const dialect of DIALECTS) {
  describe(`organizations CRUD (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;
    let source: string;
    let schemaId: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      source = await createExternalSource(kith, 'CRM');
      const tier = {
        allOf: [{ $ref: '#/definitions/enum' }],
        title: 'Tier',
        enum: ['gold', 'silver'],
      };
      const schema = ok<{ id: string; version: number }>(
        await kith.request('POST', ORGANIZATION_SCHEMAS, {
          body: { name: 'Account', jsonSchema: { properties: { tier_enum: tier } } },
        }),
      );
      schemaId = schema.id;
      // Version 2, so that the organization names a version other than the first.
      ok(
        await kith.request('PUT', `${ORGANIZATION_SCHEMAS}/${schemaId}`, {
          body: {
            name: 'Account',
            version: schema.version,
            jsonSchema: {
              properties: { tier_enum: { ...tier, enum: ['gold', 'silver', 'bronze'] } },
            },
          },
        }),
      );
    });

    it('creates an organization with every field and reads it back', async () => {
      const res = await kith.request('POST', ORGANIZATIONS, {
        body: {
          name: '  Acme Corporation  ',
          division: { id: sales },
          companyType: 'Vendor',
          industry: 'Manufacturing',
          address: { address1: '1 Main St', city: 'Springfield', countryCode: 'US' },
          phoneNumber: { display: '(317) 555-0123' },
          faxNumber: { display: '+44 20 7946 0958' },
          employeeCount: 250,
          revenue: 12_000_000,
          tags: ['key account', 'gold', 'Gold'],
          websites: ['https://acme.example.com'],
          tickers: [{ symbol: 'ACME', exchange: 'NYSE' }],
          twitterId: { screenName: '@acme' },
          externalSystemUrl: 'https://crm.example.com/accounts/1',
          externalIds: [{ externalSource: { id: source }, value: 'acct-1' }],
          schema: { id: schemaId, version: 2 },
          customFields: { tier_enum: 'gold' },
        },
      });
      const created = ok<OrganizationView>(res);
      expect(res.headers.etag).toBe('"1"');
      expect(created).toMatchObject({
        name: 'Acme Corporation',
        division: { id: sales },
        companyType: 'Vendor',
        industry: 'Manufacturing',
        address: { address1: '1 Main St', city: 'Springfield', countryCode: 'US' },
        phoneNumber: { e164: '+13175550123', countryCode: 'US' },
        faxNumber: { e164: '+442079460958' },
        employeeCount: 250,
        revenue: 12_000_000,
        tags: ['key account', 'gold'],
        websites: ['https://acme.example.com'],
        tickers: [{ symbol: 'ACME', exchange: 'NYSE' }],
        twitterId: { screenName: '@acme' },
        externalSystemUrl: 'https://crm.example.com/accounts/1',
        externalIds: [{ externalSource: { id: source }, value: 'acct-1' }],
        schema: { id: schemaId, version: 2 },
        customFields: { tier_enum: 'gold' },
        selfUri: `${ORGANIZATIONS}/${created.id}`,
      });
      expect(Number.isNaN(Date.parse(created.createDate))).toBe(false);
      const read = await kith.request('GET', `${ORGANIZATIONS}/${created.id}`);
      expect(ok<OrganizationView>(read)).toEqual(created);
      expect(read.headers.etag).toBe('"1"');
    });

    it('creates an unassigned organization when no division is named, or * is', async () => {
      expect((await createOrganization(kith, { name: 'Nowhere' })).division.id).toBe('*');
      expect(
        (await createOrganization(kith, { name: 'Star', division: { id: '*' } })).division.id,
      ).toBe('*');
    });

    it('answers a missing or blank name with 400 naming name', async () => {
      for (const body of [{}, { name: '   ' }, { industry: 'Energy' }]) {
        const error = expectGenesysError(
          await kith.request('POST', ORGANIZATIONS, { body }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toContain('name');
        expect(error.message).toContain('name');
      }
    });

    it('accepts a name of exactly 1000 characters and refuses 1001 naming name', async () => {
      const long = 'n'.repeat(1000);
      expect((await createOrganization(kith, { name: `  ${long}  ` })).name).toBe(long);
      const error = expectGenesysError(
        await kith.request('POST', ORGANIZATIONS, { body: { name: `${long}x` } }),
        400,
        'bad.request',
      );
      expect(fieldNames(error)).toEqual(['name']);
      expect(error.message).toContain('1000');
    });

    const LIMITS: [string, Record<string, unknown>, string][] = [
      ['companyType over 255 characters', { companyType: 'c'.repeat(256) }, 'companyType'],
      ['industry over 255 characters', { industry: 'i'.repeat(256) }, 'industry'],
      ['a negative employeeCount', { employeeCount: -1 }, 'employeeCount'],
      ['a fractional employeeCount', { employeeCount: 1.5 }, 'employeeCount'],
      ['a negative revenue', { revenue: -5 }, 'revenue'],
      ['more than 50 tags', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'tags'],
      ['a tag over 100 characters', { tags: ['ok', 't'.repeat(101)] }, 'tags[1]'],
      [
        'more than 20 websites',
        { websites: Array.from({ length: 21 }, (_, i) => `https://w${i}.example.com`) },
        'websites',
      ],
      ['a website that is not a URL', { websites: ['not a url'] }, 'websites[0]'],
      [
        'more than 20 tickers',
        { tickers: Array.from({ length: 21 }, (_, i) => ({ symbol: `S${i}`, exchange: 'X' })) },
        'tickers',
      ],
      ['a ticker without a symbol', { tickers: [{ exchange: 'NYSE' }] }, 'tickers[0].symbol'],
      [
        'a ticker exchange over 100 characters',
        { tickers: [{ symbol: 'A', exchange: 'e'.repeat(101) }] },
        'tickers[0].exchange',
      ],
      [
        'more than 10 external ids',
        {
          externalIds: Array.from({ length: 11 }, (_, i) => ({
            externalSource: { id: 'x' },
            value: `v${i}`,
          })),
        },
        'externalIds',
      ],
      [
        'an external id of an unknown source',
        { externalIds: [{ externalSource: { id: MISSING }, value: 'v' }] },
        'externalIds[0].externalSource.id',
      ],
      [
        'an externalSystemUrl that is not a URL',
        { externalSystemUrl: 'ftp:/x' },
        'externalSystemUrl',
      ],
      [
        'an externalSystemUrl over 1000 characters',
        { externalSystemUrl: `https://x.example.com/${'p'.repeat(1000)}` },
        'externalSystemUrl',
      ],
      [
        'an address city over 100 characters',
        { address: { city: 'c'.repeat(101) } },
        'address.city',
      ],
      [
        'an SMS-accepting phone without a country code',
        { phoneNumber: { display: 'CALL-ACME', acceptsSMS: true } },
        'phoneNumber',
      ],
      [
        'a bad Twitter screen name',
        { twitterId: { screenName: 'no spaces' } },
        'twitterId.screenName',
      ],
      ['a schema version of 0', { schema: { id: 's', version: 0 } }, 'schema.version'],
    ];
    for (const [what, body, field] of LIMITS) {
      it(`answers ${what} with 400 naming ${field}`, async () => {
        const error = expectGenesysError(
          await kith.request('POST', ORGANIZATIONS, { body: { name: 'Limits', ...body } }),
          400,
          'bad.request',
        );
        expect(
          fieldNames(error).some((f) => f.startsWith(field)),
          error.message,
        ).toBe(true);
      });
    }

    it('names every broken field of one body at once', async () => {
      const error = expectGenesysError(
        await kith.request('POST', ORGANIZATIONS, {
          body: { name: '', employeeCount: -1, industry: 'i'.repeat(300) },
        }),
        400,
      );
      expect(fieldNames(error)).toEqual(
        expect.arrayContaining(['name', 'employeeCount', 'industry']),
      );
    });

    it('answers an unknown division with 400 naming division.id', async () => {
      const error = expectGenesysError(
        await kith.request('POST', ORGANIZATIONS, {
          body: { name: 'Lost', division: { id: MISSING } },
        }),
        400,
        'bad.request',
      );
      expect(fieldNames(error)).toContain('division.id');
    });

    it('replaces the fields with PUT and accepts a GET-modify-PUT round trip', async () => {
      const created = await organizationIn(kith, 'Round Trip', sales, {
        industry: 'Energy',
        tags: ['a'],
      });
      const fetched = ok<OrganizationView>(
        await kith.request('GET', `${ORGANIZATIONS}/${created.id}`),
      );
      const res = await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, {
        body: { ...fetched, industry: 'Utilities', companyType: 'Customer' },
      });
      const updated = ok<OrganizationView>(res);
      expect(res.headers.etag).toBe('"2"');
      expect(updated).toMatchObject({
        id: created.id,
        name: 'Round Trip',
        division: { id: sales },
        industry: 'Utilities',
        companyType: 'Customer',
        tags: ['a'],
        createDate: created.createDate,
      });
      // PUT replaces: fields left out are gone.
      const replaced = ok<OrganizationView>(
        await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, { body: { name: 'Bare' } }),
      );
      expect(replaced.industry).toBeUndefined();
      expect(replaced.tags).toBeUndefined();
      expect(replaced.division.id).toBe(sales);
    });

    it('refuses to change the division with 400 and keeps the organization where it is', async () => {
      const created = await organizationIn(kith, 'Fixed', sales);
      for (const division of [{ id: support }, { id: '*' }]) {
        const error = expectGenesysError(
          await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, {
            body: { name: 'Fixed', division },
          }),
          400,
          'bad.request',
        );
        expect(error.message).toMatch(/division cannot be changed/i);
        expect(fieldNames(error)).toContain('division');
      }
      const patched = expectGenesysError(
        await kith.request('PATCH', `${ORGANIZATIONS}/${created.id}`, {
          body: { changes: [{ field: '$.division.id', value: support, action: 'Update' }] },
        }),
        400,
      );
      expect(patched.message).toMatch(/division cannot be changed/i);
      const unassigned = await organizationIn(kith, 'Unassigned fixed', undefined);
      expectGenesysError(
        await kith.request('PUT', `${ORGANIZATIONS}/${unassigned.id}`, {
          body: { name: 'x', division: { id: sales } },
        }),
        400,
      );
      expect(
        ok<OrganizationView>(await kith.request('GET', `${ORGANIZATIONS}/${created.id}`)).division
          .id,
      ).toBe(sales);
      // Repeating the current division is no change.
      expect(
        (
          await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, {
            body: { name: 'Fixed', division: { id: sales } },
          })
        ).statusCode,
      ).toBe(200);
    });

    it('answers a stale If-Match with 412 on PUT, PATCH and DELETE', async () => {
      const created = await organizationIn(kith, 'Contended', sales);
      const first = await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, {
        body: { name: 'Agent one' },
        headers: { 'if-match': '"1"' },
      });
      expect(first.statusCode).toBe(200);
      expect(first.headers.etag).toBe('"2"');
      const stale = expectGenesysError(
        await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, {
          body: { name: 'Agent two' },
          headers: { 'if-match': '"1"' },
        }),
        412,
        'precondition.failed',
      );
      expect(stale.message).toContain('"2"');
      expectGenesysError(
        await kith.request('PATCH', `${ORGANIZATIONS}/${created.id}`, {
          body: { changes: [{ field: '$.industry', value: 'x', action: 'Update' }] },
          headers: { 'if-match': '"1"' },
        }),
        412,
        'precondition.failed',
      );
      expectGenesysError(
        await kith.request('DELETE', `${ORGANIZATIONS}/${created.id}`, {
          headers: { 'if-match': 'W/"1"' },
        }),
        412,
        'precondition.failed',
      );
      expect(
        ok<OrganizationView>(await kith.request('GET', `${ORGANIZATIONS}/${created.id}`)).name,
      ).toBe('Agent one');
      expect(
        (
          await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, {
            body: { name: 'Agent two' },
            headers: { 'if-match': '"2"' },
          })
        ).statusCode,
      ).toBe(200);
    });

    it('patches fields with changes[]', async () => {
      const created = await organizationIn(kith, 'Patchable', sales, { tags: ['a'] });
      const res = await kith.request('PATCH', `${ORGANIZATIONS}/${created.id}`, {
        body: {
          changes: [
            { field: '$.industry', value: 'Retail', action: 'Update' },
            { field: '$.tags', value: 'b', action: 'AppendToCollection' },
          ],
        },
      });
      expect(ok<OrganizationView>(res)).toMatchObject({ industry: 'Retail', tags: ['a', 'b'] });
      expect(res.headers.etag).toBe('"2"');
      const error = expectGenesysError(
        await kith.request('PATCH', `${ORGANIZATIONS}/${created.id}`, {
          body: { changes: [{ field: '$.employeeCount', value: -3, action: 'Update' }] },
        }),
        400,
      );
      expect(fieldNames(error)).toContain('employeeCount');
    });

    it('records created, updated and deleted events on the organization topic', async () => {
      const created = await organizationIn(kith, 'Evented', sales);
      await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, { body: { name: 'Evented 2' } });
      await kith.request('DELETE', `${ORGANIZATIONS}/${created.id}`);
      expect(await eventKinds(kith, `v2.externalcontacts.organizations.${created.id}`)).toEqual([
        'created',
        'updated',
        'deleted',
      ]);
    });

    it('deletes with 200 {}, unlinks its contacts and removes its relationships and claims', async () => {
      const organization = await organizationIn(kith, 'Doomed', sales);
      const contact = await createContact(kith, {
        firstName: 'Linked',
        division: { id: support },
        externalOrganization: { id: organization.id },
      });
      const user = await createUser(kith, 'Account Manager');
      const relationship = ok<{ id: string }>(
        await kith.request('POST', RELATIONSHIPS, {
          body: {
            user: { id: user },
            externalOrganization: { id: organization.id },
            relationship: 'Account Manager',
          },
        }),
      );
      ok(
        await kith.request('PATCH', `${ORGANIZATIONS}/${organization.id}/identifiers`, {
          body: {
            operation: 'Claim',
            identifier: { type: 'ExternalId', value: 'doomed-1', externalSource: { id: source } },
          },
        }),
      );

      const res = await kith.request('DELETE', `${ORGANIZATIONS}/${organization.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({});
      expectGenesysError(await kith.request('GET', `${ORGANIZATIONS}/${organization.id}`), 404);
      expectGenesysError(await kith.request('DELETE', `${ORGANIZATIONS}/${organization.id}`), 404);

      const unlinked = ok<ContactView>(await kith.request('GET', `${CONTACTS}/${contact.id}`));
      expect(unlinked.firstName).toBe('Linked');
      expect(unlinked.externalOrganization).toBeUndefined();
      expect(await eventKinds(kith, `v2.externalcontacts.contacts.${contact.id}`)).toEqual([
        'created',
        'updated',
      ]);
      expectGenesysError(await kith.request('GET', `${RELATIONSHIPS}/${relationship.id}`), 404);
      expect(
        await eventKinds(kith, `v2.externalcontacts.relationships.${relationship.id}`),
      ).toEqual(['created', 'deleted']);
      expectGenesysError(
        await kith.request('POST', ORGANIZATION_LOOKUP, {
          body: { type: 'ExternalId', value: 'doomed-1', externalSource: { id: source } },
        }),
        404,
      );
      // The identifier is free again.
      const heir = await organizationIn(kith, 'Heir', sales);
      ok(
        await kith.request('PATCH', `${ORGANIZATIONS}/${heir.id}/identifiers`, {
          body: {
            operation: 'Claim',
            identifier: { type: 'ExternalId', value: 'doomed-1', externalSource: { id: source } },
          },
        }),
      );
    });

    it('keeps a division that holds an organization from being deleted', async () => {
      const division = await createDivision(kith, 'Occupied');
      const held = await organizationIn(kith, 'Occupant', division);
      expectGenesysError(
        await kith.request('DELETE', `/api/v2/authorization/divisions/${division}`),
        409,
        'conflict',
      );
      ok(await kith.request('DELETE', `${ORGANIZATIONS}/${held.id}`));
      expect(
        (await kith.request('DELETE', `/api/v2/authorization/divisions/${division}`)).statusCode,
      ).toBe(204);
    });

    it('answers an unknown organization id with 404 on every path', async () => {
      for (const [method, url, body] of [
        ['GET', `${ORGANIZATIONS}/${MISSING}`],
        ['PUT', `${ORGANIZATIONS}/${MISSING}`, { name: 'x' }],
        [
          'PATCH',
          `${ORGANIZATIONS}/${MISSING}`,
          { changes: [{ field: '$.name', value: 'x', action: 'Update' }] },
        ],
        ['DELETE', `${ORGANIZATIONS}/${MISSING}`],
        ['GET', `${ORGANIZATIONS}/${MISSING}/contacts`],
        ['GET', `${ORGANIZATIONS}/${MISSING}/identifiers`],
        ['GET', `${ORGANIZATIONS}/${MISSING}/relationships`],
      ] as ['GET' | 'PUT' | 'PATCH' | 'DELETE', string, unknown?][]) {
        expectGenesysError(await kith.request(method, url, { body }), 404, 'not.found');
      }
    });
  });

  describe(`organizations listing and search (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      for (const [name, division, companyType, industry] of [
        ['Acme Widgets', 'sales', 'Vendor', 'Manufacturing'],
        ['Globex', 'support', 'Customer', 'Energy'],
        ['Initech', undefined, 'Customer', 'Software'],
        ['Acme Holdings', 'sales', undefined, undefined],
        ['Zoë Labs', 'support', 'Partner', 'Biotech'],
      ] as const) {
        await organizationIn(
          kith,
          name,
          division === 'sales' ? sales : division === 'support' ? support : undefined,
          { ...(companyType ? { companyType } : {}), ...(industry ? { industry } : {}) },
        );
      }
    });

    function names(listing: PagedListing<OrganizationView>): string[] {
      return listing.entities.map((o) => o.name);
    }

    async function list(query: string, token?: string): Promise<PagedListing<OrganizationView>> {
      return ok<PagedListing<OrganizationView>>(
        await kith.request(
          'GET',
          `${ORGANIZATIONS}?${query}`,
          token === undefined ? {} : { token },
        ),
      );
    }

    it('lists by name with Genesys paging fields and partialResults', async () => {
      const all = await list('pageSize=100');
      expect(names(all)).toEqual([
        'Acme Holdings',
        'Acme Widgets',
        'Globex',
        'Initech',
        'Zoë Labs',
      ]);
      expect(all).toMatchObject({ total: 5, pageCount: 1, pageNumber: 1, partialResults: false });
      const page = await list('pageSize=2&pageNumber=2');
      expect(page).toMatchObject({ pageSize: 2, pageNumber: 2, total: 5, pageCount: 3 });
      expect(names(page)).toEqual(['Globex', 'Initech']);
      expect(page.nextUri).toContain('pageNumber=3');
      expect(page.previousUri).toContain('pageNumber=1');
      expect(page.selfUri.startsWith(`${ORGANIZATIONS}?`)).toBe(true);
      const defaults = await list('');
      expect(defaults.pageSize).toBe(20);
    });

    it('finds organizations by a name prefix, a word prefix, case and accents aside', async () => {
      expect(names(await list('q=acme'))).toEqual(['Acme Holdings', 'Acme Widgets']);
      expect(names(await list('q=ACME%20W'))).toEqual(['Acme Widgets']);
      expect(names(await list('q=widg'))).toEqual(['Acme Widgets']);
      expect(names(await list('q=zoe'))).toEqual(['Zoë Labs']);
      expect(names(await list('q=labs'))).toEqual(['Zoë Labs']);
      expect((await list('q=cme')).total).toBe(0);
      expect((await list('q=%25')).total).toBe(0);
      expect((await list('q=_')).total).toBe(0);
    });

    it('sorts by name, companyType and industry in both directions', async () => {
      expect(names(await list('sortOrder=name:desc'))).toEqual([
        'Zoë Labs',
        'Initech',
        'Globex',
        'Acme Widgets',
        'Acme Holdings',
      ]);
      // Without the field last, in either direction; ties by name.
      expect(names(await list('sortOrder=companyType'))).toEqual([
        'Globex',
        'Initech',
        'Zoë Labs',
        'Acme Widgets',
        'Acme Holdings',
      ]);
      expect(names(await list('sortOrder=companyType:desc'))).toEqual([
        'Acme Widgets',
        'Zoë Labs',
        'Globex',
        'Initech',
        'Acme Holdings',
      ]);
      expect(names(await list('sortOrder=industry:asc'))).toEqual([
        'Zoë Labs',
        'Globex',
        'Acme Widgets',
        'Initech',
        'Acme Holdings',
      ]);
    });

    it('answers a bad sortOrder with 400 naming sortOrder', async () => {
      for (const sortOrder of ['revenue:asc', 'name:sideways', 'id']) {
        const error = expectGenesysError(
          await kith.request('GET', `${ORGANIZATIONS}?sortOrder=${sortOrder}`),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toContain('sortOrder');
      }
    });

    it('accepts pageSize up to 100 and pageNumber * pageSize up to 1000, 400 beyond', async () => {
      expect((await list('pageSize=100&pageNumber=10')).entities).toEqual([]);
      for (const [query, field] of [
        ['pageSize=101', 'pageSize'],
        ['pageSize=0', 'pageSize'],
        ['pageSize=100&pageNumber=11', 'pageNumber'],
        ['pageSize=25&pageNumber=41', 'pageNumber'],
        ['pageNumber=0', 'pageNumber'],
      ]) {
        const error = expectGenesysError(
          await kith.request('GET', `${ORGANIZATIONS}?${query}`),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toContain(field);
      }
    });

    it('filters by divisionIds, up to 50, and never widens visibility through them', async () => {
      expect(names(await list(`divisionIds=${sales}`))).toEqual(['Acme Holdings', 'Acme Widgets']);
      expect(names(await list('divisionIds=*'))).toEqual(['Initech']);
      expect((await list(`divisionIds=${sales}&divisionIds=${support}`)).total).toBe(4);
      const ids = (n: number) =>
        [sales, ...Array.from({ length: n - 1 }, (_, i) => `division-${i}`)]
          .map((id) => `divisionIds=${id}`)
          .join('&');
      expect((await list(ids(50))).total).toBe(2);
      const error = expectGenesysError(
        await kith.request('GET', `${ORGANIZATIONS}?${ids(51)}`),
        400,
        'bad.request',
      );
      expect(fieldNames(error)).toContain('divisionIds');
      const { token } = await kith.principal([CONTACT_VIEW, VIEW], [sales]);
      const widened = await list(`divisionIds=${support}`, token);
      expect(widened.total).toBe(0);
    });

    it('expands division names and identifiers', async () => {
      const listing = await list(`divisionIds=${sales}&expand=division&expand=identifiers`);
      expect(listing.entities[0]?.division).toMatchObject({ id: sales, name: 'Sales' });
      expect(listing.entities[0]?.identifiers).toEqual([]);
      expect(listing.selfUri).toContain('expand=division');
    });
  });

  describe(`organization visibility by division (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;
    let source: string;
    const orgs: Record<'inSales' | 'inSupport' | 'unassigned', OrganizationView> = {} as never;
    let viewer: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      source = await createExternalSource(kith, 'CRM');
      orgs.inSales = await organizationIn(kith, 'Sales Org', sales);
      orgs.inSupport = await organizationIn(kith, 'Support Org', support);
      orgs.unassigned = await organizationIn(kith, 'Unassigned Org', undefined);
      for (const [key, o] of Object.entries(orgs)) {
        ok(
          await kith.request('PATCH', `${ORGANIZATIONS}/${o.id}/identifiers`, {
            body: {
              operation: 'Claim',
              identifier: { type: 'ExternalId', value: key, externalSource: { id: source } },
            },
          }),
        );
      }
      viewer = (await kith.principal([CONTACT_VIEW, VIEW], [sales])).token;
    });

    it('gets organizations of its divisions and unassigned ones, 404 for others', async () => {
      for (const o of [orgs.inSales, orgs.unassigned]) {
        expect(
          ok<OrganizationView>(
            await kith.request('GET', `${ORGANIZATIONS}/${o.id}`, { token: viewer }),
          ).id,
        ).toBe(o.id);
      }
      expectGenesysError(
        await kith.request('GET', `${ORGANIZATIONS}/${orgs.inSupport.id}`, { token: viewer }),
        404,
        'not.found',
      );
    });

    it('lists and searches only its divisions and unassigned organizations', async () => {
      const listed = ok<PagedListing<OrganizationView>>(
        await kith.request('GET', `${ORGANIZATIONS}?pageSize=100`, { token: viewer }),
      );
      expect(listed.entities.map((o) => o.name)).toEqual(['Sales Org', 'Unassigned Org']);
      expect(listed.total).toBe(2);
      const searched = ok<PagedListing<OrganizationView>>(
        await kith.request('GET', `${ORGANIZATIONS}?q=support`, { token: viewer }),
      );
      expect(searched.total).toBe(0);
    });

    it('answers 404 for the contacts, identifiers and relationships of an invisible organization', async () => {
      for (const path of ['contacts', 'identifiers', 'relationships']) {
        expectGenesysError(
          await kith.request('GET', `${ORGANIZATIONS}/${orgs.inSupport.id}/${path}`, {
            token: viewer,
          }),
          404,
          'not.found',
        );
        expect(
          (
            await kith.request('GET', `${ORGANIZATIONS}/${orgs.inSales.id}/${path}`, {
              token: viewer,
            })
          ).statusCode,
        ).toBe(200);
      }
    });

    it('finds only visible organizations by identifier lookup', async () => {
      for (const key of ['inSales', 'unassigned'] as const) {
        const found = ok<OrganizationView>(
          await kith.request('POST', ORGANIZATION_LOOKUP, {
            token: viewer,
            body: { type: 'ExternalId', value: key, externalSource: { id: source } },
          }),
        );
        expect(found.id).toBe(orgs[key].id);
      }
      expectGenesysError(
        await kith.request('POST', ORGANIZATION_LOOKUP, {
          token: viewer,
          body: { type: 'ExternalId', value: 'inSupport', externalSource: { id: source } },
        }),
        404,
        'not.found',
      );
    });

    it('lists only the linked contacts the principal may see', async () => {
      const seen = await createContact(kith, {
        firstName: 'Seen',
        division: { id: sales },
        externalOrganization: { id: orgs.inSales.id },
      });
      await createContact(kith, {
        firstName: 'Hidden',
        division: { id: support },
        externalOrganization: { id: orgs.inSales.id },
      });
      const listed = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${ORGANIZATIONS}/${orgs.inSales.id}/contacts`, {
          token: viewer,
        }),
      );
      expect(listed.entities.map((c) => c.id)).toEqual([seen.id]);
      expect(listed.total).toBe(1);
      const all = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${ORGANIZATIONS}/${orgs.inSales.id}/contacts`),
      );
      expect(all.total).toBe(2);
    });

    it('answers 403 to a search by a principal that can view no organization, 404 to its reads', async () => {
      const { token } = await kith.principal([CONTACT_VIEW], ['*']);
      expectGenesysError(
        await kith.request('GET', ORGANIZATIONS, { token }),
        403,
        'missing.permissions',
      );
      expectGenesysError(
        await kith.request('GET', `${ORGANIZATIONS}/${orgs.unassigned.id}`, { token }),
        404,
      );
      expectGenesysError(
        await kith.request('POST', ORGANIZATION_LOOKUP, {
          token,
          body: { type: 'ExternalId', value: 'unassigned', externalSource: { id: source } },
        }),
        403,
      );
    });

    it('needs add, edit and delete on the division to write', async () => {
      const viewOnly = viewer;
      expectGenesysError(
        await kith.request('POST', ORGANIZATIONS, {
          token: viewOnly,
          body: { name: 'x', division: { id: sales } },
        }),
        403,
        'missing.permissions',
      );
      const writer = (await kith.principal([CONTACT_VIEW, VIEW, ADD, EDIT, DELETE], [sales])).token;
      const error = expectGenesysError(
        await kith.request('POST', ORGANIZATIONS, {
          token: writer,
          body: { name: 'x', division: { id: support } },
        }),
        403,
        'missing.permissions',
      );
      expect(error.message).toContain(ADD);
      const mine = await createOrganization(
        kith,
        { name: 'Mine', division: { id: sales } },
        writer,
      );
      expect(
        (
          await kith.request('PUT', `${ORGANIZATIONS}/${mine.id}`, {
            token: viewOnly,
            body: { name: 'Renamed' },
          })
        ).statusCode,
      ).toBe(403);
      expect(
        ok<OrganizationView>(
          await kith.request('PUT', `${ORGANIZATIONS}/${mine.id}`, {
            token: writer,
            body: { name: 'Renamed' },
          }),
        ).name,
      ).toBe('Renamed');
      expectGenesysError(
        await kith.request('PUT', `${ORGANIZATIONS}/${orgs.inSupport.id}`, {
          token: writer,
          body: { name: 'Hijacked' },
        }),
        404,
      );
      expectGenesysError(
        await kith.request('DELETE', `${ORGANIZATIONS}/${mine.id}`, { token: viewOnly }),
        403,
        'missing.permissions',
      );
      expect(
        (await kith.request('DELETE', `${ORGANIZATIONS}/${mine.id}`, { token: writer })).statusCode,
      ).toBe(200);
    });
  });

  describe(`organization contacts (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let organization: OrganizationView;
    let other: OrganizationView;

    beforeAll(async () => {
      organization = await createOrganization(kith, {
        name: 'Parent Co',
        industry: 'Retail',
        tags: ['vip'],
      });
      other = await createOrganization(kith, { name: 'Other Co' });
      for (const firstName of ['Cid', 'Ann', 'Bob']) {
        await createContact(kith, {
          firstName,
          lastName: 'Staff',
          externalOrganization: { id: organization.id },
        });
      }
      await createContact(kith, { firstName: 'Abe', externalOrganization: { id: other.id } });
      await createContact(kith, { firstName: 'Ada' });
    });

    function firstNames(listing: PagedListing<ContactView>): (string | undefined)[] {
      return listing.entities.map((c) => c.firstName);
    }

    it('lists the linked contacts as a ContactListing, searched, sorted and paged', async () => {
      const path = `${ORGANIZATIONS}/${organization.id}/contacts`;
      const all = ok<PagedListing<ContactView> & { partialResults: boolean }>(
        await kith.request('GET', `${path}?sortOrder=firstName:asc`),
      );
      expect(firstNames(all)).toEqual(['Ann', 'Bob', 'Cid']);
      expect(all).toMatchObject({ total: 3, pageSize: 20, pageNumber: 1, partialResults: false });
      expect(all.selfUri.startsWith(`${path}?`)).toBe(true);
      const desc = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${path}?sortOrder=firstName:desc&pageSize=2&pageNumber=1`),
      );
      expect(firstNames(desc)).toEqual(['Cid', 'Bob']);
      expect(desc.pageCount).toBe(2);
      const searched = ok<PagedListing<ContactView>>(await kith.request('GET', `${path}?q=an`));
      expect(firstNames(searched)).toEqual(['Ann']);
      for (const [query, field] of [
        ['pageSize=101', 'pageSize'],
        ['pageSize=50&pageNumber=21', 'pageNumber'],
        ['sortOrder=name', 'sortOrder'],
      ]) {
        const error = expectGenesysError(await kith.request('GET', `${path}?${query}`), 400);
        expect(fieldNames(error)).toContain(field);
      }
    });

    it('expands the linked organization in full on contact reads', async () => {
      const listed = ok<PagedListing<ContactView>>(
        await kith.request(
          'GET',
          `${ORGANIZATIONS}/${organization.id}/contacts?expand=externalOrganization&pageSize=1`,
        ),
      );
      expect(listed.entities[0]?.externalOrganization).toMatchObject({
        id: organization.id,
        name: 'Parent Co',
        industry: 'Retail',
        tags: ['vip'],
        division: { id: '*' },
        selfUri: `${ORGANIZATIONS}/${organization.id}`,
      });
      const contact = listed.entities[0]?.id ?? '';
      const plain = ok<ContactView>(await kith.request('GET', `${CONTACTS}/${contact}`));
      expect(plain.externalOrganization).toEqual({
        id: organization.id,
        selfUri: `${ORGANIZATIONS}/${organization.id}`,
      });
    });
  });

  describe(`organization identifiers (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let source: string;
    let first: OrganizationView;
    let second: OrganizationView;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      source = await createExternalSource(kith, 'ERP');
      first = await organizationIn(kith, 'First', sales);
      second = await organizationIn(kith, 'Second', sales);
    });

    function claim(organizationId: string, value: string, extra: Record<string, unknown> = {}) {
      return kith.request('PATCH', `${ORGANIZATIONS}/${organizationId}/identifiers`, {
        body: {
          operation: 'Claim',
          identifier: { type: 'ExternalId', value, externalSource: { id: source }, ...extra },
        },
      });
    }

    it('claims an ExternalId, lists it, and treats claiming it again as a no-op', async () => {
      const claimed = ok<Record<string, unknown>>(await claim(first.id, ' erp-1 '));
      expect(claimed).toMatchObject({
        type: 'ExternalId',
        value: 'erp-1',
        division: { id: sales },
        externalSource: { id: source },
      });
      expect(ok(await claim(first.id, 'erp-1'))).toEqual(claimed);
      const listed = ok<{ entities: unknown[] }>(
        await kith.request('GET', `${ORGANIZATIONS}/${first.id}/identifiers`),
      );
      expect(listed.entities).toEqual([claimed]);
      const expanded = ok<OrganizationView>(
        await kith.request('GET', `${ORGANIZATIONS}/${first.id}?expand=identifiers`),
      );
      expect(expanded.identifiers).toEqual([claimed]);
    });

    it('answers a claim held by another organization of the division with 409 naming it', async () => {
      ok(await claim(first.id, 'erp-2'));
      const res = await claim(second.id, 'erp-2');
      const error = expectGenesysError(res, 409, 'conflict');
      expect(error.message).toContain(first.id);
      expect(res.json().details[0]).toMatchObject({
        entityId: first.id,
        entityName: 'organization',
      });
      // Another division may hold the same value.
      const elsewhere = await organizationIn(kith, 'Elsewhere', undefined);
      expect((await claim(elsewhere.id, 'erp-2')).statusCode).toBe(200);
    });

    it('accepts ExternalId identifiers only and names the bad field', async () => {
      for (const type of ['Phone', 'Email', 'Cookie', 'Nonsense']) {
        const error = expectGenesysError(
          await kith.request('PATCH', `${ORGANIZATIONS}/${first.id}/identifiers`, {
            body: { operation: 'Claim', identifier: { type, value: '+13175550123' } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toContain('identifier.type');
      }
      expect(fieldNames(expectGenesysError(await claim(first.id, '   '), 400))).toContain(
        'identifier.value',
      );
      expect(
        fieldNames(
          expectGenesysError(await claim(first.id, 'x', { externalSource: { id: MISSING } }), 400),
        ),
      ).toContain('identifier.externalSource.id');
      expect(
        fieldNames(expectGenesysError(await claim(first.id, 'x', { externalSource: {} }), 400)),
      ).toContain('identifier.externalSource.id');
      expect(fieldNames(expectGenesysError(await claim(first.id, 'v'.repeat(256)), 400))).toContain(
        'identifier.value',
      );
      const bad = expectGenesysError(
        await kith.request('PATCH', `${ORGANIZATIONS}/${first.id}/identifiers`, {
          body: { operation: 'Steal', identifier: { type: 'ExternalId', value: 'x' } },
        }),
        400,
      );
      expect(fieldNames(bad)).toContain('operation');
    });

    it('looks an organization up by its claim and releases it', async () => {
      ok(await claim(second.id, 'erp-3'));
      const lookup = { type: 'ExternalId', value: 'erp-3', externalSource: { id: source } };
      const found = ok<OrganizationView>(
        await kith.request('POST', `${ORGANIZATION_LOOKUP}?expand=identifiers`, { body: lookup }),
      );
      expect(found).toMatchObject({ id: second.id, name: 'Second' });
      expect(found.identifiers?.map((i) => i.value)).toContain('erp-3');
      const released = await kith.request('PATCH', `${ORGANIZATIONS}/${second.id}/identifiers`, {
        body: { operation: 'Release', identifier: lookup },
      });
      expect(ok<{ value: string }>(released).value).toBe('erp-3');
      expectGenesysError(
        await kith.request('POST', ORGANIZATION_LOOKUP, { body: lookup }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('PATCH', `${ORGANIZATIONS}/${second.id}/identifiers`, {
          body: { operation: 'Release', identifier: lookup },
        }),
        404,
      );
    });

    it('answers a lookup of another identifier type with 400 naming type', async () => {
      for (const body of [
        { type: 'Phone', value: '+13175550123' },
        { type: 'Email', value: 'a@example.com' },
      ]) {
        const error = expectGenesysError(
          await kith.request('POST', ORGANIZATION_LOOKUP, { body }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toContain('type');
        expect(error.message).toContain('ExternalId');
      }
      expectGenesysError(
        await kith.request('POST', ORGANIZATION_LOOKUP, {
          body: { type: 'ExternalId', value: 'x' },
        }),
        400,
      );
    });
  });

  describe(`organization tenancy (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let otherToken: string;
    let organization: OrganizationView;

    beforeAll(async () => {
      otherToken = (await kith.otherOrganization('Other Org')).adminToken;
      organization = await createOrganization(kith, { name: 'Tenant One' });
    });

    it("answers another tenant's organization id with 404 on every path", async () => {
      for (const [method, url, body] of [
        ['GET', `${ORGANIZATIONS}/${organization.id}`],
        ['PUT', `${ORGANIZATIONS}/${organization.id}`, { name: 'x' }],
        ['DELETE', `${ORGANIZATIONS}/${organization.id}`],
        ['GET', `${ORGANIZATIONS}/${organization.id}/contacts`],
        ['GET', `${ORGANIZATIONS}/${organization.id}/identifiers`],
        ['GET', `${ORGANIZATIONS}/${organization.id}/relationships`],
      ] as ['GET' | 'PUT' | 'DELETE', string, unknown?][]) {
        expectGenesysError(
          await kith.request(method, url, { token: otherToken, body }),
          404,
          'not.found',
        );
      }
      expect((await kith.request('GET', `${ORGANIZATIONS}/${organization.id}`)).statusCode).toBe(
        200,
      );
    });

    it("lists none of another tenant's organizations and cannot link a contact to one", async () => {
      const listed = ok<PagedListing<OrganizationView>>(
        await kith.request('GET', `${ORGANIZATIONS}?q=tenant`, { token: otherToken }),
      );
      expect(listed.total).toBe(0);
      expectGenesysError(
        await kith.request('POST', CONTACTS, {
          token: otherToken,
          body: { firstName: 'x', externalOrganization: { id: organization.id } },
        }),
        400,
      );
    });
  });

  describe(`organizations and relationships through the Genesys SDK (${dialect})`, () => {
    const client = platformClient.ApiClient.instance;
    let database: TestDatabase;
    let app: FastifyInstance;
    let port: number;

    async function signIn(): Promise<void> {
      client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      client.setReturnExtendedResponses(false);
      await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
    }

    async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
      try {
        await promise;
      } catch (error) {
        return error;
      }
      throw new Error('expected the SDK call to reject, but it resolved');
    }

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      const org = await ensureDefaultOrganization(database.db);
      await bootstrapAdminClient(database.db, org.id, { id: ADMIN_ID, secret: ADMIN_SECRET });
      app = await buildApp({
        config: loadConfig({ KITH_RATE_LIMIT_PER_MINUTE: '0' }),
        db: database.db,
        logger: false,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await app?.close();
      await database?.destroy();
    });

    it('creates, reads, updates, searches, relates, claims, looks up and deletes', async () => {
      await signIn();
      const api = new platformClient.ExternalContactsApi();
      const users = new platformClient.UsersApi();

      const source = await api.postExternalcontactsExternalsources({
        name: 'SDK CRM',
        active: true,
      });
      const created = await api.postExternalcontactsOrganizations({
        name: 'SDK Industries',
        industry: 'Software',
        employeeCount: 42,
        tickers: [{ symbol: 'SDKI', exchange: 'NASDAQ' }],
      });
      expect(created).toMatchObject({ name: 'SDK Industries', division: { id: '*' } });

      const fetched = await api.getExternalcontactsOrganization(created.id!);
      expect(fetched).toEqual(created);

      const updated = await api.putExternalcontactsOrganization(created.id!, {
        ...fetched,
        companyType: 'Customer',
      });
      expect(updated).toMatchObject({ companyType: 'Customer', employeeCount: 42 });

      const found = await api.getExternalcontactsOrganizations({
        q: 'sdk',
        pageSize: 10,
        sortOrder: 'name:asc',
      });
      expect(found.entities?.map((o) => o.id)).toEqual([created.id]);
      expect(found.total).toBe(1);

      const contact = await api.postExternalcontactsContacts({
        firstName: 'Sam',
        lastName: 'Dee',
        externalOrganization: { id: created.id!, name: created.name },
      });
      const linked = await api.getExternalcontactsOrganizationContacts(created.id!, {
        pageSize: 10,
        sortOrder: 'lastName:asc',
        expand: ['externalOrganization'],
      });
      expect(linked.entities?.map((c) => c.id)).toEqual([contact.id]);
      expect(linked.entities?.[0]?.externalOrganization?.name).toBe('SDK Industries');

      const home = await new platformClient.AuthorizationApi().getAuthorizationDivisionsHome();
      const user = await users.postUsers({
        divisionId: home.id!,
        name: 'Rel Ationship',
        email: 'relationship-owner@example.com',
        password: 'correct horse battery',
      });
      const relationship = await api.postExternalcontactsRelationships({
        user: { id: user.id! } as platformClient.Models.User,
        externalOrganization: { id: created.id!, name: created.name },
        relationship: 'Account Manager',
      });
      expect(relationship).toMatchObject({
        user: { id: user.id },
        externalOrganization: { id: created.id },
        relationship: 'Account Manager',
        division: { id: '*' },
      });
      expect(await api.getExternalcontactsRelationship(relationship.id!)).toEqual(relationship);
      const renamed = await api.putExternalcontactsRelationship(relationship.id!, {
        ...relationship,
        relationship: 'Executive Sponsor',
      });
      expect(renamed.relationship).toBe('Executive Sponsor');
      const listed = await api.getExternalcontactsOrganizationRelationships(created.id!, {
        pageSize: 10,
        sortOrder: 'relationship:asc',
      });
      expect(listed.entities?.map((r) => r.relationship)).toEqual(['Executive Sponsor']);
      expect(listed.total).toBe(1);

      const claimed = await api.patchExternalcontactsOrganizationIdentifiers(created.id!, {
        operation: 'Claim',
        identifier: {
          type: 'ExternalId',
          value: 'sdk-1',
          externalSource: { id: source.id, name: source.name },
        },
      });
      expect(claimed).toMatchObject({ type: 'ExternalId', value: 'sdk-1' });
      const looked = await api.postExternalcontactsIdentifierlookupOrganizations({
        type: 'ExternalId',
        value: 'sdk-1',
        externalSource: { id: source.id, name: source.name },
      });
      expect(looked.id).toBe(created.id);

      expect(await api.deleteExternalcontactsRelationship(relationship.id!)).toEqual({});
      expect(
        await rejectionOf(api.getExternalcontactsRelationship(relationship.id!)),
      ).toMatchObject({ status: 404, code: 'not.found' });
      expect(await api.deleteExternalcontactsOrganization(created.id!)).toEqual({});
      expect(await rejectionOf(api.getExternalcontactsOrganization(created.id!))).toMatchObject({
        status: 404,
        code: 'not.found',
      });
      expect(
        (await api.getExternalcontactsContact(contact.id!)).externalOrganization,
      ).toBeUndefined();
    });

    it('rejects a stale write and a lookup of the wrong type with Genesys error bodies', async () => {
      await signIn();
      const api = new platformClient.ExternalContactsApi();
      const created = await api.postExternalcontactsOrganizations({ name: 'Stale Inc' });
      await api.putExternalcontactsOrganization(created.id!, { name: 'Fresh Inc' });
      const stale = await rejectionOf(
        api.putExternalcontactsOrganization(
          created.id!,
          { name: 'Stale again' },
          { customHeaders: { 'If-Match': '"1"' } },
        ),
      );
      expect(stale).toMatchObject({ status: 412, code: 'precondition.failed' });
      const wrongType = await rejectionOf(
        api.postExternalcontactsIdentifierlookupOrganizations({
          type: 'Phone',
          value: '+13175550123',
        }),
      );
      expect(wrongType).toMatchObject({ status: 400, code: 'bad.request' });
    });
  });
}
