import platformClient from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import { createDivision, expectGenesysError, ok } from '../helpers/http.js';
import {
  RELATIONSHIPS,
  createUser,
  organizationIn,
  type RelationshipView,
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
const EDIT = 'externalContacts:externalOrganization:edit';
// Every External Contacts endpoint needs some contact permission (SPEC §1).
const CONTACT_VIEW = 'externalContacts:contact:view';
const MISSING_ID = '01a00000-0000-7000-8000-000000000000';

/** A relationship body relating `userId` to `organizationId`. */
function relating(userId: string, organizationId: string, relationship = 'Account Manager') {
  return { user: { id: userId }, externalOrganization: { id: organizationId }, relationship };
}

let organizationCounter = 0;

/**
 * Creates `count` relationships of one user to a new organization in `divisionId` (unassigned
 * when undefined), through the bulk endpoint as the admin; returns their ids.
 */
async function relationshipsIn(
  kith: TestKith,
  userId: string,
  count: number,
  divisionId?: string,
): Promise<string[]> {
  organizationCounter += 1;
  const organization = await organizationIn(kith, `Org ${organizationCounter}`, divisionId);
  const res = await postBulk<RelationshipView>(
    kith,
    '/bulk/relationships/add',
    Array.from({ length: count }, (_, i) => relating(userId, organization.id, `Role ${i}`)),
  );
  expect(res.errorIndexes).toEqual([]);
  return res.results.map((r) => r.id ?? '');
}

for (const dialect of DIALECTS) {
  describe(`bulk relationships (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let userId: string;

    it('adds what it can and reports each failure by index (partial success)', async () => {
      userId = await createUser(kith, 'Account manager');
      const organization = await organizationIn(kith, 'Related Inc', undefined);
      const res = await postBulk<RelationshipView>(kith, '/bulk/relationships/add', [
        relating(userId, organization.id),
        { externalOrganization: { id: organization.id }, relationship: 'No user' },
        relating(userId, MISSING_ID),
        relating(userId, organization.id, 'x'.repeat(101)),
        relating(userId, organization.id, 'Sponsor'),
      ]);
      expect(res.errorIndexes).toEqual([1, 2, 3]);
      expect(res.errorCount).toBe(3);
      expect(res.results.map((r) => r.status)).toEqual([200, 400, 400, 400, 200]);
      const fields = res.results.map((r) => r.error?.details.map((d) => d.fieldName));
      expect(fields[1]).toContain('user.id');
      expect(fields[2]).toContain('externalOrganization.id');
      expect(fields[3]).toContain('relationship');
      expect(res.results[0]?.id).toBe(res.results[0]?.entity?.id);
      expect(res.results[4]?.entity).toMatchObject({
        user: { id: userId },
        externalOrganization: { id: organization.id },
        relationship: 'Sponsor',
        division: { id: '*' },
      });
      const reread = ok<RelationshipView>(
        await kith.request('GET', `${RELATIONSHIPS}/${res.results[0]?.id ?? ''}`),
      );
      expect(reread.relationship).toBe('Account Manager');
    });

    it('fetches by id, with a 404 result for ids it cannot find', async () => {
      const [a, b] = await relationshipsIn(kith, userId, 2);
      const res = await postBulk<RelationshipView>(kith, '/bulk/relationships', [
        { id: a },
        { id: MISSING_ID },
        { id: b },
      ]);
      expect(res.errorIndexes).toEqual([1]);
      expect(res.results[1]).toMatchObject({ id: MISSING_ID, success: false, status: 404 });
      expect(res.results.map((r) => r.entity?.relationship)).toEqual([
        'Role 0',
        undefined,
        'Role 1',
      ]);
    });

    it('updates each relationship by id, refusing one without an id or moved to another organization', async () => {
      const [a, b] = await relationshipsIn(kith, userId, 2);
      const current = ok<RelationshipView>(await kith.request('GET', `${RELATIONSHIPS}/${a}`));
      const other = await organizationIn(kith, 'Other Inc', undefined);
      const res = await postBulk<RelationshipView>(kith, '/bulk/relationships/update', [
        { ...current, relationship: 'Executive Sponsor' },
        relating(userId, current.externalOrganization.id),
        { id: b, ...relating(userId, other.id) },
        { id: MISSING_ID, ...relating(userId, other.id) },
      ]);
      expect(res.errorIndexes).toEqual([1, 2, 3]);
      expect(res.results.map((r) => r.status)).toEqual([200, 400, 400, 404]);
      expect(res.results[1]?.error?.details.map((d) => d.fieldName)).toEqual(['entities[1].id']);
      expect(res.results[2]?.error?.details.map((d) => d.fieldName)).toEqual([
        'externalOrganization.id',
      ]);
      expect(res.results[0]?.entity).toMatchObject({ id: a, relationship: 'Executive Sponsor' });
      expect(
        ok<RelationshipView>(await kith.request('GET', `${RELATIONSHIPS}/${b}`)).relationship,
      ).toBe('Role 1');
    });

    it('removes relationships, reporting those already gone', async () => {
      const [a, b] = await relationshipsIn(kith, userId, 2);
      const res = await postBulk(kith, '/bulk/relationships/remove', [
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
      expectGenesysError(await kith.request('GET', `${RELATIONSHIPS}/${a}`), 404, 'not.found');
      expectGenesysError(await kith.request('GET', `${RELATIONSHIPS}/${b}`), 404, 'not.found');
    });

    it('refuses more than 200 entities on every bulk path, saying so, and an empty request', async () => {
      for (const path of ['', '/add', '/update', '/remove']) {
        const entities = Array.from({ length: 201 }, (_, i) => ({
          id: `id-${i}`,
          ...relating(userId, MISSING_ID),
        }));
        const big = expectGenesysError(
          await kith.request('POST', `${ROOT}/bulk/relationships${path}`, { body: { entities } }),
          400,
          'bad.request',
        );
        expect(big.message).toContain('at most 200');
        expect(big.details.map((d) => d.fieldName)).toContain('entities');
        expectGenesysError(
          await kith.request('POST', `${ROOT}/bulk/relationships${path}`, {
            body: { entities: [] },
          }),
          400,
        );
      }
      const exactly200 = await postBulk(
        kith,
        '/bulk/relationships',
        Array.from({ length: 200 }, (_, i) => ({ id: `n${i}` })),
      );
      expect(exactly200.errorCount).toBe(200);
    });

    it('shows and lets a principal change only the relationships of its divisions and unassigned ones', async () => {
      const sales = await createDivision(kith, `Sales ${dialect} bulk`);
      const support = await createDivision(kith, `Support ${dialect} bulk`);
      const [inSales] = await relationshipsIn(kith, userId, 1, sales);
      const [inSupport] = await relationshipsIn(kith, userId, 1, support);
      const [loose] = await relationshipsIn(kith, userId, 1);
      const { token } = await kith.principal([CONTACT_VIEW, VIEW, EDIT], [sales]);

      const fetched = await postBulk<RelationshipView>(
        kith,
        '/bulk/relationships',
        [{ id: inSales }, { id: inSupport }, { id: loose }],
        token,
      );
      expect(fetched.errorIndexes).toEqual([1]);
      expect(fetched.results[1]).toMatchObject({ id: inSupport, status: 404 });
      expect(fetched.results.map((r) => r.entity?.division.id)).toEqual([sales, undefined, '*']);

      const hidden = ok<RelationshipView>(
        await kith.request('GET', `${RELATIONSHIPS}/${inSupport ?? ''}`),
      );
      const updated = await postBulk(
        kith,
        '/bulk/relationships/update',
        [{ ...hidden, relationship: 'Taken over' }],
        token,
      );
      expect(updated.results[0]?.status).toBe(404);
      const removed = await postBulk(
        kith,
        '/bulk/relationships/remove',
        [{ id: inSupport }],
        token,
      );
      expect(removed.results[0]?.status).toBe(404);
      const added = await postBulk(
        kith,
        '/bulk/relationships/add',
        [relating(userId, hidden.externalOrganization.id)],
        token,
      );
      expect(added.results[0]?.status).toBe(400);
      expect(
        ok<RelationshipView>(await kith.request('GET', `${RELATIONSHIPS}/${inSupport ?? ''}`))
          .relationship,
      ).toBe('Role 0');

      const { token: viewOnly } = await kith.principal([CONTACT_VIEW, VIEW], [sales]);
      const refused = await postBulk(
        kith,
        '/bulk/relationships/remove',
        [{ id: inSales }],
        viewOnly,
      );
      expect(refused.results[0]).toMatchObject({ success: false, status: 403 });
    });
  });

  describe(`relationship scans (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let userId: string;

    it('pages through a division with cursors, visiting each relationship exactly once', async () => {
      userId = await createUser(kith, 'Scanned manager');
      const division = await createDivision(kith, `Paged ${dialect}`);
      const ids = [
        ...(await relationshipsIn(kith, userId, 12, division)),
        ...(await relationshipsIn(kith, userId, 11, division)),
      ];
      const { entities, pages } = await scanAll<RelationshipView>(
        kith,
        `/scan/relationships?divisionId=${division}`,
      );
      expect(pages).toBe(3);
      expect(entities.map((e) => e.id)).toEqual([...ids].sort());
      expect(entities.every((e) => e.division.id === division)).toBe(true);
      expect(entities[0]).toMatchObject({ user: { id: userId }, relationship: expect.any(String) });
    });

    it('needs organization viewAll for divisionviews/all, and view on the division scanned', async () => {
      const east = await createDivision(kith, `East ${dialect}`);
      const west = await createDivision(kith, `West ${dialect}`);
      const inEast = await relationshipsIn(kith, userId, 2, east);
      const [inWest] = await relationshipsIn(kith, userId, 1, west);
      const [loose] = await relationshipsIn(kith, userId, 1);

      const { token } = await kith.principal([CONTACT_VIEW, VIEW, VIEW_ALL], [east]);
      const all = await scannedIds(kith, '/scan/relationships/divisionviews/all', { token });
      expect(all).toEqual(expect.arrayContaining([...inEast, loose]));
      expect(all).not.toContain(inWest);
      expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/relationships?divisionId=${west}`, { token }),
        403,
        'missing.permissions',
      );

      for (const permissions of [
        [CONTACT_VIEW, VIEW],
        [CONTACT_VIEW, 'externalContacts:contact:viewAll', VIEW],
      ]) {
        const { token: noViewAll } = await kith.principal(permissions, [east]);
        const refused = expectGenesysError(
          await kith.request('GET', `${ROOT}/scan/relationships/divisionviews/all?limit=10`, {
            token: noViewAll,
          }),
          403,
          'missing.permissions',
        );
        expect(refused.message).toContain(VIEW_ALL);
      }
      const { token: noView } = await kith.principal([CONTACT_VIEW], ['*']);
      expectGenesysError(
        await kith.request('GET', `${ROOT}/scan/relationships`, { token: noView }),
        403,
      );
    });

    it('never serves a relationship outside the principal’s divisions plus unassigned', async () => {
      const sales = await createDivision(kith, `Sales ${dialect} scan`);
      const support = await createDivision(kith, `Support ${dialect} scan`);
      const [inSales] = await relationshipsIn(kith, userId, 1, sales);
      const [inSupport] = await relationshipsIn(kith, userId, 1, support);
      const [loose] = await relationshipsIn(kith, userId, 1);
      const { token } = await kith.principal([CONTACT_VIEW, VIEW, VIEW_ALL], [sales]);
      const served: RelationshipView[] = [];
      for (const path of [
        '/scan/relationships',
        `/scan/relationships?divisionId=${sales}`,
        '/scan/relationships/divisionviews/all',
      ]) {
        served.push(...(await scanAll<RelationshipView>(kith, path, { token })).entities);
      }
      expect(served.map((r) => r.id)).toEqual(expect.arrayContaining([inSales, loose]));
      expect(served.map((r) => r.id)).not.toContain(inSupport);
      expect(served.every((r) => r.division.id === sales || r.division.id === '*')).toBe(true);
      // The unassigned scan holds unassigned relationships only.
      const unassigned = (await scanAll<RelationshipView>(kith, '/scan/relationships', { token }))
        .entities;
      expect(unassigned.every((r) => r.division.id === '*')).toBe(true);
    });

    it('takes a limit of 10 to 200 (default 100) and only cursors it issued for that scan', async () => {
      const division = await createDivision(kith, `Limits ${dialect}`);
      await relationshipsIn(kith, userId, 11, division);
      for (const limit of [9, 201, -1]) {
        const body = expectGenesysError(
          await kith.request('GET', `${ROOT}/scan/relationships?limit=${limit}`),
          400,
          'bad.request',
        );
        expect(body.details.map((d) => d.fieldName)).toContain('limit');
      }
      expectGenesysError(await kith.request('GET', `${ROOT}/scan/relationships?limit=ten`), 400);
      const defaulted = ok<ScanPage<RelationshipView>>(
        await kith.request('GET', `${ROOT}/scan/relationships?divisionId=${division}`),
      );
      expect(defaulted.entities).toHaveLength(11);
      expect(defaulted.selfUri).toContain('limit=100');
      const max = ok<ScanPage<RelationshipView>>(
        await kith.request('GET', `${ROOT}/scan/relationships/divisionviews/all?limit=200`),
      );
      expect(max.entities.length).toBeGreaterThanOrEqual(11);
      expect(max.entities.length).toBeLessThanOrEqual(200);

      const first = ok<ScanPage<RelationshipView>>(
        await kith.request('GET', `${ROOT}/scan/relationships?divisionId=${division}&limit=10`),
      );
      const cursor = first.cursors?.after ?? '';
      expect(cursor).not.toBe('');
      for (const url of [
        `${ROOT}/scan/relationships?limit=10&cursor=garbage`,
        `${ROOT}/scan/relationships?limit=10&cursor=${cursor}`,
        `${ROOT}/scan/notes?divisionId=${division}&limit=10&cursor=${cursor}`,
      ]) {
        const bad = expectGenesysError(await kith.request('GET', url), 400, 'bad.request');
        expect(bad.details.map((d) => d.fieldName)).toContain('cursor');
      }
    });
  });

  describe(`relationship bulk and scan through the Genesys SDK (${dialect})`, () => {
    const kith = useTestKith(dialect);
    const signIn = sdkSignIn(kith);

    it('adds relationships in bulk and scans them page by page', async () => {
      await signIn();
      const api = new platformClient.ExternalContactsApi();
      const userId = await createUser(kith, 'Sdk manager');
      const division = await createDivision(kith, `Sdk ${dialect}`);
      const organization = await api.postExternalcontactsOrganizations({
        name: 'Sdk Inc',
        division: { id: division },
      });
      const added = await api.postExternalcontactsBulkRelationshipsAdd({
        entities: Array.from({ length: 12 }, (_, i) => ({
          user: { id: userId },
          externalOrganization: { id: organization.id },
          relationship: `Role ${i}`,
        })) as platformClient.Models.Relationship[],
      });
      expect(added.errorCount).toBe(0);
      const ids = (added.results ?? []).map((r) => r.id ?? '');

      const first = await api.getExternalcontactsScanRelationships({
        limit: 10,
        divisionId: division,
      });
      expect(first.entities).toHaveLength(10);
      expect(first.entities?.[0]).toMatchObject({
        externalOrganization: { id: organization.id },
        division: { id: division },
      });
      const second = await api.getExternalcontactsScanRelationships({
        limit: 10,
        divisionId: division,
        cursor: first.cursors?.after,
      });
      expect(second.cursors).toBeUndefined();
      expect([...(first.entities ?? []), ...(second.entities ?? [])].map((r) => r.id)).toEqual(
        [...ids].sort(),
      );

      const all = await api.getExternalcontactsScanRelationshipsDivisionviewsAll({ limit: 200 });
      expect(all.entities?.map((r) => r.id)).toEqual(expect.arrayContaining(ids));
      const fetched = await api.postExternalcontactsBulkRelationships({
        entities: [{ id: ids[5] }],
      });
      expect(fetched.results?.[0]?.entity?.relationship).toBe('Role 5');
    });
  });
}
