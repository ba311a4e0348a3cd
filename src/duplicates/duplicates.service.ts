import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal, type ReadFilter } from '../authorization/access.js';
import { requireAccess, requirePermission } from '../authorization/guard.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { AppError, badRequest, conflict, notFound } from '../errors/app-error.js';
import { contactReadFilter, VIEW } from '../contacts/contact.service.js';
import { findContacts } from '../contacts/contact.repository.js';
import type { Contact } from '../contacts/contact.js';
import { MERGE, mergeContacts } from '../merge/merge.service.js';
import {
  clustersByReason,
  DuplicateGraph,
  POINT_REASONS,
  type PointKindScanned,
} from './duplicates.js';
import {
  countClustersByStatus,
  countPoints,
  countVisibleContacts,
  findCluster,
  findOrganizationMembers,
  findScan,
  findSharedValues,
  finishScan,
  insertClusters,
  insertScan,
  listClusters,
  listScans,
  pointChunkEnd,
  recordClusterMerge,
  updateScanProgress,
  type ClusterScan,
  type MergeStatus,
  type OrganizationMember,
  type StoredCluster,
} from './duplicates.repository.js';

/** Index entries of contact points read per chunk; the scan yields to the event loop between. */
const POINT_CHUNK = 20_000;
/** Contacts of organizations read per page for the name comparison. */
const ORGANIZATION_PAGE = 5_000;
/** A running scan not heard from for this long died with its process; a new scan may start. */
const ABANDONED_AFTER_MS = 5 * 60_000;
const MAX_LIMIT = 200;
const DEFAULT_LIMIT = 25;

/** A scan just started, and the promise of its end (it never rejects: failures are recorded). */
export interface StartedScan {
  readonly scan: ClusterScan;
  readonly done: Promise<void>;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Starts a duplicate-detection scan over the contacts the principal can view (its divisions and
 * the unassigned ones) and returns it running; the scan goes on in the background, in this
 * process, writing its progress, and ends completed (with its clusters and statistics) or failed.
 * Needs contact view and identity merge: a scan exists to be merged from.
 * @throws AppError 403 without those permissions; 409 while another scan of the organization is
 * running.
 */
export async function startClusterScan(db: Kysely<DB>, principal: Principal): Promise<StartedScan> {
  const filter = contactReadFilter(principal);
  requirePermission(principal, MERGE);
  const orgId = principal.orgId;
  const [running] = await listScans(db, orgId, { status: 'running', limit: 1 });
  if (running !== undefined) {
    if (Date.now() - Date.parse(running.updatedAt) < ABANDONED_AFTER_MS)
      throw conflict(
        `Cluster scan ${running.id} is running (${Math.round(running.progress * 100)}% done); wait for it to end before starting another`,
      );
    await finishScan(
      db,
      orgId,
      running.id,
      { status: 'failed', error: 'The scan was abandoned: the process running it stopped' },
      nowIso(),
    );
  }
  const at = nowIso();
  const scan: ClusterScan = {
    orgId,
    id: newId(),
    status: 'running',
    progress: 0,
    principalType: principal.type,
    principalId: principal.id,
    readFilter: filter,
    statistics: null,
    error: null,
    startedAt: at,
    updatedAt: at,
    completedAt: null,
  };
  await insertScan(db, scan);
  const done = new Promise<void>((resolve) => {
    setImmediate(() => {
      void runScan(db, scan).then(resolve);
    });
  });
  return { scan, done };
}

/** Runs a scan to its end and records the outcome; never rejects. */
async function runScan(db: Kysely<DB>, scan: ClusterScan): Promise<void> {
  const started = performance.now();
  const { orgId, id, readFilter: filter } = scan;
  try {
    const graph = new DuplicateGraph();
    const kinds = Object.keys(POINT_REASONS) as PointKindScanned[];
    const total = Math.max(1, await countPoints(db, orgId, kinds));
    let read = 0;
    for (const kind of kinds) {
      let from = '';
      for (;;) {
        const to = await pointChunkEnd(db, orgId, kind, from, POINT_CHUNK);
        // SQLite answers synchronously: only a macrotask lets requests in between.
        await yieldToEventLoop();
        const shared = await findSharedValues(db, orgId, kind, { from, to }, filter);
        for (const value of shared)
          graph.addSharedValue(POINT_REASONS[kind], value.value, value.holders);
        read += POINT_CHUNK;
        await updateScanProgress(db, orgId, id, 0.9 * Math.min(1, read / total), nowIso());
        await yieldToEventLoop();
        if (to === undefined) break;
        from = to;
      }
    }
    await compareOrganizationNames(db, orgId, filter, graph);
    await updateScanProgress(db, orgId, id, 0.95, nowIso());
    const { clusters, leftOut } = graph.clusters();
    const contactsScanned = await countVisibleContacts(db, orgId, filter);
    // Ids grow with time, so listing by id lists the highest score first.
    const ids = clusters.map(() => newId());
    const at = nowIso();
    await db.transaction().execute(async (trx) => {
      await insertClusters(trx, orgId, id, clusters, ids, at);
      await finishScan(
        trx,
        orgId,
        id,
        {
          status: 'completed',
          statistics: {
            contactsScanned,
            clusters: clusters.length,
            contactsInClusters: clusters.reduce((n, c) => n + c.contactIds.length, 0),
            clustersByReason: clustersByReason(clusters),
            ...leftOut,
            durationMs: Math.round(performance.now() - started),
          },
        },
        at,
      );
    });
  } catch (error) {
    try {
      await finishScan(
        db,
        orgId,
        id,
        { status: 'failed', error: error instanceof Error ? error.message : String(error) },
        nowIso(),
      );
    } catch {
      // The database is gone (shutdown): the next scan finds this one abandoned.
    }
  }
}

/** Feeds the graph the contacts of each organization, a page at a time. */
async function compareOrganizationNames(
  db: Kysely<DB>,
  orgId: string,
  filter: ReadFilter,
  graph: DuplicateGraph,
): Promise<void> {
  let after: { organizationId: string; id: string } | undefined;
  let group: OrganizationMember[] = [];
  for (;;) {
    const page = await findOrganizationMembers(db, orgId, after, filter, ORGANIZATION_PAGE);
    for (const member of page) {
      const current = group[0]?.organizationId;
      if (current !== undefined && current !== member.organizationId) {
        graph.addOrganization(current, group);
        group = [];
      }
      group.push(member);
    }
    await yieldToEventLoop();
    const last = page.at(-1);
    if (last === undefined || page.length < ORGANIZATION_PAGE) break;
    after = { organizationId: last.organizationId, id: last.id };
  }
  const current = group[0]?.organizationId;
  if (current !== undefined) graph.addOrganization(current, group);
}

/**
 * A scan of the principal's organization. @throws AppError 403 without contact view; 404 for an
 * unknown scan.
 */
export async function getClusterScan(
  db: Kysely<DB>,
  principal: Principal,
  scanId: string,
): Promise<ClusterScan> {
  contactReadFilter(principal);
  const scan = await findScan(db, principal.orgId, scanId);
  if (scan === undefined) throw notFound('Cluster scan', scanId);
  return scan;
}

/** The most recently started scan. @throws AppError 404 when there is none. */
export async function getLatestClusterScan(
  db: Kysely<DB>,
  principal: Principal,
): Promise<ClusterScan> {
  contactReadFilter(principal);
  const [latest] = await listScans(db, principal.orgId, { limit: 1 });
  if (latest === undefined) throw notFound('Cluster scan');
  return latest;
}

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw badRequest(`limit must be 1 to ${MAX_LIMIT}, got ${limit}`, 'limit');
  return limit;
}

/** Scans newest first, a cursor page at a time. */
export async function listClusterScans(
  db: Kysely<DB>,
  principal: Principal,
  request: { limit?: number | undefined; cursor?: string | undefined },
): Promise<{ scans: ClusterScan[]; nextCursor?: string }> {
  contactReadFilter(principal);
  const limit = checkLimit(request.limit);
  const scope = 'clusterscans';
  const before = request.cursor === undefined ? undefined : decodeCursor(request.cursor, scope);
  const scans = await listScans(db, principal.orgId, { before, limit: limit + 1 });
  const page = scans.slice(0, limit);
  const last = page.at(-1);
  return scans.length > limit && last !== undefined
    ? { scans: page, nextCursor: encodeCursor(last.id, scope) }
    : { scans: page };
}

const MERGE_STATUSES: readonly MergeStatus[] = ['Pending', 'Merged', 'Failed'];

/**
 * A scan's clusters in the divisions the principal views (narrowed to `divisionIds`, `*` for
 * unassigned), highest score first, a cursor page at a time; `mergeStatus` filters by merge state.
 * @throws AppError 400 for a bad limit, cursor or status; 404 for an unknown scan.
 */
export async function listScanClusters(
  db: Kysely<DB>,
  principal: Principal,
  scanId: string,
  request: {
    limit?: number | undefined;
    cursor?: string | undefined;
    divisionIds?: readonly string[] | undefined;
    mergeStatus?: string | undefined;
  },
): Promise<{ clusters: StoredCluster[]; contacts: Map<string, Contact>; nextCursor?: string }> {
  const filter = contactReadFilter(principal, request.divisionIds);
  const limit = checkLimit(request.limit);
  const scan = await getClusterScan(db, principal, scanId);
  const status = request.mergeStatus;
  if (status !== undefined && !MERGE_STATUSES.includes(status as MergeStatus))
    throw badRequest(
      `mergeInfo.status must be one of ${MERGE_STATUSES.join(', ')}, got ${status}`,
      'mergeInfo.status',
    );
  const scope = `clusters:${scan.id}`;
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, scope);
  const found = await listClusters(db, principal.orgId, scan.id, {
    filter,
    mergeStatus: status as MergeStatus | undefined,
    after,
    limit: limit + 1,
  });
  const clusters = found.slice(0, limit);
  const contacts = await contactsOf(db, principal, clusters);
  const last = clusters.at(-1);
  return found.length > limit && last !== undefined
    ? { clusters, contacts, nextCursor: encodeCursor(last.id, scope) }
    : { clusters, contacts };
}

async function contactsOf(
  db: Kysely<DB>,
  principal: Principal,
  clusters: readonly StoredCluster[],
): Promise<Map<string, Contact>> {
  const found = await findContacts(
    db,
    principal.orgId,
    clusters.flatMap((c) => c.contactIds),
  );
  return new Map(found.map((c) => [c.id, c]));
}

/**
 * One cluster, with its contacts as they are now.
 * @throws AppError 404 for an unknown scan, or a cluster unknown or in a division the principal
 * cannot view.
 */
export async function getScanCluster(
  db: Kysely<DB>,
  principal: Principal,
  scanId: string,
  clusterId: string,
): Promise<{ cluster: StoredCluster; contacts: Map<string, Contact> }> {
  const scan = await getClusterScan(db, principal, scanId);
  const cluster = await findCluster(db, principal.orgId, scan.id, clusterId);
  if (cluster === undefined || !canAccess(principal, VIEW, cluster.divisionId))
    throw notFound('Cluster', clusterId);
  return { cluster, contacts: await contactsOf(db, principal, [cluster]) };
}

/** A scan with the merge state of its clusters the principal views. */
export async function getScanStatistics(
  db: Kysely<DB>,
  principal: Principal,
  scanId?: string,
): Promise<{ scan: ClusterScan; merges: Record<MergeStatus, number> }> {
  const filter = contactReadFilter(principal);
  const scan =
    scanId === undefined
      ? await getLatestClusterScan(db, principal)
      : await getClusterScan(db, principal, scanId);
  return { scan, merges: await countClustersByStatus(db, principal.orgId, scan.id, filter) };
}

/**
 * Merges a cluster's contacts that are still current (not merged or deleted since the scan) into
 * one Canonical contact with mergeContacts, and records the outcome on the cluster: `Merged`
 * with the new contact, or `Failed` with why (fewer than two contacts left, a merge rule).
 * @throws AppError 403 without identity merge on the cluster's division; 404 like getScanCluster;
 * 409 for a cluster merged already.
 */
export async function mergeScanCluster(
  db: Kysely<DB>,
  principal: Principal,
  scanId: string,
  clusterId: string,
): Promise<{ cluster: StoredCluster; contacts: Map<string, Contact> }> {
  const { cluster } = await getScanCluster(db, principal, scanId, clusterId);
  requireAccess(principal, MERGE, cluster.divisionId);
  if (cluster.mergeStatus === 'Merged')
    throw conflict(
      `Cluster ${cluster.id} was merged already, into contact ${cluster.mergedContactId ?? ''}`,
    );
  const orgId = principal.orgId;
  const current = (await findContacts(db, orgId, cluster.contactIds))
    .filter((c) => c.mergedTo === undefined)
    .map((c) => c.id)
    .sort();
  if (current.length < 2) {
    await recordClusterMerge(db, orgId, cluster.scanId, cluster.id, {
      status: 'Failed',
      error: {
        code: 'cluster.stale',
        message: `Only ${current.length} of the cluster's ${cluster.contactIds.length} contacts are still current (the others were merged or deleted since the scan): there is nothing to merge`,
      },
    });
  } else {
    try {
      const outcome = await mergeContacts(db, principal, { contactIds: current });
      await recordClusterMerge(db, orgId, cluster.scanId, cluster.id, {
        status: 'Merged',
        contactId: outcome.contact.id,
        at: outcome.contact.createDate,
      });
    } catch (error) {
      if (!(error instanceof AppError) || (error.status !== 400 && error.status !== 409))
        throw error;
      await recordClusterMerge(db, orgId, cluster.scanId, cluster.id, {
        status: 'Failed',
        error: { code: error.code, message: error.message },
      });
    }
  }
  return getScanCluster(db, principal, scanId, clusterId);
}
