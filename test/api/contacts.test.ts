import { beforeAll, describe, expect, it } from 'vitest';
import type { PagedListing } from '../../src/common/paging.js';
import { DIALECTS } from '../helpers/databases.js';
import {
  CONTACTS,
  DIVISIONS,
  clientToken,
  createClient,
  createDivision,
  createRole,
  expectGenesysError,
  ok,
} from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';

interface ContactView {
  id: string;
  division: { id: string; selfUri?: string };
  firstName?: string;
  middleName?: string;
  lastName?: string;
  salutation?: string;
  title?: string;
  type: string;
  createDate: string;
  modifyDate: string;
  selfUri: string;
}

const NAME_FIELDS = ['firstName', 'middleName', 'lastName', 'salutation', 'title'] as const;

async function createContact(
  kith: TestKith,
  body: Record<string, unknown>,
  token?: string,
): Promise<ContactView> {
  return ok<ContactView>(
    await kith.request('POST', CONTACTS, { body, ...(token === undefined ? {} : { token }) }),
  );
}

for (const dialect of DIALECTS) {
  describe(`contacts CRUD (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
    });

    it('creates a Curated contact and reads it back', async () => {
      const created = await createContact(kith, {
        firstName: 'Ada',
        middleName: 'King',
        lastName: 'Lovelace',
        salutation: 'Countess',
        title: 'Analyst',
        division: { id: sales },
      });
      expect(created).toMatchObject({
        firstName: 'Ada',
        middleName: 'King',
        lastName: 'Lovelace',
        salutation: 'Countess',
        title: 'Analyst',
        type: 'Curated',
        division: { id: sales },
        selfUri: `${CONTACTS}/${created.id}`,
      });
      expect(Number.isNaN(Date.parse(created.createDate))).toBe(false);
      expect(Number.isNaN(Date.parse(created.modifyDate))).toBe(false);
      expect(ok<ContactView>(await kith.request('GET', `${CONTACTS}/${created.id}`))).toEqual(
        created,
      );
    });

    it('creates an unassigned contact when no division is named, or * is', async () => {
      const none = await createContact(kith, { firstName: 'Nobody' });
      expect(none.division.id).toBe('*');
      const star = await createContact(kith, { firstName: 'Star', division: { id: '*' } });
      expect(star.division.id).toBe('*');
    });

    it('trims names', async () => {
      const created = await createContact(kith, { firstName: '  Grace  ', lastName: 'Hopper ' });
      expect(created.firstName).toBe('Grace');
      expect(created.lastName).toBe('Hopper');
    });

    it('deletes a contact with 200 {} and then answers 404 for it', async () => {
      const created = await createContact(kith, { firstName: 'Temp', division: { id: sales } });
      const res = await kith.request('DELETE', `${CONTACTS}/${created.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({});
      expectGenesysError(await kith.request('GET', `${CONTACTS}/${created.id}`), 404, 'not.found');
      expectGenesysError(
        await kith.request('DELETE', `${CONTACTS}/${created.id}`),
        404,
        'not.found',
      );
    });

    it('answers an unknown contact id with 404', async () => {
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/01a00000-0000-7000-8000-000000000000`),
        404,
        'not.found',
      );
    });

    it('accepts names of exactly 1000 characters', async () => {
      const long = 'n'.repeat(1000);
      const created = await createContact(kith, { firstName: long, title: `  ${long}  ` });
      expect(created.firstName).toBe(long);
      expect(created.title).toBe(long);
    });

    for (const field of NAME_FIELDS) {
      it(`answers a ${field} over 1000 characters with 400 naming ${field}`, async () => {
        const error = expectGenesysError(
          await kith.request('POST', CONTACTS, { body: { [field]: 'x'.repeat(1001) } }),
          400,
          'bad.request',
        );
        expect(error.message).toContain(field);
        expect(error.details.map((d) => d.fieldName)).toContain(field);
      });
    }

    it('answers a far-too-long name with 400 naming the field too', async () => {
      const error = expectGenesysError(
        await kith.request('POST', CONTACTS, { body: { lastName: 'x'.repeat(5000) } }),
        400,
        'bad.request',
      );
      expect(error.message).toContain('lastName');
      expect(error.details.map((d) => d.fieldName)).toContain('lastName');
    });

    it('answers an unknown division with 400 naming division.id', async () => {
      const error = expectGenesysError(
        await kith.request('POST', CONTACTS, {
          body: { firstName: 'Lost', division: { id: '01a00000-0000-7000-8000-000000000000' } },
        }),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName).join()).toContain('division');
    });
  });

  describe(`contacts listing (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      for (const [firstName, division] of [
        ['Cid', sales],
        ['Ann', support],
        ['Eve', undefined],
        ['Bob', sales],
        ['Dan', support],
      ] as const) {
        await createContact(kith, {
          firstName,
          lastName: 'Listed',
          ...(division === undefined ? {} : { division: { id: division } }),
        });
      }
    });

    it('pages the list with Genesys paging fields', async () => {
      const page = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?pageSize=2&pageNumber=2&sortOrder=firstName:asc`),
      );
      expect(page).toMatchObject({ pageSize: 2, pageNumber: 2, total: 5, pageCount: 3 });
      expect(page.entities.map((c) => c.firstName)).toEqual(['Cid', 'Dan']);
      expect(page.selfUri).toContain('pageNumber=2');
      expect(page.firstUri).toContain('pageNumber=1');
      expect(page.lastUri).toContain('pageNumber=3');
      expect(page.nextUri).toContain('pageNumber=3');
      expect(page.previousUri).toContain('pageNumber=1');
      for (const uri of [page.firstUri, page.selfUri, page.lastUri]) {
        expect(uri.startsWith(`${CONTACTS}?`)).toBe(true);
        expect(uri).toContain('pageSize=2');
      }
    });

    it('sorts by sortOrder ascending and descending', async () => {
      const asc = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?pageSize=10&sortOrder=firstName:asc`),
      );
      expect(asc.entities.map((c) => c.firstName)).toEqual(['Ann', 'Bob', 'Cid', 'Dan', 'Eve']);
      const desc = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?pageSize=10&sortOrder=firstName:desc`),
      );
      expect(desc.entities.map((c) => c.firstName)).toEqual(['Eve', 'Dan', 'Cid', 'Bob', 'Ann']);
    });

    it('answers a bad sortOrder with 400 naming sortOrder', async () => {
      for (const sortOrder of ['shoeSize:asc', 'firstName:sideways', 'id']) {
        const error = expectGenesysError(
          await kith.request('GET', `${CONTACTS}?sortOrder=${sortOrder}`),
          400,
          'bad.request',
        );
        expect(error.details.map((d) => d.fieldName)).toContain('sortOrder');
      }
    });

    it('accepts pageSize up to 100 and answers more with 400', async () => {
      expect((await kith.request('GET', `${CONTACTS}?pageSize=100`)).statusCode).toBe(200);
      const error = expectGenesysError(
        await kith.request('GET', `${CONTACTS}?pageSize=101`),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName)).toContain('pageSize');
      expectGenesysError(await kith.request('GET', `${CONTACTS}?pageSize=0`), 400, 'bad.request');
    });

    it('accepts pageNumber * pageSize up to 1000 and answers deeper paging with 400', async () => {
      const deepest = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?pageSize=100&pageNumber=10`),
      );
      expect(deepest.entities).toEqual([]);
      expect(deepest.total).toBe(5);
      const error = expectGenesysError(
        await kith.request('GET', `${CONTACTS}?pageSize=100&pageNumber=11`),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName)).toContain('pageNumber');
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}?pageSize=25&pageNumber=41`),
        400,
        'bad.request',
      );
      expectGenesysError(await kith.request('GET', `${CONTACTS}?pageNumber=0`), 400, 'bad.request');
    });

    it('filters by divisionIds', async () => {
      const inSales = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?divisionIds=${sales}&sortOrder=firstName:asc`),
      );
      expect(inSales.entities.map((c) => c.firstName)).toEqual(['Bob', 'Cid']);
      expect(inSales.total).toBe(2);
      expect(inSales.selfUri).toContain(`divisionIds=${sales}`);

      const both = ok<PagedListing<ContactView>>(
        await kith.request(
          'GET',
          `${CONTACTS}?divisionIds=${sales}&divisionIds=${support}&sortOrder=firstName:asc`,
        ),
      );
      expect(both.entities.map((c) => c.firstName)).toEqual(['Ann', 'Bob', 'Cid', 'Dan']);

      const unassigned = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?divisionIds=*`),
      );
      expect(unassigned.entities.map((c) => c.firstName)).toEqual(['Eve']);
    });

    it('accepts up to 50 divisionIds and answers more with 400', async () => {
      const ids = (n: number) =>
        [sales, ...Array.from({ length: n - 1 }, (_, i) => `division-${i}`)]
          .map((id) => `divisionIds=${id}`)
          .join('&');
      const fifty = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?${ids(50)}`),
      );
      expect(fifty.total).toBe(2);
      const error = expectGenesysError(
        await kith.request('GET', `${CONTACTS}?${ids(51)}`),
        400,
        'bad.request',
      );
      expect(error.details.map((d) => d.fieldName)).toContain('divisionIds');
    });

    it('never widens visibility through divisionIds', async () => {
      const { token } = await kith.principal(['externalContacts:contact:view'], [sales]);
      const res = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?divisionIds=${support}`, { token }),
      );
      expect(res.entities).toEqual([]);
      expect(res.total).toBe(0);
    });
  });

  describe(`contact permissions (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
    });

    it('creates in a division where the principal holds add', async () => {
      const { token } = await kith.principal(
        ['externalContacts:contact:view', 'externalContacts:contact:add'],
        [sales],
      );
      const created = await createContact(
        kith,
        { firstName: 'Allowed', division: { id: sales } },
        token,
      );
      expect(created.division.id).toBe(sales);
    });

    it('answers creating in a division without add there with 403', async () => {
      const { token } = await kith.principal(
        ['externalContacts:contact:view', 'externalContacts:contact:add'],
        [sales],
      );
      const error = expectGenesysError(
        await kith.request('POST', CONTACTS, {
          token,
          body: { firstName: 'Denied', division: { id: support } },
        }),
        403,
        'missing.permissions',
      );
      expect(error.message).toContain('externalContacts:contact:add');
      const viewOnly = await kith.principal(['externalContacts:contact:view'], [sales]);
      expectGenesysError(
        await kith.request('POST', CONTACTS, {
          token: viewOnly.token,
          body: { firstName: 'Denied', division: { id: sales } },
        }),
        403,
        'missing.permissions',
      );
      const listed = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?pageSize=100`),
      );
      expect(listed.entities.map((c) => c.firstName)).not.toContain('Denied');
    });

    it("needs delete on the contact's division to delete it", async () => {
      const contact = await createContact(kith, { firstName: 'Keep', division: { id: sales } });

      const viewOnly = await kith.principal(['externalContacts:contact:view'], [sales]);
      expectGenesysError(
        await kith.request('DELETE', `${CONTACTS}/${contact.id}`, { token: viewOnly.token }),
        403,
        'missing.permissions',
      );

      // View on Sales, delete only on Support: the contact is visible but not deletable.
      const viewRole = await createRole(kith, 'view only', ['externalContacts:contact:view']);
      const deleteRole = await createRole(kith, 'delete only', ['externalContacts:contact:delete']);
      const client = await createClient(kith, {
        name: 'mixed grants',
        roleDivisions: [
          { roleId: viewRole, divisionId: sales },
          { roleId: deleteRole, divisionId: support },
        ],
      });
      const mixed = await clientToken(kith, client.id, client.secret);
      expect(
        (await kith.request('GET', `${CONTACTS}/${contact.id}`, { token: mixed })).statusCode,
      ).toBe(200);
      const error = expectGenesysError(
        await kith.request('DELETE', `${CONTACTS}/${contact.id}`, { token: mixed }),
        403,
        'missing.permissions',
      );
      expect(error.message).toContain('externalContacts:contact:delete');
      expect((await kith.request('GET', `${CONTACTS}/${contact.id}`)).statusCode).toBe(200);

      const deleter = await kith.principal(
        ['externalContacts:contact:view', 'externalContacts:contact:delete'],
        [sales],
      );
      const res = await kith.request('DELETE', `${CONTACTS}/${contact.id}`, {
        token: deleter.token,
      });
      expect(res.statusCode).toBe(200);
      expectGenesysError(await kith.request('GET', `${CONTACTS}/${contact.id}`), 404);
    });

    it('answers 403 on every External Contacts endpoint to a principal without contact permissions', async () => {
      const contact = await createContact(kith, { firstName: 'Hidden', division: { id: sales } });
      for (const permissions of [
        ['authorization:division:view'],
        ['externalContacts:externalOrganization:*', 'authorization:*:*'],
      ]) {
        const { token } = await kith.principal(permissions, ['*']);
        const calls: ['GET' | 'POST' | 'DELETE', string, unknown?][] = [
          ['GET', CONTACTS],
          ['GET', `${CONTACTS}?pageSize=10`],
          ['POST', CONTACTS, { firstName: 'Sneaky' }],
          ['GET', `${CONTACTS}/${contact.id}`],
          ['GET', `${CONTACTS}/01a00000-0000-7000-8000-000000000000`],
          ['DELETE', `${CONTACTS}/${contact.id}`],
        ];
        for (const [method, url, body] of calls) {
          expectGenesysError(
            await kith.request(method, url, { token, body }),
            403,
            'missing.permissions',
          );
        }
        // The same principal still reaches what it is granted outside External Contacts.
        expect((await kith.request('GET', `${DIVISIONS}/home`, { token })).statusCode).toBe(200);
      }
      expect((await kith.request('GET', `${CONTACTS}/${contact.id}`)).statusCode).toBe(200);
    });
  });

  describe(`contact tenancy (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let otherToken: string;
    let contact: ContactView;

    beforeAll(async () => {
      otherToken = (await kith.otherOrganization('Other Org')).adminToken;
      contact = await createContact(kith, { firstName: 'Tenant', lastName: 'One' });
    });

    it("answers another organization's contact id with 404, not 403", async () => {
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/${contact.id}`, { token: otherToken }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('DELETE', `${CONTACTS}/${contact.id}`, { token: otherToken }),
        404,
        'not.found',
      );
      expect((await kith.request('GET', `${CONTACTS}/${contact.id}`)).statusCode).toBe(200);
    });

    it("lists none of another organization's contacts", async () => {
      const listed = ok<PagedListing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?pageSize=100`, { token: otherToken }),
      );
      expect(listed.entities.map((c) => c.id)).not.toContain(contact.id);
      expect(listed.total).toBe(0);
    });

    it("refuses another organization's division with 400", async () => {
      const mine = await createDivision(kith, 'Mine');
      expectGenesysError(
        await kith.request('POST', CONTACTS, {
          token: otherToken,
          body: { firstName: 'x', division: { id: mine } },
        }),
        400,
        'bad.request',
      );
    });
  });
}
