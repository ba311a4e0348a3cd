import { sql, type Kysely } from 'kysely';
import type { ReadFilter } from '../authorization/access.js';
import type { ClusterScanTable, ClusterTable, DB } from '../db/schema.js';
import { insertRows } from '../db/compiled.js';
import { divisionCondition } from '../db/sql.js';
import { parseJson, parseJsonOrNull } from '../common/json.js';
import type { CandidateContact, FoundCluster, PointKindScanned, Reason } from './duplicates.js';

export type ScanStatus = 'running' | 'completed' | 'failed';
export type MergeStatus = 'Pending' | 'Merged' | 'Failed';

/** What a completed scan counted (Kith's statistics; the Genesys aggregate is derived). */
export interface ScanStatistics {
  readonly contactsScanned: number;
  readonly clusters: number;
  readonly contactsInClusters: number;
  readonly clustersByReason: Record<string, number>;
  readonly valuesTooCommon: number;
  readonly oversizedClusters: number;
  readonly contactsInOversizedClusters: number;
  readonly durationMs: number;
}

export interface ClusterScan {
  readonly orgId: string;
  readonly id: string;
  readonly status: ScanStatus;
  readonly progress: number;
  readonly principalType: string;
  readonly principalId: string;
  readonly readFilter: ReadFilter;
  readonly statistics: ScanStatistics | null;
  readonly error: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly completedAt: string | null;
}

export interface StoredCluster {
  readonly scanId: string;
  readonly id: string;
  readonly divisionId: string | null;
  readonly score: number;
  readonly reasons: readonly Reason[];
  readonly contactIds: readonly string[];
  readonly mergeStatus: MergeStatus;
  readonly mergeError: { code: string; message: string } | null;
  readonly mergedContactId: string | null;
  readonly mergedAt: string | null;
  readonly createdAt: string;
}

function rowToScan(row: ClusterScanTable): ClusterScan {
  return {
    orgId: row.org_id,
    id: row.id,
    status: row.status as ScanStatus,
    progress: Number(row.progress),
    principalType: row.principal_type,
    principalId: row.principal_id,
    readFilter: parseJson<ReadFilter>(row.read_filter),
    statistics: parseJsonOrNull<ScanStatistics>(row.statistics),
    error: row.error,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

function rowToCluster(row: ClusterTable, contactIds: readonly string[]): StoredCluster {
  return {
    scanId: row.scan_id,
    id: row.id,
    divisionId: row.division_id,
    score: Number(row.score),
    reasons: parseJson<Reason[]>(row.reasons),
    contactIds,
    mergeStatus: row.merge_status as MergeStatus,
    mergeError: parseJsonOrNull(row.merge_error),
    mergedContactId: row.merged_contact_id,
    mergedAt: row.merged_at,
    createdAt: row.created_at,
  };
}

export async function insertScan(db: Kysely<DB>, scan: ClusterScan): Promise<void> {
  await db
    .insertInto('cluster_scans')
    .values({
      org_id: scan.orgId,
      id: scan.id,
      status: scan.status,
      progress: scan.progress,
      principal_type: scan.principalType,
      principal_id: scan.principalId,
      read_filter: JSON.stringify(scan.readFilter),
      statistics: null,
      error: null,
      started_at: scan.startedAt,
      updated_at: scan.updatedAt,
      completed_at: null,
    })
    .execute();
}

export async function updateScanProgress(
  db: Kysely<DB>,
  orgId: string,
  id: string,
  progress: number,
  at: string,
): Promise<void> {
  await db
    .updateTable('cluster_scans')
    .set({ progress, updated_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** Ends a scan: completed with its statistics, or failed with why. */
export async function finishScan(
  db: Kysely<DB>,
  orgId: string,
  id: string,
  outcome:
    { status: 'completed'; statistics: ScanStatistics } | { status: 'failed'; error: string },
  at: string,
): Promise<void> {
  await db
    .updateTable('cluster_scans')
    .set({
      status: outcome.status,
      progress: outcome.status === 'completed' ? 1 : sql<number>`progress`,
      statistics: outcome.status === 'completed' ? JSON.stringify(outcome.statistics) : null,
      error: outcome.status === 'failed' ? outcome.error : null,
      updated_at: at,
      completed_at: at,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function findScan(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<ClusterScan | undefined> {
  const row = await db
    .selectFrom('cluster_scans')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToScan(row);
}

/** Scans newest first (ids grow with time), after the cursor's id. */
export async function listScans(
  db: Kysely<DB>,
  orgId: string,
  options: { before?: string | undefined; limit: number; status?: ScanStatus },
): Promise<ClusterScan[]> {
  let query = db.selectFrom('cluster_scans').selectAll().where('org_id', '=', orgId);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  if (options.status !== undefined) query = query.where('status', '=', options.status);
  const rows = await query.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map(rowToScan);
}

/** How many contacts the filter sees (merged-away ones excepted). */
export async function countVisibleContacts(
  db: Kysely<DB>,
  orgId: string,
  filter: ReadFilter,
): Promise<number> {
  const row = await db
    .selectFrom('contacts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('merged_to', 'is', null)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many contact points of the kinds the scan reads the organization holds. */
export async function countPoints(
  db: Kysely<DB>,
  orgId: string,
  kinds: readonly PointKindScanned[],
): Promise<number> {
  const row = await db
    .selectFrom('contact_points')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('kind', 'in', kinds)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The value `rows` index entries after `from` (inclusive) among the points of a kind, in value
 * order: the end of a chunk, read from the index. Undefined when fewer remain. Never `from`
 * itself, so a chunk always moves on, even past a value held by more than `rows` contacts.
 */
export async function pointChunkEnd(
  db: Kysely<DB>,
  orgId: string,
  kind: PointKindScanned,
  from: string,
  rows: number,
): Promise<string | undefined> {
  const at = await db
    .selectFrom('contact_points')
    .select('value')
    .where('org_id', '=', orgId)
    .where('kind', '=', kind)
    .where('value', '>=', from)
    .orderBy('value')
    .limit(1)
    .offset(rows)
    .executeTakeFirst();
  if (at === undefined || at.value !== from) return at?.value;
  const next = await db
    .selectFrom('contact_points')
    .select('value')
    .where('org_id', '=', orgId)
    .where('kind', '=', kind)
    .where('value', '>', from)
    .orderBy('value')
    .limit(1)
    .executeTakeFirst();
  return next?.value;
}

/** A value of a contact point held by two or more contacts, with its visible holders. */
export interface SharedValue {
  readonly value: string;
  readonly holders: CandidateContact[];
}

/**
 * The values of a kind in [from, to) (to undefined: to the end) that two or more contacts hold,
 * with their holders the filter sees and that were not merged away, in value order. The grouping
 * runs on the contact-point index alone; only the shared values' holders are joined to contacts.
 */
export async function findSharedValues(
  db: Kysely<DB>,
  orgId: string,
  kind: PointKindScanned,
  range: { from: string; to: string | undefined },
  filter: ReadFilter,
): Promise<SharedValue[]> {
  let shared = db
    .selectFrom('contact_points')
    .select('value')
    .where('org_id', '=', orgId)
    .where('kind', '=', kind)
    .where('value', '>=', range.from);
  if (range.to !== undefined) shared = shared.where('value', '<', range.to);
  // `in (subquery)` makes both engines look the few shared values up in the index, rather
  // than join every point of the range to its contact first.
  const rows = await db
    .selectFrom('contact_points as p')
    .innerJoin('contacts as c', (j) =>
      j.onRef('c.org_id', '=', 'p.org_id').onRef('c.id', '=', 'p.contact_id'),
    )
    .select(['p.value', 'p.contact_id', 'c.division_id', 'c.full_name_key'])
    .where('p.org_id', '=', orgId)
    .where('p.kind', '=', kind)
    .where(
      'p.value',
      'in',
      shared.groupBy('value').having((eb) => eb.fn.countAll(), '>', 1),
    )
    .where('c.merged_to', 'is', null)
    .where((eb) => divisionCondition(eb.ref('c.division_id'), filter))
    .orderBy('p.value')
    .orderBy('p.contact_id')
    .execute();
  const values: SharedValue[] = [];
  let current: SharedValue | undefined;
  for (const row of rows) {
    if (current === undefined || current.value !== row.value) {
      current = { value: row.value, holders: [] };
      values.push(current);
    }
    current.holders.push({
      id: row.contact_id,
      divisionId: row.division_id,
      nameKey: row.full_name_key,
    });
  }
  return values.filter((v) => v.holders.length > 1);
}

/** A contact of an organization, as the name comparison reads it. */
export interface OrganizationMember extends CandidateContact {
  readonly organizationId: string;
}

/**
 * Visible, current contacts linked to an organization, in (organization, id) order after the
 * given position, at most `limit`.
 */
export async function findOrganizationMembers(
  db: Kysely<DB>,
  orgId: string,
  after: { organizationId: string; id: string } | undefined,
  filter: ReadFilter,
  limit: number,
): Promise<OrganizationMember[]> {
  let query = db
    .selectFrom('contacts')
    .select(['id', 'division_id', 'full_name_key', 'external_organization_id'])
    .where('org_id', '=', orgId)
    .where('external_organization_id', 'is not', null)
    .where('merged_to', 'is', null)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter));
  if (after !== undefined)
    query = query.where((eb) =>
      eb.or([
        eb('external_organization_id', '>', after.organizationId),
        eb.and([
          eb('external_organization_id', '=', after.organizationId),
          eb('id', '>', after.id),
        ]),
      ]),
    );
  const rows = await query.orderBy('external_organization_id').orderBy('id').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    divisionId: r.division_id,
    nameKey: r.full_name_key,
    organizationId: r.external_organization_id as string,
  }));
}

/** Stores a scan's clusters and their members; `ids[k]` is the id of `clusters[k]`. */
export async function insertClusters(
  db: Kysely<DB>,
  orgId: string,
  scanId: string,
  clusters: readonly FoundCluster[],
  ids: readonly string[],
  at: string,
): Promise<void> {
  const BATCH = 500;
  for (let from = 0; from < clusters.length; from += BATCH) {
    const batch = clusters.slice(from, from + BATCH);
    await insertRows(
      db,
      'clusters',
      batch.map((c, k) => ({
        org_id: orgId,
        scan_id: scanId,
        id: ids[from + k] as string,
        division_id: c.divisionId,
        score: c.score,
        reasons: JSON.stringify(c.reasons),
        merge_status: 'Pending',
        merge_error: null,
        merged_contact_id: null,
        merged_at: null,
        created_at: at,
      })),
    );
    await insertRows(
      db,
      'cluster_members',
      batch.flatMap((c, k) =>
        c.contactIds.map((contactId) => ({
          org_id: orgId,
          scan_id: scanId,
          contact_id: contactId,
          cluster_id: ids[from + k] as string,
        })),
      ),
    );
  }
}

async function membersOf(
  db: Kysely<DB>,
  orgId: string,
  scanId: string,
  clusterIds: readonly string[],
): Promise<Map<string, string[]>> {
  const members = new Map<string, string[]>(clusterIds.map((id) => [id, []]));
  if (clusterIds.length === 0) return members;
  const rows = await db
    .selectFrom('cluster_members')
    .select(['cluster_id', 'contact_id'])
    .where('org_id', '=', orgId)
    .where('scan_id', '=', scanId)
    .where('cluster_id', 'in', clusterIds)
    .orderBy('contact_id')
    .execute();
  for (const row of rows) members.get(row.cluster_id)?.push(row.contact_id);
  return members;
}

/**
 * A scan's clusters in the divisions the filter sees, in id order (which is score order: ids are
 * given highest score first) after `after`, at most `limit`.
 */
export async function listClusters(
  db: Kysely<DB>,
  orgId: string,
  scanId: string,
  options: {
    filter: ReadFilter;
    mergeStatus?: MergeStatus | undefined;
    after?: string | undefined;
    limit: number;
  },
): Promise<StoredCluster[]> {
  let query = db
    .selectFrom('clusters')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('scan_id', '=', scanId)
    .where((eb) => divisionCondition(eb.ref('division_id'), options.filter));
  if (options.mergeStatus !== undefined)
    query = query.where('merge_status', '=', options.mergeStatus);
  if (options.after !== undefined) query = query.where('id', '>', options.after);
  const rows = await query.orderBy('id').limit(options.limit).execute();
  const members = await membersOf(
    db,
    orgId,
    scanId,
    rows.map((r) => r.id),
  );
  return rows.map((r) => rowToCluster(r, members.get(r.id) ?? []));
}

export async function findCluster(
  db: Kysely<DB>,
  orgId: string,
  scanId: string,
  id: string,
): Promise<StoredCluster | undefined> {
  const row = await db
    .selectFrom('clusters')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('scan_id', '=', scanId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return rowToCluster(row, (await membersOf(db, orgId, scanId, [id])).get(id) ?? []);
}

/**
 * Records the outcome of merging a cluster. A cluster merged already stays merged.
 * @returns false when it was merged already.
 */
export async function recordClusterMerge(
  db: Kysely<DB>,
  orgId: string,
  scanId: string,
  id: string,
  outcome:
    | { status: 'Merged'; contactId: string; at: string }
    | { status: 'Failed'; error: { code: string; message: string } },
): Promise<boolean> {
  const result = await db
    .updateTable('clusters')
    .set(
      outcome.status === 'Merged'
        ? {
            merge_status: 'Merged',
            merge_error: null,
            merged_contact_id: outcome.contactId,
            merged_at: outcome.at,
          }
        : { merge_status: 'Failed', merge_error: JSON.stringify(outcome.error) },
    )
    .where('org_id', '=', orgId)
    .where('scan_id', '=', scanId)
    .where('id', '=', id)
    .where('merge_status', '<>', 'Merged')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A scan's clusters by merge status, among those the filter sees. */
export async function countClustersByStatus(
  db: Kysely<DB>,
  orgId: string,
  scanId: string,
  filter: ReadFilter,
): Promise<Record<MergeStatus, number>> {
  const rows = await db
    .selectFrom('clusters')
    .select(['merge_status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .where('scan_id', '=', scanId)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter))
    .groupBy('merge_status')
    .execute();
  const counts: Record<MergeStatus, number> = { Pending: 0, Merged: 0, Failed: 0 };
  for (const row of rows) counts[row.merge_status as MergeStatus] = Number(row.n);
  return counts;
}
