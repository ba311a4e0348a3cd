import path from 'node:path';
import v8 from 'node:v8';
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { newId, randomId } from '../common/ids.js';
import { addSeconds, nowIso } from '../common/time.js';
import { isImportTarget } from '../csv/columns.js';
import { createExternalSource } from '../external-sources/external-source.service.js';
import { findExternalSourceByName } from '../external-sources/external-source.repository.js';
import { findImportSettingsByName } from '../imports/import-settings.repository.js';
import { createImportSettings } from '../imports/import-settings.service.js';
import type { CsvMapping } from '../imports/import-settings.js';
import {
  insertUpload,
  claimJob,
  findUnfinishedJobFor,
  updateJobState,
} from '../imports/import-job.repository.js';
import { createJob, settingsOfRequest } from '../imports/import-job.service.js';
import { LEASE_SECONDS, runImportJob } from '../imports/import-engine.js';
import { ownerIsGone, processOwner } from '../common/job-worker.js';
import { operator } from './operator.js';
import { reportUri, type ImportJob } from '../imports/import-job.js';
import { CsvFileError, inspectCsv } from '../imports/csv-file.js';
import { writeReportFile } from '../imports/import-report.js';

/** Bad usage or a file that cannot be read as CSV: exit code 2. */
export class ImportUsageError extends Error {}

export interface ImportOptions {
  readonly settings?: string;
  readonly map?: string[];
  readonly division?: string | null;
  readonly defaultCountry?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly report?: string;
}

const CLI_SETTINGS = 'kith import (command line)';

/** The settings `kith import` uses when none are named: match by email then phone, update first. */
async function defaultSettings(db: Kysely<DB>, principal: Principal): Promise<string> {
  const found = await findImportSettingsByName(db, principal.orgId, CLI_SETTINGS);
  if (found !== undefined) return found.id;
  const source =
    (await findExternalSourceByName(db, principal.orgId, 'kith import')) ??
    (await createExternalSource(db, principal, { name: 'kith import', active: true }));
  const settings = await createImportSettings(db, principal, {
    name: CLI_SETTINGS,
    matchingCriteria: ['Email', 'Phone'],
    mergeContacts: false,
    externalSourceId: source.id,
    importFields: [],
  });
  return settings.id;
}

function parseMappings(values: readonly string[]): CsvMapping[] {
  return values.map((entry) => {
    const at = entry.lastIndexOf('=');
    const sourceField = entry.slice(0, at).trim();
    const targetField = entry.slice(at + 1).trim();
    if (at <= 0 || sourceField === '' || targetField === '')
      throw new ImportUsageError(`--map takes column=field, got "${entry}"`);
    if (!isImportTarget(targetField))
      throw new ImportUsageError(
        `--map ${entry}: "${targetField}" is not a field an import writes (see GET /api/v2/externalcontacts/import/csv/sample)`,
      );
    return { sourceField, targetField };
  });
}

interface Progress {
  update(bytes: number, job: ImportJob): void;
  stop(): void;
}

function progressOf(total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'Importing [{bar}] {percentage}% | {rows} rows | {failed} reported | {rate} rows/s',
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rows: 0, failed: 0, rate: 0 });
    const started = Date.now();
    return {
      update(bytes, job) {
        const rows = rowsOf(job);
        bar.update(bytes, {
          rows,
          failed: failedOf(job),
          rate: Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001)),
        });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update(bytes, job) {
      if (Date.now() - last < 2000) return;
      last = Date.now();
      process.stderr.write(
        `kith import: ${Math.floor((bytes / Math.max(total, 1)) * 100)}% (line ${job.nextLine}, ${rowsOf(job)} rows, ${failedOf(job)} reported)\n`,
      );
    },
    stop: () => undefined,
  };
}

function rowsOf(job: ImportJob): number {
  return job.phase === 'dryRun' ? job.counts.dryRunSuccess : job.counts.importSuccess;
}

function failedOf(job: ImportJob): number {
  return job.phase === 'dryRun' ? job.counts.dryRunFailed : job.counts.importFailed;
}

/**
 * An import makes a batch's worth of short-lived objects over and over, and V8 lets its heap grow
 * to several times what is live before it collects: that garbage is resident. Growing the heap by
 * a fifth at a time took a 100,000-row import's peak RSS from 425 to 286 MB on PostgreSQL for 6%
 * of its speed (bench/RESULTS.md). Exports keep V8's default: there it cost a fifth of their speed.
 * V8 reads the flag at each collection, so it holds for this process and the threads it starts.
 */
function keepHeapLean(): void {
  v8.setFlagsFromString('--heap-growing-percent=20');
}

/**
 * `kith import FILE.csv`: runs the import engine in this process over the file where it lies. An
 * unfinished run of the same file, settings and division (the process was killed) is resumed
 * from its checkpoint. @returns the exit code: 0 every row imported, 1 some reported.
 */
export async function runImport(
  db: Kysely<DB>,
  orgId: string,
  file: string,
  options: ImportOptions,
  dataDir: string,
  threadMinBytes: number,
): Promise<number> {
  keepHeapLean();
  const absolute = path.resolve(file);
  let size: number;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) throw new ImportUsageError(`${file} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof ImportUsageError) throw error;
    throw new ImportUsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    await inspectCsv(absolute);
  } catch (error) {
    if (error instanceof CsvFileError) throw new ImportUsageError(`${file}: ${error.message}`);
    throw error;
  }
  const principal = operator(orgId, 'kith import');
  const mappings = options.map === undefined ? undefined : parseMappings(options.map);
  const settingsId = options.settings ?? (await defaultSettings(db, principal));
  const resolved =
    mappings === undefined
      ? await settingsOfRequest(db, orgId, settingsId)
      : { settingsId, csvSettingsId: null, mappings };
  const divisionId = options.division ?? null;
  const owner = processOwner();
  const now = nowIso();
  let job = await findUnfinishedJobFor(db, orgId, absolute, size, {
    settingsId: resolved.settingsId,
    divisionId,
    mappings: JSON.stringify(resolved.mappings),
    dryRunOnly: options.dryRun === true,
  });
  if (job !== undefined) {
    if (job.status === 'Failed')
      await updateJobState(
        db,
        job,
        { status: ['Failed'] },
        { status: 'Running', status_details: null, lease_owner: null, lease_until: null },
      );
    const dead =
      job.leaseOwner !== null && ownerIsGone(job.leaseOwner) ? job.leaseOwner : undefined;
    if (!(await claimJob(db, job, owner, addSeconds(now, LEASE_SECONDS), now, dead)))
      throw new ImportUsageError(`job ${job.id} over this file is running in another process`);
    process.stderr.write(`kith import: resuming job ${job.id} at line ${job.nextLine + 1}\n`);
  } else {
    const uploadId = newId();
    await insertUpload(db, {
      id: uploadId,
      orgId,
      token: randomId(),
      fileName: path.basename(absolute),
      fileSize: size,
      path: absolute,
      status: 'Uploaded',
      principal: { type: principal.type, id: principal.id },
      dateCreated: now,
    });
    job = await createJob(db, principal, {
      uploadId,
      settingsId: resolved.settingsId,
      division: { id: divisionId ?? '*' },
      ...(options.defaultCountry === undefined ? {} : { defaultCountry: options.defaultCountry }),
      dryRunOnly: options.dryRun === true,
      skipDryRun: true,
      mappings: resolved.mappings,
    });
    if (!(await claimJob(db, job, owner, addSeconds(now, LEASE_SECONDS), now)))
      throw new Error(`could not claim the new job ${job.id}`);
  }
  const progress = progressOf(size);
  const started = Date.now();
  let finished: ImportJob;
  try {
    for (;;) {
      finished = await runImportJob(
        db,
        { ...job, leaseOwner: owner },
        {
          dataDir,
          owner,
          threadMinBytes,
          onProgress: (current, bytes) => progress.update(bytes, current),
        },
      );
      // A run that gave its lease up (a batch whose contacts kept changing) is taken again.
      const at = nowIso();
      if (finished.status !== 'Running' || finished.leaseOwner !== null) break;
      if (!(await claimJob(db, finished, owner, addSeconds(at, LEASE_SECONDS), at))) break;
      job = finished;
    }
  } finally {
    progress.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  const imported = rowsOf(finished);
  const failed = failedOf(finished);
  let report: string | null = null;
  if (failed > 0) {
    report = path.resolve(options.report ?? `${absolute}.report-${finished.id}.csv`);
    await writeReportFile(db, finished, finished.phase, report);
  }
  const summary = {
    job: finished.id,
    status: finished.status,
    dryRun: options.dryRun === true,
    imported,
    failed,
    created: finished.counts.created,
    updated: finished.counts.updated,
    unchanged: finished.counts.unchanged,
    report,
    reportUrl: failed > 0 ? reportUri(finished.id, finished.phase) : null,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(imported / Math.max(seconds, 0.001)),
    ...(finished.statusDetails === null ? {} : { error: finished.statusDetails }),
  };
  if (options.json === true) console.log(JSON.stringify(summary));
  else
    console.log(
      `${options.dryRun === true ? 'Validated' : 'Imported'} ${imported} row${imported === 1 ? '' : 's'}` +
        ` (${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged)` +
        `, ${failed} reported${report === null ? '' : ` in ${report}`}, in ${summary.seconds} s` +
        (finished.statusDetails === null ? '' : `\nThe import stopped: ${finished.statusDetails}`),
    );
  if (finished.status === 'Failed') return 2;
  return failed > 0 ? 1 : 0;
}
