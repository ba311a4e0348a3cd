import platformClient from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import { createDivision, expectGenesysError, ok } from '../helpers/http.js';
import {
  ORGANIZATIONS,
  RELATIONSHIPS,
  createUser,
  organizationIn,
  type OrganizationView,
} from '../helpers/organizations.js';
import {
  ROOT,
  postBulk,
  scanAll,
  scannedIds,
  sdkSignIn,
  type ScanPage,
} from '../helpers/bulk-scan.js';

const VIEW = 'externalContacts:externalOrganization:view';
const VIEW_ALL = 'externalContacts:externalOrganization:viewAll';
const SEARCH = 'externalContacts:externalOrganization:search';
const ADD = 'externalContacts:externalOrganization:add';
const EDIT = 'externalContacts:externalOrganization:edit';
const DELETE = 'externalContacts:externalOrganization:delete';
// Every External Contacts endpoint needs some contact permission (SPEC §1).
const CONTACT_VIEW = 'externalContacts:contact:view';
const MISSING_ID = '01a00000-0000-7000-8000-000000000000';

/** Creates organizations named `names` in `divisionId` (unassigned when undefined); their ids. */
async function organizationsIn(
  kith: TestKith,
  names: readonly string[],
  divisionId?: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) ids.push((await organizationIn(kith, name, divisionId)).id);
  return ids;
}

for (const dialect of DIALECTS) {
  describe(`bulk organizations (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('adds what it can and reports each failure by index (partial success)', async () => {
      const res = await postBulk<OrganizationView>(kith, '/bulk/organizations/add', [
        { name: 'Acme' },
        { industry: 'no name' },
        { name: 'Nowhere', division: { id: MISSING_ID } },
        { name: 'Globex', division: { id: '*' } },
      ]);
      expect(res.errorIndexes).toEqual([1, 2]);
      expect(res.errorCount).toBe(2);
      expect(res.results.map((r) => [r.success, r.status])).toEqual([
        [true, 200],
        [false, 400],
        [false, 400],
        [true, 200],
      ]);
      expect(res.results[1]?.error?.message).toContain('name');
      expect(res.results[1]?.error?.entity).toEqual({ industry: 'no name' });
      expect(res.results[2]?.error?.details.map((d) => d.fieldName)).toContain('division.id');
      const created = res.results[0];
      expect(created?.id).toBe(created?.entity?.id);
      expect(
        ok<OrganizationView>(await kith.request('GET', `${ORGANIZATIONS}/${created?.id ?? ''}`))
          .name,
      ).toBe('Acme');
      expect(res.results[3]?.entity).toMatchObject({ name: 'Globex', division: { id: '*' } });
    });

    it('fetches by id, with a 404 result for ids it cannot find', async () => {
      const [a, b] = await organizationsIn(kith, ['Fetch A', 'Fetch B']);
      const res = await postBulk<OrganizationView>(kith, '/bulk/organizations', [
        { id: a },
        { id: MISSING_ID },
        { id: b },
      ]);
      expect(res.errorIndexes).toEqual([1]);
      expect(res.results[1]).toMatchObject({ id: MISSING_ID, success: false, status: 404 });
      expect(res.results[1]?.error?.code).toBe('not.found');
      expect(res.results.map((r) => r.entity?.name)).toEqual(['Fetch A', undefined, 'Fetch B']);
      expect(res.results[0]?.id).toBe(a);
    });

    it('updates each organization by id, refusing one without an id or with a new division', async () => {
      const division = await createDivision(kith, `Moves ${dialect}`);
      const [a, b] = await organizationsIn(kith, ['Old A', 'Old B']);
      const res = await postBulk<OrganizationView>(kith, '/bulk/organizations/update', [
        { id: a, name: 'New A', industry: 'Retail' },
        { name: 'No id' },
        { id: b, name: 'New B', division: { id: division } },
        { id: MISSING_ID, name: 'Ghost' },
      ]);
      expect(res.errorIndexes).toEqual([1, 2, 3]);
      expect(res.results.map((r) => r.status)).toEqual([200, 400, 400, 404]);
      expect(res.results[1]?.error?.details.map((d) => d.fieldName)).toEqual(['entities[1].id']);
      expect(res.results[2]?.error?.message).toContain('division');
      expect(res.results[0]?.entity).toMatchObject({ id: a, name: 'New A', industry: 'Retail' });
      const reread = ok<OrganizationView>(await kith.request('GET', `${ORGANIZATIONS}/${b}`));
      expect(reread).toMatchObject({ name: 'Old B', division: { id: '*' } });
    });

    it('removes organizations with their relationships, reporting those already gone', async () => {
      const [a, b] = await organizationsIn(kith, ['Gone A', 'Gone B']);
      const userId = await createUser(kith, 'Account manager');
      const relationship = ok<{ id: string }>(
        await kith.request('POST', RELATIONSHIPS, {
          body: { user: { id: userId }, externalOrganization: { id: a }, relationship: 'AM' },
        }),
      );
      const res = await postBulk(kith, '/bulk/organizations/remove', [
        { id: a },
        { id: b },
        { id: a },
      ]);
      expect(res.errorIndexes).toEqual([2]);
      expect(res.results.map((r) => [r.id, r.status])).toEqual([
        [a, 200],
        [b, 200],
        [a, 404],
      ]);
      expectGenesysError(await kith.request('GET', `${ORGANIZATIONS}/${a}`), 404, 'not.found');
      expectGenesysError(await kith.request('GET', `${ORGANIZATIONS}/${b}`), 404, 'not.found');
      expectGenesysError(
        await kith.request('GET', `${RELATIONSHIPS}/${relationship.id}`),
        404,
        'not.found',
      );
    });

    it('refuses more than 200 entities on every bulk path, saying so, and an empty request', async () => {
      for (const path of ['', '/add', '/update', '/remove', '/divisionviews']) {
        const entities = Array.from({ length: 201 }, (_, i) => ({ id: `id-${i}`, name: 'x' }));
        const big = expectGenesysError(
          await kith.request('POST', `${ROOT}/bulk/organizations${path}`, { body: { entities } }),
          400,
          'bad.request',
        );
        expect(big.message).toContain('at most 200');
        expect(big.details.map((d) => d.fieldName)).toContain('entities');
        expectGenesysError(
          await kith.request('POST', `${ROOT}/bulk/organizations${path}`, {
            body: { entities: [] },
          }),
          400,
        );
      }
      const exactly200 = await postBulk(
        kith,
        '/bulk/organizations',
        Array.from({ length: 200 }, (_, i) => ({ id: `n${i}` })),
      );
      expect(exactly200.errorCount).toBe(200);
      expect(exactly200.results).toHaveLength(200);
    });

    it('shows a principal only its divisions and unassigned organizations, on fetch and divisionviews', async () => {
      const sales = await createDivision(kith, `Sales ${dialect} bulk`);
      const support = await createDivision(kith, `Support ${dialect} bulk`);
      const [inSales] = await organizationsIn(kith, ['Bulk Sales'], sales);
      const [inSupport] = await organizationsIn(kith, ['Bulk Support'], support);
      const [unassigned] = await organizationsIn(kith, ['Bulk Free']);
      const entities = [{ id: inSales }, { id: inSupport }, { id: unassigned }];
      const { token } = await kith.principal([CONTACT_VIEW, VIEW, SEARCH], [sales]);
      for (const path of ['/bulk/organizations', '/bulk/organizations/divisionviews']) {
        const res = await postBulk<OrganizationView>(kith, path, entities, token);
        expect({ path, errors: res.errorIndexes }).toEqual({ path, errors: [1] });
        expect(res.results[1]).toMatchObject({ id: inSupport, status: 404 });
        // The answer for a hidden organization is the answer for a missing one.
        expect(res.results[1]?.error?.message).toBe(`External organization ${inSupport} not found`);
        expect(res.results.map((r) => r.entity?.division.id)).toEqual([sales, undefined, '*']);
      }
      const { token: viewOnly } = await kith.principal([CONTACT_VIEW, VIEW], [sales]);
      const withoutSearch = await postBulk(
        kith,
        '/bulk/organizations/divisionviews',
        entities,
        viewOnly,
      );
      expect(withoutSearch.errorIndexes).toEqual([0, 1, 2]);
    });

    it('obeys the write permissions of each organization’s division', async () => {
      const sales = await createDivision(kith, `Sales ${dialect} writes`);
      const support = await createDivision(kith, `Support ${dialect} writes`);
      const { token } = await kith.principal([CONTACT_VIEW, VIEW, ADD, EDIT], [sales]);
      const added = await postBulk<OrganizationView>(
        kith,
        '/bulk/organizations/add',
        [
          { name: 'Mine', division: { id: sales } },
          { name: 'Theirs', division: { id: support } },
        ],
        token,
      );
      expect(added.results.map((r) => r.status)).toEqual([200, 403]);
      expect(added.results[1]?.error?.code).toBe('missing.permissions');

      const [hidden] = await organizationsIn(kith, ['Hidden'], support);
      const mine = added.results[0]?.id ?? '';
      const updated = await postBulk(
        kith,
        '/bulk/organizations/update',
        [
          { id: mine, name: 'Mine 2' },
          { id: hidden, name: 'Hidden 2' },
        ],
        token,
      );
      expect(updated.results.map((r) => r.status)).toEqual([200, 404]);

      const removed = await postBulk(kith, '/bulk/organizations/remove', [{ id: mine }], token);
      expect(removed.results[0]).toMatchObject({ success: false, status: 403 });
      expect(ok<OrganizationView>(await kith.request('GET', `${ORGANIZATIONS}/${mine}`)).name).toBe(
        'Mine 2',
      );
      expect(
        ok<OrganizationView>(await kith.request('GET', `${ORGANIZATIONS}/${hidden}`)).name,
      ).toBe('Hidden');

      const { token: deleter } = await kith.principal([CONTACT_VIEW, VIEW, DELETE], [sales]);
      const deleted = await postBulk(
        kith,
        '/bulk/organizations/remove',
        [{ id: mine }, { id: hidden }],
        deleter,
      );
      expect(deleted.results.map((r) => r.status)).toEqual([200, 404]);
      expect(deleted.errorIndexes).toEqual([1]);
      expectGenesysError(await kith.request('GET', `${ORGANIZATIONS}/${mine}`), 404);
      expect(
        ok<OrganizationView>(await kith.request('GET', `${ORGANIZATIONS}/${hidden}`)).name,
      ).toBe('Hidden');
    });
  });

  describe(`organization scans (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('pages through a division with cursors, visiting each organization exactly once', async () => {
      const division = await createDivision(kith, `Paged ${dialect}`);
      const names = Array.from({ length: 23 }, (_, i) => `Scan ${String(i).padStart(2, '0')}`);
      const ids = await organizationsIn(kith, names, division);
      const { entities, pages } = await scanAll<OrganizationView>(
        kith,
        `/scan/organizations?divisionId=${division}`,
      );
      expect(pages).toBe(3);
      expect(entities.map((e) => e.id)).toEqual([...ids].sort());
      expect(new Set(entities.map((e) => e.name))).toEqual(new Set(names));
      expect(entities.every((e) => e.division.id === division)).toBe(true);

      const whole = ok<ScanPage<OrganizationView>>(
        await kith.request('GET', `${ROOT}/scan/organizations?divisionId=${division}&limit=23`),
      );
      expect(whole.entities).toHaveLength(23);
      expect(whole.cursors).toBeUndefined();
      expect(whole.selfUri).toContain(`${ROOT}/scan/organizations?`);
      expect(whole.selfUri).toContain(`divisionId=${division}`);
      expect(whole.nextUri).toBeUndefined();
    });

    it('scans the unassigned organizations by default, and a division only when asked', async () => {
      const division = await createDivision(kith, `Default ${dialect}`);
      const loose = await organizationsIn(kith, ['Loose 1', 'Loose 2']);
      const [placed] = await organizationsIn(kith, ['Placed'], division);
      for (const path of ['/scan/organizations', '/scan/organizations?divisionId=*']) {
        const entities = (await scanAll<OrganizationView>(kith, path)).entities;
        expect(entities.map((e) => e.id)).toEqual(expect.arrayContaining(loose));
        expect(entities.map((e) => e.id)).not.toContain(placed);
        expect(entities.every((e) => e.division.id === '*')).toBe(true);
      }
      expect(await scannedIds(kith, `/scan/organizations?divisionId=${division}`)).toEqual([
        placed,
      ]);
      const everything = await scannedIds(kith, '/scan/organizations/divisionviews/all');
      expect(everything).toEqual(expect.arrayContaining([...loose, placed ?? '']));
    });

    it('needs viewAll for divisionviews/all, and view on the division scanned', async () => {
      const east = await createDivision(kith, `East ${dialect}`);
      const west = await createDivision(kith, `West ${dialect}`);
      const [e1, e2] = await organizationsIn(kith, ['E1', 'E2'], east);
      const [w1] = await organizationsIn(kith, ['W1'], west);
      const [free] = await organizationsIn(kith, ['Free']);

      const { token } = await kith.principal([CONTACT_VIEW, VIEW, VIEW_ALL], [east]);
      const all = await scannedIds(kith, '/scan/organizations/divisionviews/all', { token });
      expect(all).toEqual(expect.arrayContaining([e1, e2, free]));
      expect(all).not.toContain(w1);
      expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/organizations?divisionId=${west}&limit=10`, {
          token,
        }),
        403,
        'missing.permissions',
      );

      const { token: noViewAll } = await kith.principal([CONTACT_VIEW, VIEW], [east]);
      const refused = expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/organizations/divisionviews/all?limit=10`, {
          token: noViewAll,
        }),
        403,
        'missing.permissions',
      );
      expect(refused.message).toContain(VIEW_ALL);
      // Contact viewAll does not stand in for the organization one.
      const { token: contactViewAll } = await kith.principal(
        [CONTACT_VIEW, 'externalContacts:contact:viewAll', VIEW],
        [east],
      );
      expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/organizations/divisionviews/all`, {
          token: contactViewAll,
        }),
        403,
      );
      const { token: noView } = await kith.principal([CONTACT_VIEW], ['*']);
      expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/organizations`, { token: noView }),
        403,
      );
    });

    it('never serves an organization outside the principal’s divisions plus unassigned', async () => {
      const sales = await createDivision(kith, `Sales ${dialect} scan`);
      const support = await createDivision(kith, `Support ${dialect} scan`);
      const [inSales] = await organizationsIn(kith, ['S'], sales);
      const [inSupport] = await organizationsIn(kith, ['P'], support);
      const [free] = await organizationsIn(kith, ['F']);
      const { token } = await kith.principal([CONTACT_VIEW, VIEW, VIEW_ALL], [sales]);
      const served = [
        ...(await scanAll<OrganizationView>(kith, '/scan/organizations', { token })).entities,
        ...(
          await scanAll<OrganizationView>(kith, `/scan/organizations?divisionId=${sales}`, {
            token,
          })
        ).entities,
        ...(
          await scanAll<OrganizationView>(kith, '/scan/organizations/divisionviews/all', {
            token,
          })
        ).entities,
      ];
      expect(served.map((e) => e.id)).toEqual(expect.arrayContaining([inSales, free]));
      expect(served.map((e) => e.id)).not.toContain(inSupport);
      expect(served.every((e) => e.division.id === sales || e.division.id === '*')).toBe(true);
    });

    it('takes a limit of 10 to 200 (default 100) and only cursors it issued for that scan', async () => {
      const division = await createDivision(kith, `Limits ${dialect}`);
      await organizationsIn(
        kith,
        Array.from({ length: 12 }, (_, i) => `L${i}`),
        division,
      );
      for (const limit of [0, 9, 201]) {
        const body = expectGenesysError(
          await kith.request('GET', `${ROOT}/scan/organizations?limit=${limit}`),
          400,
          'bad.request',
        );
        expect(body.details.map((d) => d.fieldName)).toContain('limit');
        expect(body.message).toContain('between 10 and 200');
      }
      for (const limit of [10, 200]) {
        const page = ok<ScanPage<OrganizationView>>(
          await kith.request('GET', `${ROOT}/scan/organizations/divisionviews/all?limit=${limit}`),
        );
        expect(page.entities.length).toBeLessThanOrEqual(limit);
      }
      const defaulted = ok<ScanPage<OrganizationView>>(
        await kith.request('GET', `${ROOT}/scan/organizations?divisionId=${division}`),
      );
      expect(defaulted.entities).toHaveLength(12);
      expect(defaulted.selfUri).toContain('limit=100');

      const first = ok<ScanPage<OrganizationView>>(
        await kith.request('GET', `${ROOT}/scan/organizations?divisionId=${division}&limit=10`),
      );
      const cursor = first.cursors?.after ?? '';
      expect(cursor).not.toBe('');
      for (const url of [
        `${ROOT}/scan/organizations?limit=10&cursor=garbage`,
        // A cursor of one division's scan is not one of another's, nor of the contact scan.
        `${ROOT}/scan/organizations?limit=10&cursor=${cursor}`,
        `${ROOT}/scan/organizations/divisionviews/all?limit=10&cursor=${cursor}`,
        `${ROOT}/scan/contacts?divisionId=${division}&limit=10&cursor=${cursor}`,
      ]) {
        const bad = expectGenesysError(await kith.request('GET', url), 400, 'bad.request');
        expect(bad.details.map((d) => d.fieldName)).toContain('cursor');
      }
    });
  });

  describe(`organization bulk and scan through the Genesys SDK (${dialect})`, () => {
    const kith = useTestKith(dialect);
    const signIn = sdkSignIn(kith);

    it('adds organizations in bulk, fetches them and scans them page by page', async () => {
      await signIn();
      const api = new platformClient.ExternalContactsApi();
      const division = await createDivision(kith, `Sdk ${dialect}`);
      const added = await api.postExternalcontactsBulkOrganizationsAdd({
        entities: [
          ...Array.from({ length: 11 }, (_, i) => ({
            name: `Sdk Org ${i}`,
            division: { id: division },
          })),
          { name: '' },
        ],
      });
      expect(added.errorCount).toBe(1);
      expect(added.errorIndexes).toEqual([11]);
      expect(added.results?.[11]).toMatchObject({ success: false, status: 400 });
      const ids = (added.results ?? []).slice(0, 11).map((r) => r.id ?? '');
      expect(added.results?.[0]?.entity).toMatchObject({ id: ids[0], name: 'Sdk Org 0' });

      const fetched = await api.postExternalcontactsBulkOrganizations({
        entities: [{ id: ids[3] }, { id: MISSING_ID }],
      });
      expect(fetched.errorIndexes).toEqual([1]);
      expect(fetched.results?.[0]?.entity?.name).toBe('Sdk Org 3');

      const first = await api.getExternalcontactsScanOrganizations({
        limit: 10,
        divisionId: division,
      });
      expect(first.entities).toHaveLength(10);
      const after = first.cursors?.after;
      expect(after).toEqual(expect.any(String));
      const second = await api.getExternalcontactsScanOrganizations({
        limit: 10,
        divisionId: division,
        cursor: after,
      });
      expect(second.cursors).toBeUndefined();
      expect([...(first.entities ?? []), ...(second.entities ?? [])].map((e) => e.id)).toEqual(
        [...ids].sort(),
      );

      const all = await api.getExternalcontactsScanOrganizationsDivisionviewsAll({ limit: 200 });
      expect(all.entities?.map((e) => e.id)).toEqual(expect.arrayContaining(ids));
    });
  });
}
