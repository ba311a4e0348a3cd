import type { Kysely } from 'kysely';
import type { DB, ExportJobTable } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import type {
  ExportFilter,
  ExportJob,
  ExportKind,
  ExportPart,
  ExportStatus,
} from './export-job.js';

function rowToExport(row: ExportJobTable): ExportJob {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind as ExportKind,
    divisionIds: parseJson<string[]>(row.division_ids),
    parts: parseJson<ExportPart[]>(row.read_filter),
    filters: row.query_conditions === null ? null : parseJson<ExportFilter>(row.query_conditions),
    limit: Number(row.row_limit),
    status: row.status as ExportStatus,
    statusDetails: row.status_details,
    resultRowCount: row.result_row_count === null ? null : Number(row.result_row_count),
    token: row.token,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    principal: { type: row.principal_type as 'client' | 'user', id: row.principal_id },
    dateCreated: row.created_at,
    dateCompleted: row.completed_at,
  };
}

export async function insertExport(db: Kysely<DB>, job: ExportJob): Promise<void> {
  await db
    .insertInto('export_jobs')
    .values({
      org_id: job.orgId,
      id: job.id,
      kind: job.kind,
      division_ids: JSON.stringify(job.divisionIds),
      read_filter: JSON.stringify(job.parts),
      query_conditions: job.filters === null ? null : JSON.stringify(job.filters),
      row_limit: job.limit,
      status: job.status,
      status_details: job.statusDetails,
      result_row_count: job.resultRowCount,
      token: job.token,
      lease_owner: job.leaseOwner,
      lease_until: job.leaseUntil,
      principal_type: job.principal.type,
      principal_id: job.principal.id,
      created_at: job.dateCreated,
      completed_at: job.dateCompleted,
    })
    .execute();
}

/** An export by id; with `kind`, only one of that kind (its download URL names no kind). */
export async function findExport(
  db: Kysely<DB>,
  orgId: string,
  id: string,
  kind?: ExportKind,
): Promise<ExportJob | undefined> {
  let query = db
    .selectFrom('export_jobs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id);
  if (kind !== undefined) query = query.where('kind', '=', kind);
  const row = await query.executeTakeFirst();
  return row === undefined ? undefined : rowToExport(row);
}

/** Exports of one kind, newest first, after the cursor's id. */
export async function listExports(
  db: Kysely<DB>,
  orgId: string,
  kind: ExportKind,
  options: { afterId?: string; limit: number },
): Promise<ExportJob[]> {
  let query = db
    .selectFrom('export_jobs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('kind', '=', kind);
  if (options.afterId !== undefined) query = query.where('id', '<', options.afterId);
  const rows = await query.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map(rowToExport);
}

/** The oldest running exports (a worker takes those whose lease is free or whose owner died). */
export async function findRunningExports(db: Kysely<DB>): Promise<ExportJob[]> {
  const rows = await db
    .selectFrom('export_jobs')
    .selectAll()
    .where('status', '=', 'RUNNING')
    .orderBy('created_at')
    .limit(20)
    .execute();
  return rows.map(rowToExport);
}

/**
 * Takes a running export for `owner` if its lease is free, ran out, or is held by `deadOwner`.
 * One conditional update: one process wins.
 */
export async function claimExport(
  db: Kysely<DB>,
  job: Pick<ExportJob, 'orgId' | 'id'>,
  owner: string,
  until: string,
  now: string,
  deadOwner?: string,
): Promise<boolean> {
  const result = await db
    .updateTable('export_jobs')
    .set({ lease_owner: owner, lease_until: until })
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .where('status', '=', 'RUNNING')
    .where((eb) => {
      const free = [eb('lease_until', 'is', null), eb('lease_until', '<', now)];
      if (deadOwner !== undefined) free.push(eb('lease_owner', '=', deadOwner));
      return eb.or(free);
    })
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends `owner`'s lease; false when another process took the export meanwhile. */
export async function renewExportLease(
  db: Kysely<DB>,
  job: Pick<ExportJob, 'orgId' | 'id'>,
  owner: string,
  until: string,
): Promise<boolean> {
  const result = await db
    .updateTable('export_jobs')
    .set({ lease_until: until })
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .where('status', '=', 'RUNNING')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends `owner`'s export: SUCCEEDED with its row count, or FAILED with why. */
export async function finishExport(
  db: Kysely<DB>,
  job: Pick<ExportJob, 'orgId' | 'id'>,
  owner: string,
  outcome: { status: 'SUCCEEDED'; rows: number } | { status: 'FAILED'; details: string },
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('export_jobs')
    .set({
      status: outcome.status,
      result_row_count: outcome.status === 'SUCCEEDED' ? outcome.rows : null,
      status_details: outcome.status === 'FAILED' ? outcome.details : null,
      completed_at: now,
      lease_owner: null,
      lease_until: null,
    })
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .where('status', '=', 'RUNNING')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
