import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform, type TransformCallback } from 'node:stream';
import type { Kysely } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import type { DB } from '../db/schema.js';
import { newId, randomId, sameSecret } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { AppError, badRequest, conflict, notFound } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { Principal } from '../authorization/access.js';
import { requireAccess, requirePermission } from '../authorization/guard.js';
import { requestedDivisionId } from '../contacts/contact.js';
import { DEFAULT_COUNTRY, isCountryCode } from '../contacts/phone.js';
import { findDivision } from '../divisions/division.repository.js';
import { escapeFormula, IMPORT_TARGET_NAMES } from '../csv/columns.js';
import { findCsvSettings, findImportSettings } from './import-settings.repository.js';
import type { CsvMapping } from './import-settings.js';
import { CsvFileError, inspectCsv, readCsvRecords, separatorName, SEPARATORS } from './csv-file.js';
import {
  findJob,
  findUpload,
  findUploads,
  insertJob,
  insertUpload,
  listJobs,
  markUploaded,
  updateJobState,
} from './import-job.repository.js';
import {
  applyCommand,
  NO_COUNTS,
  type ImportJob,
  type ImportUpload,
  type JobCommand,
} from './import-job.js';

export const UPLOAD_ADD = 'externalContacts:importCsvUpload:add';
export const UPLOAD_VIEW = 'externalContacts:importCsvUpload:view';
export const CSV_JOB_ADD = 'externalContacts:importCsvJob:add';
export const JOB_ADD = 'externalContacts:importJob:add';
export const JOB_VIEW = 'externalContacts:importJob:view';
export const JOB_VIEW_ALL = 'externalContacts:importJob:viewAll';
export const JOB_EDIT = 'externalContacts:importJob:edit';
const CONTACT_ADD = 'externalContacts:contact:add';

/** The largest file Kith takes: far beyond the peers' 50–100 MB, bounded by the disk. */
export const MAX_UPLOAD_BYTES = 10 * 1024 ** 3;
/** Rows the preview shows. */
export const PREVIEW_ROWS = 10;
/** Lines the details list at most; the job's report has every one. */
export const MAX_DETAIL_ERRORS = 1000;

const UPLOADS_DIR = 'uploads';

/**
 * Announces a file (`POST /import/csv/uploads`): the answer's URL, with its random token, takes
 * the file once.
 * @throws AppError 400 for a size that is not a positive number of bytes up to the limit.
 */
export async function createUpload(
  db: Kysely<DB>,
  principal: Principal,
  request: { fileName?: string | undefined; fileSize: number },
): Promise<ImportUpload> {
  requirePermission(principal, UPLOAD_ADD);
  if (!Number.isInteger(request.fileSize) || request.fileSize < 1)
    throw badRequest('fileSize must be the size of the file in bytes, at least 1', 'fileSize');
  if (request.fileSize > MAX_UPLOAD_BYTES)
    throw badRequest(
      `fileSize ${request.fileSize} is larger than the ${MAX_UPLOAD_BYTES} bytes Kith takes`,
      'fileSize',
    );
  const id = newId();
  const upload: ImportUpload = {
    id,
    orgId: principal.orgId,
    token: randomId() + randomId(),
    fileName: request.fileName?.trim().slice(0, 255) || null,
    fileSize: request.fileSize,
    path: path.join(UPLOADS_DIR, `${id}.csv`),
    status: 'Pending',
    principal: { type: principal.type, id: principal.id },
    dateCreated: nowIso(),
  };
  await insertUpload(db, upload);
  return upload;
}

/** Counts bytes, failing as soon as more arrive than were announced. */
class SizeLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: string, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      done(
        new AppError(
          ErrorCode.payloadTooLarge,
          `the file is larger than the ${this.limit} bytes announced for this upload`,
          413,
        ),
      );
      return;
    }
    done(null, chunk);
  }
}

/**
 * Takes the file of an upload (the PUT to its URL), streamed to disk: written under a temporary
 * name and renamed when complete, so a job never reads half a file.
 * @throws AppError 404 for an unknown token, 409 when the file was already sent, 413 when it is
 * larger than announced, 400 when it is empty.
 */
export async function receiveUpload(
  db: Kysely<DB>,
  dataDir: string,
  address: { orgId: string; uploadId: string; token: string },
  body: Readable,
): Promise<ImportUpload> {
  const upload = await findUpload(db, address.orgId, address.uploadId);
  if (upload === undefined || !sameSecret(upload.token, address.token)) throw notFound('Upload');
  if (upload.status !== 'Pending') throw conflict('The file of this upload was already sent');
  const target = path.join(dataDir, upload.path);
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${randomId()}.part`;
  const limit = new SizeLimit(upload.fileSize);
  try {
    await pipeline(body, limit, createWriteStream(temporary));
    if (limit.bytes === 0) throw badRequest('the file is empty: send the CSV file as the body');
    if (!(await markUploaded(db, upload, nowIso())))
      throw conflict('The file of this upload was already sent');
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
  return { ...upload, status: 'Uploaded' };
}

async function uploadOf(db: Kysely<DB>, principal: Principal, id: string): Promise<ImportUpload> {
  const upload = await findUpload(db, principal.orgId, id);
  if (upload === undefined) throw notFound('Upload', id);
  if (upload.status !== 'Uploaded')
    throw badRequest(
      `The file of upload ${id} has not been sent to its upload URL yet`,
      'uploadId',
    );
  return upload;
}

function fileError(error: unknown): never {
  if (error instanceof CsvFileError)
    throw badRequest(`The file cannot be read as CSV: ${error.message}`);
  throw error;
}

/** The header and first rows of an uploaded file (`/preview`). */
export async function previewUpload(
  db: Kysely<DB>,
  dataDir: string,
  principal: Principal,
  id: string,
): Promise<{ uploadId: string; headers: string[]; entries: string[][] }> {
  requirePermission(principal, UPLOAD_VIEW);
  const upload = await uploadOf(db, principal, id);
  const file = path.join(dataDir, upload.path);
  try {
    const { separator } = await inspectCsv(file);
    const rows: string[][] = [];
    for await (const batch of readCsvRecords(file, { separator, batchSize: PREVIEW_ROWS + 1 })) {
      rows.push(...batch.map((r) => r.cells));
      break;
    }
    const [headers = [], ...entries] = rows;
    return { uploadId: id, headers, entries: entries.slice(0, PREVIEW_ROWS) };
  } catch (error) {
    return fileError(error);
  }
}

/**
 * Checks a whole uploaded file (`/details`): its separator, its encoding and every line that
 * cannot be read as a row of the header's width, up to MAX_DETAIL_ERRORS of them.
 */
export async function uploadDetails(
  db: Kysely<DB>,
  dataDir: string,
  principal: Principal,
  id: string,
): Promise<Record<string, unknown>> {
  requirePermission(principal, UPLOAD_VIEW);
  const upload = await uploadOf(db, principal, id);
  const file = path.join(dataDir, upload.path);
  const errors: { lineNumber: number; message: string }[] = [];
  let separatorValid = true;
  let fileEncodingValid = true;
  let separator: string = ',';
  try {
    const shape = await inspectCsv(file);
    separator = shape.separator;
    let width: number | null = null;
    for await (const batch of readCsvRecords(file, { separator })) {
      for (const record of batch) {
        if (width === null) {
          width = record.cells.length;
          if (width === 1) {
            const others = SEPARATORS.filter((s) => record.cells[0]?.includes(s));
            separatorValid = others.length === 0;
            if (!separatorValid)
              errors.push({
                lineNumber: record.line,
                message: `the header is one column; separate columns with commas (found ${others.map(separatorName).join(', ')})`,
              });
          }
          continue;
        }
        if (record.cells.length !== width && errors.length < MAX_DETAIL_ERRORS)
          errors.push({
            lineNumber: record.line,
            message: `the row has ${record.cells.length} cells and the header ${width}`,
          });
      }
    }
    if (width === null)
      errors.push({ lineNumber: 1, message: 'the file has no header and no rows' });
  } catch (error) {
    if (!(error instanceof CsvFileError)) throw error;
    if (/UTF-8|UTF-16|NUL/.test(error.message)) fileEncodingValid = false;
    errors.push({ lineNumber: error.line ?? 0, message: error.message });
  }
  return {
    uploadId: id,
    ...(upload.fileName === null ? {} : { fileName: upload.fileName }),
    validationResult: { separatorValid, fileEncodingValid, errors },
    separator: separator === '\t' ? 'tab' : separator,
    encoding: fileEncodingValid ? 'UTF-8' : 'unknown',
  };
}

export interface JobRequest {
  readonly uploadId?: string | undefined;
  readonly settingsId: string;
  readonly division?: { id?: string | undefined } | null | undefined;
  /** Kith: the country of phone numbers without a country code (US unless set). */
  readonly defaultCountry?: string | undefined;
  /** Kith: stop after the dry run (`kith import --dry-run`). */
  readonly dryRunOnly?: boolean | undefined;
  /** Kith: skip the dry run and import at once (`kith import`); the API always validates first. */
  readonly skipDryRun?: boolean | undefined;
  /** Kith: a mapping given directly (`kith import --map`), instead of CSV settings. */
  readonly mappings?: readonly CsvMapping[] | undefined;
}

/** The import settings and mapping a job's settingsId names: CSV settings, or import settings. */
export async function settingsOfRequest(
  db: Kysely<DB>,
  orgId: string,
  settingsId: string,
): Promise<{ settingsId: string; csvSettingsId: string | null; mappings: CsvMapping[] }> {
  const csv = await findCsvSettings(db, orgId, settingsId);
  if (csv !== undefined) {
    if (csv.externalSettingsId === null)
      throw badRequest(
        `CSV settings ${settingsId} name no import settings (externalSettingsId): the job needs ` +
          'them for its external source and matching',
        'settingsId',
      );
    return { settingsId: csv.externalSettingsId, csvSettingsId: csv.id, mappings: csv.mappings };
  }
  if ((await findImportSettings(db, orgId, settingsId)) !== undefined)
    return { settingsId, csvSettingsId: null, mappings: [] };
  throw badRequest(`No CSV settings or import settings have the id ${settingsId}`, 'settingsId');
}

/**
 * Creates an import job over an uploaded file. The API's jobs validate every row first (a dry
 * run, whose counts and report the job shows) and wait for `Continue`; `kith import` may skip it.
 * @throws AppError 400 for an unknown upload, settings, division or country; 403 without the
 * permissions (the job's own and contact add on the division).
 */
export async function createJob(
  db: Kysely<DB>,
  principal: Principal,
  request: JobRequest,
  permission: string = CSV_JOB_ADD,
): Promise<ImportJob> {
  requirePermission(principal, permission);
  if (request.uploadId === undefined)
    throw badRequest('uploadId is required: the job imports an uploaded file', 'uploadId');
  const upload = await uploadOf(db, principal, request.uploadId);
  const divisionId = requestedDivisionId(request.division ?? undefined) ?? null;
  if (divisionId !== null && !(await findDivision(db, principal.orgId, divisionId)))
    throw badRequest(`Division ${divisionId} does not exist`, 'division.id');
  requireAccess(principal, CONTACT_ADD, divisionId);
  const country = (request.defaultCountry ?? DEFAULT_COUNTRY).trim().toUpperCase();
  if (!isCountryCode(country))
    throw badRequest(
      `defaultCountry "${request.defaultCountry}" is not an ISO 3166-1 country code such as US or GB`,
      'defaultCountry',
    );
  const settings =
    request.mappings === undefined
      ? await settingsOfRequest(db, principal.orgId, request.settingsId)
      : { settingsId: request.settingsId, csvSettingsId: null, mappings: [...request.mappings] };
  const now = nowIso();
  const importAtOnce = request.skipDryRun === true && request.dryRunOnly !== true;
  const job: ImportJob = {
    id: newId(),
    orgId: principal.orgId,
    uploadId: upload.id,
    settingsId: settings.settingsId,
    csvSettingsId: settings.csvSettingsId,
    mappings: settings.mappings,
    divisionId,
    defaultCountry: country,
    dryRunOnly: request.dryRunOnly === true,
    status: 'Running',
    statusDetails: null,
    executionStep: importAtOnce ? 'Importing' : 'Validating',
    phase: importAtOnce ? 'import' : 'dryRun',
    header: null,
    separator: null,
    nextOffset: 0,
    nextLine: 0,
    counts: NO_COUNTS,
    leaseOwner: null,
    leaseUntil: null,
    principal: { type: principal.type, id: principal.id },
    dateCreated: now,
    dateModified: now,
    dateCompleted: null,
    reportToken: randomId() + randomId(),
  };
  await insertJob(db, job);
  return job;
}

/**
 * A job by its report URL, which is its own credential: no principal, the token instead.
 * @throws AppError 404 for an unknown job or a wrong token.
 */
export async function jobOfReportUrl(
  db: Kysely<DB>,
  address: { orgId: string; jobId: string; token: string },
): Promise<ImportJob> {
  const job = await findJob(db, address.orgId, address.jobId);
  if (job === undefined || job.reportToken === null || !sameSecret(job.reportToken, address.token))
    throw notFound('Import job report');
  return job;
}

/** A job of the principal's organization. @throws AppError 404. */
export async function getJob(db: Kysely<DB>, principal: Principal, id: string): Promise<ImportJob> {
  requirePermission(principal, JOB_VIEW);
  const job = await findJob(db, principal.orgId, id);
  if (job === undefined) throw notFound('Import job', id);
  return job;
}

/** The file names of jobs' uploads, by upload id, in one query. */
export async function fileNamesOf(
  db: Kysely<DB>,
  jobs: readonly ImportJob[],
): Promise<Map<string, string | null>> {
  const first = jobs[0];
  if (first === undefined) return new Map();
  const uploads = await findUploads(
    db,
    first.orgId,
    jobs.map((j) => j.uploadId),
  );
  return new Map(uploads.map((u) => [u.id, u.fileName]));
}

export async function listImportJobs(
  db: Kysely<DB>,
  principal: Principal,
  options: { after?: string; limit: number; descending: boolean; status?: string },
): Promise<ImportJob[]> {
  requirePermission(principal, JOB_VIEW_ALL);
  return listJobs(db, principal.orgId, options);
}

const COMMANDS: Record<string, JobCommand> = {
  continue: 'Continue',
  cancel: 'Cancel',
  retry: 'Retry',
};

/**
 * Moves a job through its workflow (`PUT /import/jobs/{id}`): Continue, Cancel or Retry.
 * @throws AppError 400 for another status, 409 when the job's state does not allow it.
 */
export async function commandJob(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  status: string,
): Promise<ImportJob> {
  requirePermission(principal, JOB_EDIT);
  const command = COMMANDS[status.trim().toLowerCase()];
  if (command === undefined)
    throw badRequest(`status "${status}" is not one of Continue, Cancel, Retry`, 'status');
  const job = await getJob(db, principal, id);
  const next = applyCommand(job, command);
  if (typeof next === 'string')
    throw conflict(`Cannot ${command.toLowerCase()} job ${id}: ${next}`);
  const changed = await updateJobState(
    db,
    job,
    { status: [job.status] },
    {
      status: next.status,
      execution_step: next.executionStep,
      phase: next.phase,
      status_details: null,
      modified_at: nowIso(),
      ...(next.restart ? { next_offset: 0, next_line: 0 } : {}),
      // A cancelled job is nobody's; a retried one is free for any worker.
      lease_owner: null,
      lease_until: null,
    },
  );
  if (!changed) throw conflict(`Job ${id} changed meanwhile; read it again`);
  return (await findJob(db, principal.orgId, id)) ?? job;
}

/** The sample file: every column an import reads, and two rows showing their formats. */
export function sampleCsv(customFields: readonly string[]): string {
  const header = [...IMPORT_TARGET_NAMES, ...customFields.map((n) => `customFields.${n}`)];
  const example: Record<string, string> = {
    firstName: 'Ada',
    lastName: 'Lovelace',
    title: 'Analyst',
    workPhone: '+44 20 7946 0958',
    cellPhone: '(317) 555-0123',
    workEmail: 'ada@example.com',
    'address.address1': '12 St James Square',
    'address.city': 'London',
    'address.countryCode': 'GB',
    externalId: 'crm-0001',
    'externalOrganization.name': 'Analytical Engines Ltd',
    'externalOrganization.externalId': 'acct-0001',
    surveyOptOut: 'false',
  };
  const second: Record<string, string> = {
    firstName: 'Grace',
    lastName: 'Hopper',
    cellPhone: '317-555-0199',
    personalEmail: 'grace@example.org',
    externalId: 'crm-0002',
    'twitterId.screenName': 'grace',
  };
  const lines = [header, header.map((h) => example[h] ?? ''), header.map((h) => second[h] ?? '')];
  return stringify(
    lines.map((cells) => cells.map(escapeFormula)),
    { record_delimiter: 'windows' },
  );
}
