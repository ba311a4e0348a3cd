import type { Kysely } from 'kysely';
import type { DB, ImportJobTable, ImportUploadTable } from '../db/schema.js';
import { insertRows } from '../db/compiled.js';
import { parseJson } from '../common/json.js';
import type { ImportJob, ImportPhase, ImportUpload, JobCounts } from './import-job.js';

function rowToUpload(row: ImportUploadTable): ImportUpload {
  return {
    id: row.id,
    orgId: row.org_id,
    token: row.token,
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    path: row.path,
    status: row.status as ImportUpload['status'],
    principal: { type: row.principal_type as 'client' | 'user', id: row.principal_id },
    dateCreated: row.created_at,
  };
}

export async function insertUpload(db: Kysely<DB>, upload: ImportUpload): Promise<void> {
  await db
    .insertInto('import_uploads')
    .values({
      org_id: upload.orgId,
      id: upload.id,
      token: upload.token,
      file_name: upload.fileName,
      file_size: upload.fileSize,
      path: upload.path,
      status: upload.status,
      principal_type: upload.principal.type,
      principal_id: upload.principal.id,
      created_at: upload.dateCreated,
      uploaded_at: upload.status === 'Uploaded' ? upload.dateCreated : null,
    })
    .execute();
}

export async function findUpload(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<ImportUpload | undefined> {
  const row = await db
    .selectFrom('import_uploads')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToUpload(row);
}

export async function findUploads(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<ImportUpload[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('import_uploads')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return rows.map(rowToUpload);
}

/** Marks an upload received. @returns false when it was already (a second PUT). */
export async function markUploaded(
  db: Kysely<DB>,
  upload: ImportUpload,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('import_uploads')
    .set({ status: 'Uploaded', uploaded_at: at })
    .where('org_id', '=', upload.orgId)
    .where('id', '=', upload.id)
    .where('status', '=', 'Pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function rowToJob(row: ImportJobTable): ImportJob {
  return {
    id: row.id,
    orgId: row.org_id,
    uploadId: row.upload_id,
    settingsId: row.settings_id,
    csvSettingsId: row.csv_settings_id,
    mappings: parseJson(row.mappings),
    divisionId: row.division_id,
    defaultCountry: row.default_country,
    dryRunOnly: row.dry_run_only === 1,
    status: row.status as ImportJob['status'],
    statusDetails: row.status_details,
    executionStep: row.execution_step as ImportJob['executionStep'],
    phase: row.phase as ImportPhase,
    header: row.header === null ? null : parseJson<string[]>(row.header),
    separator: row.separator,
    nextOffset: Number(row.next_offset),
    nextLine: row.next_line,
    counts: {
      dryRunSuccess: row.dry_run_success,
      dryRunFailed: row.dry_run_failed,
      importSuccess: row.import_success,
      importFailed: row.import_failed,
      created: row.created_count,
      updated: row.updated_count,
      unchanged: row.unchanged_count,
    },
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    principal: { type: row.principal_type as 'client' | 'user', id: row.principal_id },
    dateCreated: row.created_at,
    dateModified: row.modified_at,
    dateCompleted: row.completed_at,
    reportToken: row.report_token,
  };
}

export async function insertJob(db: Kysely<DB>, job: ImportJob): Promise<void> {
  await db
    .insertInto('import_jobs')
    .values({
      org_id: job.orgId,
      id: job.id,
      upload_id: job.uploadId,
      settings_id: job.settingsId,
      csv_settings_id: job.csvSettingsId,
      mappings: JSON.stringify(job.mappings),
      division_id: job.divisionId,
      default_country: job.defaultCountry,
      dry_run_only: job.dryRunOnly ? 1 : 0,
      status: job.status,
      status_details: job.statusDetails,
      execution_step: job.executionStep,
      phase: job.phase,
      header: null,
      separator: null,
      next_offset: 0,
      next_line: 0,
      dry_run_success: 0,
      dry_run_failed: 0,
      import_success: 0,
      import_failed: 0,
      created_count: 0,
      updated_count: 0,
      unchanged_count: 0,
      lease_owner: job.leaseOwner,
      lease_until: job.leaseUntil,
      principal_type: job.principal.type,
      principal_id: job.principal.id,
      created_at: job.dateCreated,
      modified_at: job.dateModified,
      completed_at: null,
      report_token: job.reportToken,
    })
    .execute();
}

export async function findJob(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<ImportJob | undefined> {
  const row = await db
    .selectFrom('import_jobs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToJob(row);
}

/** A page of an organization's jobs by id (time-ordered), after `after`. */
export async function listJobs(
  db: Kysely<DB>,
  orgId: string,
  options: { after?: string; limit: number; descending: boolean; status?: string },
): Promise<ImportJob[]> {
  let query = db.selectFrom('import_jobs').selectAll().where('org_id', '=', orgId);
  if (options.status !== undefined) query = query.where('status', '=', options.status);
  if (options.after !== undefined)
    query = query.where('id', options.descending ? '<' : '>', options.after);
  const rows = await query
    .orderBy('id', options.descending ? 'desc' : 'asc')
    .limit(options.limit)
    .execute();
  return rows.map(rowToJob);
}

/** Jobs a worker may take: running (or waiting to run) with no live lease. */
export async function findRunnableJobs(db: Kysely<DB>, now: string): Promise<ImportJob[]> {
  const rows = await db
    .selectFrom('import_jobs')
    .selectAll()
    .where('status', '=', 'Running')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('created_at')
    .limit(10)
    .execute();
  return rows.map(rowToJob);
}

/** Running jobs whose lease is still live (a worker checks whether their owner is alive). */
export async function findLeasedJobs(db: Kysely<DB>, now: string): Promise<ImportJob[]> {
  const rows = await db
    .selectFrom('import_jobs')
    .selectAll()
    .where('status', '=', 'Running')
    .where('lease_until', '>=', now)
    .limit(10)
    .execute();
  return rows.map(rowToJob);
}

/**
 * Takes a running job for `owner` if nobody holds it, its lease ran out, or it is held by
 * `deadOwner` (a process known to be gone). One conditional update: one process wins.
 */
export async function claimJob(
  db: Kysely<DB>,
  job: Pick<ImportJob, 'orgId' | 'id'>,
  owner: string,
  until: string,
  now: string,
  deadOwner?: string,
): Promise<boolean> {
  const result = await db
    .updateTable('import_jobs')
    .set({ lease_owner: owner, lease_until: until })
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .where('status', '=', 'Running')
    .where((eb) => {
      const free = [eb('lease_until', 'is', null), eb('lease_until', '<', now)];
      if (deadOwner !== undefined) free.push(eb('lease_owner', '=', deadOwner));
      return eb.or(free);
    })
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** What a committed batch moves the job to. */
export interface Checkpoint {
  readonly nextOffset: number;
  readonly nextLine: number;
  readonly counts: JobCounts;
  readonly leaseUntil: string;
  readonly header?: readonly string[];
  readonly separator?: string;
}

/**
 * Moves a job's checkpoint, in the batch's transaction, if `owner` still holds it and it is
 * still running (not cancelled meanwhile). @returns false otherwise: the batch must roll back.
 */
export async function saveCheckpoint(
  db: Kysely<DB>,
  job: Pick<ImportJob, 'orgId' | 'id'>,
  owner: string,
  checkpoint: Checkpoint,
  now: string,
): Promise<boolean> {
  const c = checkpoint.counts;
  const result = await db
    .updateTable('import_jobs')
    .set({
      next_offset: checkpoint.nextOffset,
      next_line: checkpoint.nextLine,
      dry_run_success: c.dryRunSuccess,
      dry_run_failed: c.dryRunFailed,
      import_success: c.importSuccess,
      import_failed: c.importFailed,
      created_count: c.created,
      updated_count: c.updated,
      unchanged_count: c.unchanged,
      lease_until: checkpoint.leaseUntil,
      modified_at: now,
      ...(checkpoint.header === undefined ? {} : { header: JSON.stringify(checkpoint.header) }),
      ...(checkpoint.separator === undefined ? {} : { separator: checkpoint.separator }),
    })
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .where('status', '=', 'Running')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Changes a job's state; `expected` guards against a change made meanwhile. */
export async function updateJobState(
  db: Kysely<DB>,
  job: Pick<ImportJob, 'orgId' | 'id'>,
  expected: { status: readonly string[]; owner?: string },
  changes: Partial<
    Pick<
      ImportJobTable,
      | 'status'
      | 'status_details'
      | 'execution_step'
      | 'phase'
      | 'next_offset'
      | 'next_line'
      | 'lease_owner'
      | 'lease_until'
      | 'completed_at'
      | 'modified_at'
    >
  >,
): Promise<boolean> {
  let query = db
    .updateTable('import_jobs')
    .set(changes)
    .where('org_id', '=', job.orgId)
    .where('id', '=', job.id)
    .where('status', 'in', expected.status);
  if (expected.owner !== undefined) query = query.where('lease_owner', '=', expected.owner);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The unfinished job of the same file, settings and division, for `kith import` to resume. */
export async function findUnfinishedJobFor(
  db: Kysely<DB>,
  orgId: string,
  path: string,
  fileSize: number,
  key: { settingsId: string; divisionId: string | null; mappings: string; dryRunOnly: boolean },
): Promise<ImportJob | undefined> {
  const row = await db
    .selectFrom('import_jobs as j')
    .innerJoin('import_uploads as u', (join) =>
      join.onRef('u.org_id', '=', 'j.org_id').onRef('u.id', '=', 'j.upload_id'),
    )
    .selectAll('j')
    .where('j.org_id', '=', orgId)
    .where('u.path', '=', path)
    .where('u.file_size', '=', fileSize)
    .where('j.settings_id', '=', key.settingsId)
    .where('j.division_id', key.divisionId === null ? 'is' : '=', key.divisionId as string)
    .where('j.mappings', '=', key.mappings)
    .where('j.dry_run_only', '=', key.dryRunOnly ? 1 : 0)
    .where('j.status', 'in', ['Running', 'Failed'])
    .orderBy('j.id', 'desc')
    .executeTakeFirst();
  return row && rowToJob(row);
}

export interface ImportFailure {
  readonly line: number;
  readonly reason: string;
  readonly cells: readonly string[];
}

export async function insertFailures(
  db: Kysely<DB>,
  job: Pick<ImportJob, 'orgId' | 'id'>,
  phase: ImportPhase,
  failures: readonly ImportFailure[],
): Promise<void> {
  await insertRows(
    db,
    'import_failures',
    failures.map((f) => ({
      org_id: job.orgId,
      job_id: job.id,
      phase,
      line: f.line,
      reason: f.reason,
      cells: JSON.stringify(f.cells),
    })),
    { ignoreConflicts: true },
  );
}

/** The failures of a job's pass, by line, a page at a time (for the streamed report). */
export async function listFailures(
  db: Kysely<DB>,
  job: Pick<ImportJob, 'orgId' | 'id'>,
  phase: ImportPhase,
  afterLine: number,
  limit: number,
): Promise<ImportFailure[]> {
  const rows = await db
    .selectFrom('import_failures')
    .select(['line', 'reason', 'cells'])
    .where('org_id', '=', job.orgId)
    .where('job_id', '=', job.id)
    .where('phase', '=', phase)
    .where('line', '>', afterLine)
    .orderBy('line')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ line: r.line, reason: r.reason, cells: parseJson(r.cells) }));
}

export async function deleteFailures(
  db: Kysely<DB>,
  job: Pick<ImportJob, 'orgId' | 'id'>,
  phase: ImportPhase,
): Promise<void> {
  await db
    .deleteFrom('import_failures')
    .where('org_id', '=', job.orgId)
    .where('job_id', '=', job.id)
    .where('phase', '=', phase)
    .execute();
}

/** The fingerprints already imported, with what they made, among `fingerprints`. */
export async function findFingerprints(
  db: Kysely<DB>,
  orgId: string,
  fingerprints: readonly string[],
): Promise<Map<string, { contactId: string | null; organizationId: string | null }>> {
  const found = new Map<string, { contactId: string | null; organizationId: string | null }>();
  if (fingerprints.length === 0) return found;
  const rows = await db
    .selectFrom('import_fingerprints')
    .select(['fingerprint', 'contact_id', 'organization_id'])
    .where('org_id', '=', orgId)
    .where('fingerprint', 'in', fingerprints)
    .execute();
  for (const row of rows)
    found.set(row.fingerprint, { contactId: row.contact_id, organizationId: row.organization_id });
  return found;
}

export async function saveFingerprints(
  db: Kysely<DB>,
  orgId: string,
  entries: readonly {
    fingerprint: string;
    contactId: string | null;
    organizationId: string | null;
  }[],
  stale: readonly string[],
): Promise<void> {
  // A fingerprint whose contact was deleted since points at what the row made this time.
  if (stale.length > 0) {
    await db
      .deleteFrom('import_fingerprints')
      .where('org_id', '=', orgId)
      .where('fingerprint', 'in', stale)
      .execute();
  }
  await insertRows(
    db,
    'import_fingerprints',
    entries.map((e) => ({
      org_id: orgId,
      fingerprint: e.fingerprint,
      contact_id: e.contactId,
      organization_id: e.organizationId,
    })),
    { ignoreConflicts: true },
  );
}
