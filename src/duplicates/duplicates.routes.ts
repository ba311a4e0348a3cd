import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { cursorListing } from '../http/cursor-listing.js';
import { splitListParam } from '../common/list-params.js';
import { contactSelfUri, divisionRef, type Contact } from '../contacts/contact.js';
import { renderContacts } from '../contacts/contact.views.js';
import type { ClusterScan, MergeStatus, StoredCluster } from './duplicates.repository.js';
import {
  getClusterScan,
  getLatestClusterScan,
  getScanCluster,
  getScanStatistics,
  listClusterScans,
  listScanClusters,
  mergeScanCluster,
  startClusterScan,
} from './duplicates.service.js';

export const CLUSTER_SCANS_PATH = '/api/v2/externalcontacts/graphs/clusterscans';
const tags = ['External contacts (duplicates)'];

const scanUri = (id: string): string => `${CLUSTER_SCANS_PATH}/${id}`;

/** Genesys `ClusterScanStatistics`, with Kith's counts beside the aggregate. */
function statisticsView(
  scan: ClusterScan,
  merges?: Record<MergeStatus, number>,
): Record<string, unknown> {
  const s = scan.statistics;
  return {
    aggregated: {
      totalClusters: s?.clusters ?? 0,
      // Kith merges a cluster only when asked to: nothing is merged automatically.
      totalAutomaticMergeSuccesses: 0,
      totalAutomaticMergeFailures: 0,
    },
    ...(s === null ? {} : s),
    ...(merges === undefined
      ? {}
      : {
          clustersMerged: merges.Merged,
          clustersMergeFailed: merges.Failed,
          clustersPending: merges.Pending,
        }),
    selfUri: `${scanUri(scan.id)}/statistics`,
  };
}

/** Genesys `ClusterScan`, with Kith's state and progress. */
function scanView(scan: ClusterScan): Record<string, unknown> {
  return {
    id: scan.id,
    status: scan.status,
    progress: scan.progress,
    dateStarted: scan.startedAt,
    ...(scan.completedAt === null ? {} : { dateCompleted: scan.completedAt }),
    ...(scan.error === null ? {} : { error: scan.error }),
    ...(scan.statistics === null ? {} : { statistics: statisticsView(scan) }),
    selfUri: scanUri(scan.id),
  };
}

const IDENTIFIER_TYPES = {
  SharedExternalId: 'ExternalId',
  SharedEmail: 'Email',
  SharedPhone: 'Phone',
} as const;

/** Genesys `Cluster`: its contacts and the identifiers that link them as a graph, plus the score and reasons. */
async function clusterViews(
  db: Kysely<DB>,
  principal: Principal,
  clusters: readonly StoredCluster[],
  contacts: ReadonlyMap<string, Contact>,
): Promise<Record<string, unknown>[]> {
  const present = clusters.flatMap((c) => c.contactIds.flatMap((id) => contacts.get(id) ?? []));
  const rendered = new Map(
    (await renderContacts(db, principal, present)).map((view) => [view.id, view]),
  );
  return clusters.map((cluster) => {
    const identifiers = new Map<
      string,
      { vertexId: string; normalizedType: string; normalizedValue: string }
    >();
    const edges: { from: string; to: string }[] = [];
    for (const reason of cluster.reasons) {
      if (reason.kind === 'SimilarNameInOrganization') {
        const [first, ...others] = reason.contactIds;
        for (const other of others) edges.push({ from: first as string, to: other });
        continue;
      }
      const type = IDENTIFIER_TYPES[reason.kind];
      const vertexId = `${type}:${reason.value}`;
      identifiers.set(vertexId, { vertexId, normalizedType: type, normalizedValue: reason.value });
      for (const contactId of reason.contactIds) edges.push({ from: contactId, to: vertexId });
    }
    return {
      id: cluster.id,
      division: divisionRef(cluster.divisionId),
      clusterScan: { id: cluster.scanId, selfUri: scanUri(cluster.scanId) },
      mergeInfo: {
        status: cluster.mergeStatus,
        ...(cluster.mergeError === null ? {} : { error: cluster.mergeError }),
        ...(cluster.mergedAt === null ? {} : { dateMerged: cluster.mergedAt }),
      },
      graph: {
        vertices: {
          contacts: cluster.contactIds.map((id) => {
            const contact = rendered.get(id);
            return contact === undefined ? { vertexId: id } : { vertexId: id, contact };
          }),
          identifiers: [...identifiers.values()],
        },
        edges,
      },
      score: cluster.score,
      reasons: cluster.reasons.map((r) => ({
        type: r.kind,
        value: r.value,
        contactIds: r.contactIds,
        nameSimilarity: Math.round(r.nameSimilarity * 100) / 100,
      })),
      ...(cluster.mergedContactId === null
        ? {}
        : {
            mergedContact: {
              id: cluster.mergedContactId,
              selfUri: contactSelfUri(cluster.mergedContactId),
            },
          }),
      dateCreated: cluster.createdAt,
      selfUri: `${scanUri(cluster.scanId)}/clusters/${cluster.id}`,
    };
  });
}

const Open = { additionalProperties: true } as const;
const ScanSchema = Type.Object(
  {
    id: Type.String(),
    status: Type.String(),
    progress: Type.Number(),
    dateStarted: Type.String(),
    dateCompleted: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
    statistics: Type.Optional(Type.Object({}, Open)),
    selfUri: Type.String(),
  },
  { title: 'ClusterScan', ...Open },
);
const StatisticsSchema = Type.Object(
  {
    aggregated: Type.Object({
      totalClusters: Type.Integer(),
      totalAutomaticMergeSuccesses: Type.Integer(),
      totalAutomaticMergeFailures: Type.Integer(),
    }),
    selfUri: Type.String(),
  },
  { title: 'ClusterScanStatistics', ...Open },
);
const ClusterSchema = Type.Object(
  {
    id: Type.String(),
    division: Type.Object({ id: Type.String() }, Open),
    clusterScan: Type.Object({ id: Type.String(), selfUri: Type.String() }),
    mergeInfo: Type.Object({ status: Type.String() }, Open),
    graph: Type.Object({}, Open),
    score: Type.Number(),
    reasons: Type.Array(Type.Object({}, Open)),
    dateCreated: Type.String(),
    selfUri: Type.String(),
  },
  { title: 'Cluster', ...Open },
);
const CursorList = <T extends ReturnType<typeof Type.Object>>(entity: T, title: string) =>
  Type.Object(
    {
      entities: Type.Array(entity),
      cursors: Type.Optional(Type.Object({ after: Type.String() })),
      nextUri: Type.Optional(Type.String()),
      selfUri: Type.String(),
    },
    { title },
  );
const ScanParams = Type.Object({ scanId: Type.String({ minLength: 1, maxLength: 100 }) });
const ClusterParams = Type.Object({
  scanId: Type.String({ minLength: 1, maxLength: 100 }),
  clusterId: Type.String({ minLength: 1, maxLength: 100 }),
});
const Expand = Type.Optional(Type.Array(Type.String()));

export function duplicatesRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      CLUSTER_SCANS_PATH,
      {
        schema: {
          tags,
          summary:
            'Start a duplicate-detection scan of the contacts you can view (Kith; needs identity merge)',
          body: Type.Optional(Type.Union([Type.Object({}, Open), Type.Null()])),
          response: { 202: ScanSchema, ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        const { scan } = await startClusterScan(db, principalOf(request));
        void reply.code(202).header('location', scanUri(scan.id));
        return scanView(scan);
      },
    );

    r.get(
      CLUSTER_SCANS_PATH,
      {
        schema: {
          tags,
          summary: 'List cluster scans, newest first (cursor paging)',
          querystring: Type.Object({
            limit: Type.Optional(Type.Integer()),
            cursor: Type.Optional(Type.String({ maxLength: 1000 })),
            expand: Expand,
          }),
          response: { 200: CursorList(ScanSchema, 'ClusterScanList'), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const { scans, nextCursor } = await listClusterScans(db, principalOf(request), {
          limit,
          cursor,
        });
        return cursorListing(scans.map(scanView), nextCursor, CLUSTER_SCANS_PATH, { limit });
      },
    );

    r.get(
      `${CLUSTER_SCANS_PATH}/latest`,
      {
        schema: {
          tags,
          summary: 'The most recently started cluster scan',
          querystring: Type.Object({ expand: Expand }),
          response: { 200: ScanSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => scanView(await getLatestClusterScan(db, principalOf(request))),
    );

    r.get(
      `${CLUSTER_SCANS_PATH}/latest/statistics`,
      {
        schema: {
          tags,
          summary: 'Statistics of the most recently started cluster scan',
          response: { 200: StatisticsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { scan, merges } = await getScanStatistics(db, principalOf(request));
        return statisticsView(scan, merges);
      },
    );

    r.get(
      `${CLUSTER_SCANS_PATH}/:scanId`,
      {
        schema: {
          tags,
          summary: 'A cluster scan: its state, progress and, once completed, statistics',
          params: ScanParams,
          querystring: Type.Object({ expand: Expand }),
          response: { 200: ScanSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        scanView(await getClusterScan(db, principalOf(request), request.params.scanId)),
    );

    r.get(
      `${CLUSTER_SCANS_PATH}/:scanId/statistics`,
      {
        schema: {
          tags,
          summary: 'Statistics of a cluster scan',
          params: ScanParams,
          response: { 200: StatisticsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { scan, merges } = await getScanStatistics(
          db,
          principalOf(request),
          request.params.scanId,
        );
        return statisticsView(scan, merges);
      },
    );

    r.get(
      `${CLUSTER_SCANS_PATH}/:scanId/clusters`,
      {
        schema: {
          tags,
          summary: "A scan's clusters in the divisions you can view, highest score first",
          params: ScanParams,
          querystring: Type.Object({
            limit: Type.Optional(Type.Integer()),
            cursor: Type.Optional(Type.String({ maxLength: 1000 })),
            divisionIds: Type.Optional(Type.Array(Type.String())),
            'mergeInfo.status': Type.Optional(Type.String()),
          }),
          response: { 200: CursorList(ClusterSchema, 'ClusterList'), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { limit, cursor } = request.query;
        const divisionIds = splitListParam(request.query.divisionIds);
        const mergeStatus = request.query['mergeInfo.status'];
        const { clusters, contacts, nextCursor } = await listScanClusters(
          db,
          principal,
          request.params.scanId,
          { limit, cursor, divisionIds, mergeStatus },
        );
        return cursorListing(
          await clusterViews(db, principal, clusters, contacts),
          nextCursor,
          `${scanUri(request.params.scanId)}/clusters`,
          {
            limit,
            divisionIds: divisionIds?.join(','),
            'mergeInfo.status': mergeStatus,
          },
        );
      },
    );

    r.get(
      `${CLUSTER_SCANS_PATH}/:scanId/clusters/:clusterId`,
      {
        schema: {
          tags,
          summary:
            'A cluster: its contacts as they are now, the identifiers linking them, score and reasons',
          params: ClusterParams,
          response: { 200: ClusterSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { cluster, contacts } = await getScanCluster(
          db,
          principal,
          request.params.scanId,
          request.params.clusterId,
        );
        return (await clusterViews(db, principal, [cluster], contacts))[0];
      },
    );

    r.put(
      `${CLUSTER_SCANS_PATH}/:scanId/clusters/:clusterId/merge`,
      {
        schema: {
          tags,
          summary:
            "Merge a cluster's current contacts into one Canonical contact; answers the cluster with its merge state",
          params: ClusterParams,
          body: Type.Optional(Type.Union([Type.Object({}, Open), Type.Null()])),
          response: { 200: ClusterSchema, 409: Type.Ref('ErrorBody'), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { cluster, contacts } = await mergeScanCluster(
          db,
          principal,
          request.params.scanId,
          request.params.clusterId,
        );
        return (await clusterViews(db, principal, [cluster], contacts))[0];
      },
    );
  };
}
