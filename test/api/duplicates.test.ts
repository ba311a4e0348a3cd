import type { AddressInfo } from 'node:net';
import platformClient from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { ADMIN_ID, ADMIN_SECRET, useTestKith, type TestKith } from '../helpers/kith.js';
import {
  insertOrganizationRow,
  postContact,
  postExternalSource,
  type ContactView,
} from '../helpers/contacts.js';

const SCANS = '/api/v2/externalcontacts/graphs/clusterscans';
const VIEW = 'externalContacts:contact:view';
const MERGE = 'externalContacts:identity:merge';

interface ScanView {
  id: string;
  status: 'running' | 'completed' | 'failed';
  progress: number;
  dateCompleted?: string;
  error?: string;
  statistics?: Record<string, unknown>;
  selfUri: string;
}

interface ClusterView {
  id: string;
  division: { id: string };
  clusterScan: { id: string };
  mergeInfo: { status: string; error?: { code: string; message: string }; dateMerged?: string };
  graph: {
    vertices: {
      contacts: { vertexId: string; contact?: ContactView }[];
      identifiers: { vertexId: string; normalizedType: string; normalizedValue: string }[];
    };
    edges: { from: string; to: string }[];
  };
  score: number;
  reasons: { type: string; value: string; contactIds: string[]; nameSimilarity: number }[];
  mergedContact?: { id: string };
  selfUri: string;
}

interface ClusterListing {
  entities: ClusterView[];
  cursors?: { after: string };
  nextUri?: string;
}

let counter = 0;
/** A phone number no other test of this file uses. */
function uniquePhone(): string {
  counter += 1;
  return `+1317555${String(1000 + counter).slice(-4)}`;
}

/** Starts a scan and waits for it to end; answers it as GET answers it then. */
async function scan(kith: TestKith, token?: string): Promise<ScanView> {
  const started = await kith.request('POST', SCANS, { ...(token === undefined ? {} : { token }) });
  expect(started.statusCode).toBe(202);
  const initial = started.json<ScanView>();
  expect(initial).toMatchObject({ status: 'running', progress: 0 });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const current = ok<ScanView>(
      await kith.request('GET', `${SCANS}/${initial.id}`, {
        ...(token === undefined ? {} : { token }),
      }),
    );
    if (current.status !== 'running') return current;
    if (Date.now() > deadline) throw new Error(`scan ${initial.id} still running`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every cluster of a scan the token sees, following the cursor. */
async function clustersOf(kith: TestKith, scanId: string, token?: string): Promise<ClusterView[]> {
  const all: ClusterView[] = [];
  let url = `${SCANS}/${scanId}/clusters?limit=2`;
  for (;;) {
    const page = ok<ClusterListing>(
      await kith.request('GET', url, { ...(token === undefined ? {} : { token }) }),
    );
    all.push(...page.entities);
    if (page.nextUri === undefined) return all;
    url = page.nextUri;
  }
}

function clusterWith(clusters: readonly ClusterView[], contactId: string): ClusterView | undefined {
  return clusters.find((c) => c.graph.vertices.contacts.some((v) => v.vertexId === contactId));
}

const memberIds = (cluster: ClusterView | undefined): string[] =>
  (cluster?.graph.vertices.contacts ?? []).map((v) => v.vertexId).sort();

for (const dialect of DIALECTS) {
  describe(`duplicate detection (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('clusters contacts that share a phone, an email or an external id, with the reasons', async () => {
      const phone = uniquePhone();
      const a = await postContact(kith, {
        firstName: 'Ann',
        lastName: 'Lee',
        cellPhone: { display: phone },
      });
      const b = await postContact(kith, {
        firstName: 'Roberto',
        lastName: 'Kowalski',
        workPhone: { display: phone },
      });
      const c = await postContact(kith, {
        firstName: 'Cy',
        lastName: 'Young',
        workEmail: 'cy.young@example.com',
      });
      const d = await postContact(kith, {
        firstName: 'Bo',
        lastName: 'Brown',
        personalEmail: 'CY.young@example.com',
      });
      const source = await postExternalSource(kith, `CRM ${dialect}`);
      const e = await postContact(kith, {
        firstName: 'Eve',
        externalIds: [{ externalSource: { id: source }, value: 'crm-1' }],
      });
      const f = await postContact(kith, {
        lastName: 'Adams',
        externalIds: [{ externalSource: { id: source }, value: 'crm-1' }],
      });
      const lone = await postContact(kith, {
        firstName: 'Solo',
        cellPhone: { display: uniquePhone() },
      });

      const done = await scan(kith);
      expect(done).toMatchObject({
        status: 'completed',
        progress: 1,
        dateCompleted: expect.any(String),
      });
      const clusters = await clustersOf(kith, done.id);

      const byPhone = clusterWith(clusters, a.id);
      expect(memberIds(byPhone)).toEqual([a.id, b.id].sort());
      expect(byPhone?.reasons).toEqual([
        {
          type: 'SharedPhone',
          value: phone,
          contactIds: [a.id, b.id].sort(),
          nameSimilarity: expect.any(Number),
        },
      ]);
      expect(byPhone?.graph.vertices.identifiers).toEqual([
        { vertexId: `Phone:${phone}`, normalizedType: 'Phone', normalizedValue: phone },
      ]);
      expect(byPhone?.graph.vertices.contacts[0]?.contact).toMatchObject({ lastName: 'Lee' });
      expect(byPhone).toMatchObject({
        division: { id: '*' },
        mergeInfo: { status: 'Pending' },
        clusterScan: { id: done.id },
      });

      const byEmail = clusterWith(clusters, c.id);
      expect(memberIds(byEmail)).toEqual([c.id, d.id].sort());
      expect(byEmail?.reasons[0]).toMatchObject({
        type: 'SharedEmail',
        value: 'cy.young@example.com',
      });

      const byExternalId = clusterWith(clusters, e.id);
      expect(memberIds(byExternalId)).toEqual([e.id, f.id].sort());
      expect(byExternalId?.reasons[0]).toMatchObject({
        type: 'SharedExternalId',
        value: `${source}/crm-1`,
      });

      // An external id says more than an email, an email more than a phone of differing names.
      expect(byExternalId?.score).toBeGreaterThan(byEmail?.score ?? 1);
      expect(byEmail?.score).toBeGreaterThan(byPhone?.score ?? 1);
      expect(clusterWith(clusters, lone.id)).toBeUndefined();

      const one = ok<ClusterView>(await kith.request('GET', byPhone?.selfUri ?? ''));
      expect(one).toEqual(byPhone);
    });

    it('clusters near-identical names within one organization, not across organizations', async () => {
      const acme = await insertOrganizationRow(kith, `Acme ${dialect}`);
      const other = await insertOrganizationRow(kith, `Other ${dialect}`);
      const k1 = await postContact(kith, {
        firstName: 'Katherine',
        lastName: 'Dupontel',
        externalOrganization: { id: acme },
      });
      const k2 = await postContact(kith, {
        firstName: 'Katharine',
        lastName: 'Dupontel',
        externalOrganization: { id: acme },
      });
      const grace = await postContact(kith, {
        firstName: 'Grace',
        lastName: 'Hopperton',
        externalOrganization: { id: acme },
      });
      const elsewhere = await postContact(kith, {
        firstName: 'Katherine',
        lastName: 'Dupontel',
        externalOrganization: { id: other },
      });

      const done = await scan(kith);
      const clusters = await clustersOf(kith, done.id);
      const cluster = clusterWith(clusters, k1.id);
      expect(memberIds(cluster)).toEqual([k1.id, k2.id].sort());
      expect(cluster?.reasons).toEqual([
        expect.objectContaining({ type: 'SimilarNameInOrganization', value: acme }),
      ]);
      expect(cluster?.graph.edges).toEqual([
        { from: cluster?.reasons[0]?.contactIds[0], to: cluster?.reasons[0]?.contactIds[1] },
      ]);
      expect(clusterWith(clusters, grace.id)).toBeUndefined();
      expect(clusterWith(clusters, elsewhere.id)).toBeUndefined();
    });

    it('never shows a principal a cluster or a member outside its divisions', async () => {
      const mine = await createDivision(kith, `Mine ${dialect}`);
      const theirs = await createDivision(kith, `Theirs ${dialect}`);
      const phone = uniquePhone();
      const m1 = await postContact(kith, {
        firstName: 'Mia',
        cellPhone: { display: phone },
        division: { id: mine },
      });
      const m2 = await postContact(kith, {
        firstName: 'Mia',
        workPhone: { display: phone },
        division: { id: mine },
      });
      const t1 = await postContact(kith, {
        firstName: 'Mia',
        cellPhone: { display: phone },
        division: { id: theirs },
      });
      const t2 = await postContact(kith, {
        firstName: 'Mia',
        homePhone: { display: phone },
        division: { id: theirs },
      });
      const limited = await kith.principal([VIEW, MERGE], [mine]);

      // The admin's scan finds both clusters, one per division: a merge needs one division.
      const adminScan = await scan(kith);
      const all = await clustersOf(kith, adminScan.id);
      expect(memberIds(clusterWith(all, m1.id))).toEqual([m1.id, m2.id].sort());
      const theirCluster = clusterWith(all, t1.id);
      expect(memberIds(theirCluster)).toEqual([t1.id, t2.id].sort());
      expect(theirCluster?.division.id).toBe(theirs);

      // The limited principal reads the admin's scan without the other division's cluster.
      const seen = await clustersOf(kith, adminScan.id, limited.token);
      expect(clusterWith(seen, m1.id)).toBeDefined();
      expect(seen.flatMap((c) => memberIds(c))).not.toContain(t1.id);
      expect(seen.every((c) => c.division.id === mine || c.division.id === '*')).toBe(true);
      const hidden = await kith.request('GET', theirCluster?.selfUri ?? '', {
        token: limited.token,
      });
      expectGenesysError(hidden, 404);
      const merge = await kith.request('PUT', `${theirCluster?.selfUri ?? ''}/merge`, {
        token: limited.token,
      });
      expectGenesysError(merge, 404);

      // Its own scan covers only what it sees.
      const ownScan = await scan(kith, limited.token);
      const own = await clustersOf(kith, ownScan.id, limited.token);
      expect(own.flatMap((c) => memberIds(c))).not.toContain(t1.id);
      expect(memberIds(clusterWith(own, m1.id))).toEqual([m1.id, m2.id].sort());
      const viewer = await kith.principal([VIEW], [mine]);
      expectGenesysError(await kith.request('POST', SCANS, { token: viewer.token }), 403);
      expect(
        ok<ClusterListing>(
          await kith.request('GET', `${SCANS}/${ownScan.id}/clusters`, { token: viewer.token }),
        ).entities.length,
      ).toBeGreaterThan(0);
      expectGenesysError(
        await kith.request('PUT', `${clusterWith(own, m1.id)?.selfUri ?? ''}/merge`, {
          token: viewer.token,
        }),
        403,
      );
    });

    it('merges a cluster in one call and answers it merged; merged contacts leave later scans', async () => {
      const phone = uniquePhone();
      const a = await postContact(kith, {
        firstName: 'Otto',
        lastName: 'Merger',
        cellPhone: { display: phone },
      });
      const b = await postContact(kith, {
        firstName: 'Otto',
        lastName: 'Merger',
        workPhone: { display: phone },
        workEmail: 'otto@example.com',
      });
      const done = await scan(kith);
      const cluster = clusterWith(await clustersOf(kith, done.id), a.id);
      expect(cluster?.score).toBeGreaterThanOrEqual(0.9);

      const merged = ok<ClusterView>(await kith.request('PUT', `${cluster?.selfUri ?? ''}/merge`));
      expect(merged.mergeInfo).toMatchObject({ status: 'Merged', dateMerged: expect.any(String) });
      const canonical = ok<ContactView & { type: string }>(
        await kith.request('GET', `${CONTACTS}/${merged.mergedContact?.id ?? ''}`),
      );
      expect(canonical).toMatchObject({ type: 'Canonical', workEmail: 'otto@example.com' });
      const inputs = ok<{ id: string }>(await kith.request('GET', `${CONTACTS}/${a.id}`));
      expect(inputs.id).toBe(canonical.id);

      expectGenesysError(await kith.request('PUT', `${cluster?.selfUri ?? ''}/merge`), 409);
      const onlyMerged = ok<ClusterListing>(
        await kith.request('GET', `${SCANS}/${done.id}/clusters?mergeInfo.status=Merged`),
      );
      expect(onlyMerged.entities.map((c) => c.id)).toEqual([cluster?.id]);

      const later = await clustersOf(kith, (await scan(kith)).id);
      expect(clusterWith(later, a.id)).toBeUndefined();
      expect(clusterWith(later, b.id)).toBeUndefined();
    });

    it('marks a cluster failed when its contacts were merged since the scan', async () => {
      const email = `stale.${dialect}@example.com`;
      const a = await postContact(kith, { firstName: 'Stale', workEmail: email });
      const b = await postContact(kith, { firstName: 'Stale', personalEmail: email });
      const done = await scan(kith);
      const cluster = clusterWith(await clustersOf(kith, done.id), a.id);
      ok(await kith.request('POST', `${CONTACTS}/merge`, { body: { contactIds: [a.id, b.id] } }));
      const failed = ok<ClusterView>(await kith.request('PUT', `${cluster?.selfUri ?? ''}/merge`));
      expect(failed.mergeInfo).toMatchObject({
        status: 'Failed',
        error: { code: 'cluster.stale' },
      });
    });

    it('answers statistics of a scan and of the latest scan', async () => {
      const phone = uniquePhone();
      await postContact(kith, { firstName: 'Stat', cellPhone: { display: phone } });
      await postContact(kith, { firstName: 'Stat', workPhone: { display: phone } });
      const done = await scan(kith);
      const stats = ok<Record<string, unknown> & { aggregated: Record<string, number> }>(
        await kith.request('GET', `${SCANS}/${done.id}/statistics`),
      );
      const clusters = await clustersOf(kith, done.id);
      expect(stats).toMatchObject({
        aggregated: {
          totalClusters: clusters.length,
          totalAutomaticMergeSuccesses: 0,
          totalAutomaticMergeFailures: 0,
        },
        clusters: clusters.length,
        contactsInClusters: clusters.reduce((n, c) => n + c.graph.vertices.contacts.length, 0),
        contactsScanned: expect.any(Number),
        durationMs: expect.any(Number),
        clustersByReason: expect.objectContaining({ SharedPhone: expect.any(Number) }),
        clustersPending: clusters.length,
        selfUri: `${SCANS}/${done.id}/statistics`,
      });
      expect(stats.contactsScanned as number).toBeGreaterThanOrEqual(2);
      expect(ok(await kith.request('GET', `${SCANS}/latest/statistics`))).toEqual(stats);
      expect(ok<ScanView>(await kith.request('GET', `${SCANS}/latest`)).id).toBe(done.id);
      const listed = ok<{ entities: ScanView[] }>(await kith.request('GET', `${SCANS}?limit=1`));
      expect(listed.entities.map((s) => s.id)).toEqual([done.id]);
    });

    it('answers 404 for an unknown scan or cluster, and 400 for a bad status filter', async () => {
      expectGenesysError(await kith.request('GET', `${SCANS}/no-such-scan`), 404);
      expectGenesysError(await kith.request('GET', `${SCANS}/no-such-scan/clusters`), 404);
      expectGenesysError(await kith.request('GET', `${SCANS}/no-such-scan/statistics`), 404);
      const done = await scan(kith);
      expectGenesysError(await kith.request('GET', `${SCANS}/${done.id}/clusters/nope`), 404);
      expectGenesysError(await kith.request('PUT', `${SCANS}/${done.id}/clusters/nope/merge`), 404);
      expectGenesysError(
        await kith.request('GET', `${SCANS}/${done.id}/clusters?mergeInfo.status=Bogus`),
        400,
      );
    });

    it('lists and merges clusters through the official Genesys SDK', async () => {
      const phone = uniquePhone();
      const a = await postContact(kith, {
        firstName: 'Sdk',
        lastName: 'Twin',
        cellPhone: { display: phone },
      });
      const b = await postContact(kith, {
        firstName: 'Sdk',
        lastName: 'Twin',
        workPhone: { display: phone },
      });
      const done = await scan(kith);
      await kith.app.listen({ port: 0, host: '127.0.0.1' });
      const client = platformClient.ApiClient.instance;
      client.setGateway({
        host: '127.0.0.1',
        protocol: 'http',
        port: (kith.app.server.address() as AddressInfo).port,
      });
      client.setReturnExtendedResponses(false);
      await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
      const api = new platformClient.ExternalContactsApi();

      expect((await api.getExternalcontactsGraphsClusterscan(done.id)).id).toBe(done.id);
      expect((await api.getExternalcontactsGraphsClusterscansLatest()).id).toBe(done.id);
      const stats = await api.getExternalcontactsGraphsClusterscanStatistics(done.id);
      expect(stats.aggregated?.totalClusters).toBeGreaterThan(0);
      const scans = await api.getExternalcontactsGraphsClusterscans({ limit: 5 });
      expect(scans.entities?.[0]?.id).toBe(done.id);

      const found: platformClient.Models.Cluster[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.getExternalcontactsGraphsClusterscanClusters(done.id, {
          limit: 10,
          ...(cursor === undefined ? {} : { cursor }),
        });
        found.push(...(page.entities ?? []));
        cursor = page.cursors?.after;
      } while (cursor !== undefined);
      const cluster = found.find((c) =>
        c.graph?.vertices?.contacts?.some((v) => v.vertexId === a.id),
      );
      expect(cluster?.graph?.vertices?.contacts?.map((v) => v.vertexId).sort()).toEqual(
        [a.id, b.id].sort(),
      );
      expect(
        await api.getExternalcontactsGraphsClusterscanCluster(done.id, cluster?.id ?? ''),
      ).toMatchObject({ id: cluster?.id });

      const merged = await api.putExternalcontactsGraphsClusterscanClusterMerge(
        done.id,
        cluster?.id ?? '',
      );
      expect(merged.mergeInfo?.status).toBe('Merged');
      expect(merged.id).toBe(cluster?.id);
    });
  });
}
