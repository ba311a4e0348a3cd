import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';

const ROOT = '/api/v2/externalcontacts';

interface BulkAnswer {
  results: {
    id?: string;
    success: boolean;
    status: number;
    entity?: { id: string; firstName?: string };
    error?: { code: string; message: string };
  }[];
  errorCount: number;
  errorIndexes: number[];
}

interface ScanPage {
  entities: { id: string; firstName?: string; division: { id: string } }[];
  cursors?: { after: string };
  nextUri?: string;
}

async function createContacts(
  kith: TestKith,
  names: string[],
  divisionId?: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const firstName of names) {
    const body =
      divisionId === undefined ? { firstName } : { firstName, division: { id: divisionId } };
    ids.push(ok<{ id: string }>(await kith.request('POST', CONTACTS, { body })).id);
  }
  return ids;
}

/** Follows cursors to the end; returns every entity and the number of pages. */
async function scanAll(
  kith: TestKith,
  path: string,
  token?: string,
): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const res = await kith.request(
      'GET',
      `${path}${path.includes('?') ? '&' : '?'}limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      { token },
    );
    const page = ok<ScanPage>(res);
    names.push(...page.entities.map((e) => e.firstName ?? ''));
    pages += 1;
    cursor = page.cursors?.after;
    if (cursor !== undefined) expect(page.nextUri).toContain(cursor);
  } while (cursor !== undefined);
  return { names: names.sort(), pages };
}

for (const dialect of DIALECTS) {
  describe(`bulk contacts (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('adds what it can and reports each failure by index (partial success)', async () => {
      const res = ok<BulkAnswer>(
        await kith.request('POST', `${ROOT}/bulk/contacts/add`, {
          body: {
            entities: [
              { firstName: 'Ann' },
              { firstName: 'x'.repeat(1001) },
              { firstName: 'Cy', workEmail: 'nope' },
              { firstName: 'Di' },
            ],
          },
        }),
      );
      expect(res.errorIndexes).toEqual([1, 2]);
      expect(res.errorCount).toBe(2);
      expect(res.results.map((r) => r.success)).toEqual([true, false, false, true]);
      expect(res.results[1]?.error?.message).toContain('firstName');
      expect(res.results[2]?.error?.code).toBe('bad.request');
      const created = res.results[0]?.id ?? '';
      expect(
        ok<{ firstName: string }>(await kith.request('GET', `${CONTACTS}/${created}`)).firstName,
      ).toBe('Ann');
    });

    it('fetches by id, with a 404 result for ids it cannot find', async () => {
      const ids = await createContacts(kith, ['Fa', 'Fb']);
      const res = ok<BulkAnswer>(
        await kith.request('POST', `${ROOT}/bulk/contacts`, {
          body: { entities: [{ id: ids[0] }, { id: 'missing' }, { id: ids[1] }] },
        }),
      );
      expect(res.errorIndexes).toEqual([1]);
      expect(res.results[1]).toMatchObject({ id: 'missing', success: false, status: 404 });
      expect(res.results.map((r) => r.entity?.firstName)).toEqual(['Fa', undefined, 'Fb']);
    });

    it('updates each contact by id and refuses entities without one', async () => {
      const [id] = await createContacts(kith, ['Before']);
      const res = ok<BulkAnswer>(
        await kith.request('POST', `${ROOT}/bulk/contacts/update`, {
          body: { entities: [{ id, firstName: 'After' }, { firstName: 'NoId' }] },
        }),
      );
      expect(res.errorIndexes).toEqual([1]);
      expect(
        ok<{ firstName: string }>(await kith.request('GET', `${CONTACTS}/${id}`)).firstName,
      ).toBe('After');
    });

    it('removes contacts, reporting those already gone', async () => {
      const [a, b] = await createContacts(kith, ['Ra', 'Rb']);
      const res = ok<BulkAnswer>(
        await kith.request('POST', `${ROOT}/bulk/contacts/remove`, {
          body: { entities: [{ id: a }, { id: b }, { id: a }] },
        }),
      );
      expect(res.errorIndexes).toEqual([2]);
      expectGenesysError(await kith.request('GET', `${CONTACTS}/${a}`), 404, 'not.found');
      expectGenesysError(await kith.request('GET', `${CONTACTS}/${b}`), 404, 'not.found');
    });

    it('refuses more than 200 entities, saying so, and an empty request', async () => {
      const entities = Array.from({ length: 201 }, () => ({ firstName: 'x' }));
      const big = expectGenesysError(
        await kith.request('POST', `${ROOT}/bulk/contacts/add`, { body: { entities } }),
        400,
        'bad.request',
      );
      expect(big.message).toContain('at most 200');
      expect(big.details.map((d) => d.fieldName)).toContain('entities');
      expectGenesysError(
        await kith.request('POST', `${ROOT}/bulk/contacts/add`, { body: { entities: [] } }),
        400,
      );
      const exactly200 = ok<BulkAnswer>(
        await kith.request('POST', `${ROOT}/bulk/contacts`, {
          body: { entities: Array.from({ length: 200 }, (_, i) => ({ id: `n${i}` })) },
        }),
      );
      expect(exactly200.errorCount).toBe(200);
    });

    it('shows a principal only its divisions and unassigned contacts, on fetch and divisionviews', async () => {
      const sales = await createDivision(kith, `Sales ${dialect} bulk`);
      const support = await createDivision(kith, `Support ${dialect} bulk`);
      const [inSales] = await createContacts(kith, ['BulkSales'], sales);
      const [inSupport] = await createContacts(kith, ['BulkSupport'], support);
      const [unassigned] = await createContacts(kith, ['BulkFree']);
      const { token } = await kith.principal(
        ['externalContacts:contact:view', 'externalContacts:contact:search'],
        [sales],
      );
      for (const path of [
        `${ROOT}/bulk/contacts`,
        `${ROOT}/bulk/contacts/divisionviews`,
        `${ROOT}/bulk/contacts/unresolved`,
      ]) {
        const res = ok<BulkAnswer>(
          await kith.request('POST', path, {
            token,
            body: { entities: [{ id: inSales }, { id: inSupport }, { id: unassigned }] },
          }),
        );
        expect({ path, errors: res.errorIndexes }).toEqual({ path, errors: [1] });
        expect(res.results[1]?.status).toBe(404);
      }
    });

    it('needs delete permission on the contact to remove it', async () => {
      const [id] = await createContacts(kith, ['Keep']);
      const { token } = await kith.principal(['externalContacts:contact:view'], ['*']);
      const res = ok<BulkAnswer>(
        await kith.request('POST', `${ROOT}/bulk/contacts/remove`, {
          token,
          body: { entities: [{ id }] },
        }),
      );
      expect(res.results[0]).toMatchObject({ success: false, status: 403 });
      expect(ok<{ id: string }>(await kith.request('GET', `${CONTACTS}/${id}`)).id).toBe(id);
    });
  });

  describe(`contact scans (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('pages through the unassigned contacts with cursors, each exactly once', async () => {
      const names = Array.from({ length: 23 }, (_, i) => `Scan${String(i).padStart(2, '0')}`);
      await createContacts(kith, names);
      const { names: seen, pages } = await scanAll(kith, `${ROOT}/scan/contacts`);
      expect(seen).toEqual(names);
      expect(pages).toBe(3);
    });

    it('scans one division when asked, and every visible one through divisionviews/all with viewAll', async () => {
      const east = await createDivision(kith, `East ${dialect}`);
      const west = await createDivision(kith, `West ${dialect}`);
      await createContacts(kith, ['E1', 'E2'], east);
      await createContacts(kith, ['W1'], west);
      expect((await scanAll(kith, `${ROOT}/scan/contacts?divisionId=${east}`)).names).toEqual([
        'E1',
        'E2',
      ]);

      const { token } = await kith.principal(
        ['externalContacts:contact:view', 'externalContacts:contact:viewAll'],
        [east],
      );
      const all = (await scanAll(kith, `${ROOT}/scan/contacts/divisionviews/all`, token)).names;
      expect(all).toContain('E1');
      expect(all).not.toContain('W1');
      expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/contacts?divisionId=${west}&limit=10`, { token }),
        403,
      );

      const { token: noViewAll } = await kith.principal(['externalContacts:contact:view'], [east]);
      expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/contacts/divisionviews/all?limit=10`, {
          token: noViewAll,
        }),
        403,
      );
    });

    it('refuses a limit outside 10–200 and a cursor it did not issue', async () => {
      for (const limit of [9, 201]) {
        const body = expectGenesysError(
          await kith.request('GET', `${ROOT}/scan/contacts?limit=${limit}`),
          400,
          'bad.request',
        );
        expect(body.details.map((d) => d.fieldName)).toContain('limit');
      }
      const bad = expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/contacts?limit=10&cursor=garbage`),
        400,
        'bad.request',
      );
      expect(bad.details.map((d) => d.fieldName)).toContain('cursor');
    });
  });

  describe(`settings and the identifier blocklist (${dialect})`, () => {
    const kith = useTestKith(dialect);
    const SETTINGS = `${ROOT}/settings`;

    it('starts with the default blocklist and takes an organization’s own', async () => {
      const before = ok<{ identifierBlocklist: string[] }>(await kith.request('GET', SETTINGS));
      expect(before.identifierBlocklist).toContain('unknown');
      const after = ok<{ identifierBlocklist: string[] }>(
        await kith.request('PUT', SETTINGS, {
          body: { identifierBlocklist: ['Guest@Example.com', 'walk-in'] },
        }),
      );
      expect(after.identifierBlocklist).toEqual(['guest@example.com', 'walk-in']);

      const contact = ok<{ id: string }>(
        await kith.request('POST', CONTACTS, {
          body: { firstName: 'G', workEmail: 'guest@example.com' },
        }),
      );
      const claim = await kith.request('PATCH', `${CONTACTS}/${contact.id}/identifiers`, {
        body: { operation: 'Claim', identifier: { type: 'Email', value: 'guest@example.com' } },
      });
      expect(expectGenesysError(claim, 400).message).toContain('blocklist');
      expectGenesysError(
        await kith.request('POST', `${ROOT}/identifierlookup/contacts`, {
          body: { type: 'Email', value: 'guest@example.com' },
        }),
        400,
      );
      const found = ok<{ total: number }>(
        await kith.request('GET', `${CONTACTS}?q=guest%40example.com`),
      );
      expect(found.total).toBe(0);

      const reset = ok<{ identifierBlocklist: string[] }>(
        await kith.request('PUT', SETTINGS, { body: { identifierBlocklist: null } }),
      );
      expect(reset.identifierBlocklist).toContain('unknown');
    });

    it('needs the settings permissions', async () => {
      const { token } = await kith.principal(['externalContacts:contact:view'], ['*']);
      expectGenesysError(
        await kith.request('GET', SETTINGS, { token }),
        403,
        'missing.permissions',
      );
      expectGenesysError(
        await kith.request('PUT', SETTINGS, { token, body: { identifierBlocklist: [] } }),
        403,
      );
    });
  });
}
