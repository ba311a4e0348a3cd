import { divisionRef } from '../contacts/contact.js';
import type { CsvMapping } from './import-settings.js';

/** Genesys' job states. */
export type JobStatus = 'Created' | 'Running' | 'Completed' | 'Failed' | 'Cancelled';
export type ExecutionStep = 'Validating' | 'Validated' | 'Importing';
/** The pass a job is in: the dry run validates every row and writes nothing but the report. */
export type ImportPhase = 'dryRun' | 'import';
/** What `PUT /import/jobs/{id}` may ask. */
export type JobCommand = 'Continue' | 'Cancel' | 'Retry';

export const IMPORT_PATH = '/api/v2/externalcontacts/import';

export interface PrincipalRef {
  readonly type: 'client' | 'user';
  readonly id: string;
}

export interface ImportUpload {
  id: string;
  orgId: string;
  token: string;
  fileName: string | null;
  fileSize: number;
  path: string;
  status: 'Pending' | 'Uploaded';
  principal: PrincipalRef;
  dateCreated: string;
}

export interface JobCounts {
  dryRunSuccess: number;
  dryRunFailed: number;
  importSuccess: number;
  importFailed: number;
  /** Of importSuccess: the rows that made a contact, updated one, or found it as the row says. */
  created: number;
  updated: number;
  unchanged: number;
}

export const NO_COUNTS: JobCounts = {
  dryRunSuccess: 0,
  dryRunFailed: 0,
  importSuccess: 0,
  importFailed: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
};

export interface ImportJob {
  id: string;
  orgId: string;
  uploadId: string;
  settingsId: string;
  csvSettingsId: string | null;
  /** The mapping the job started with (an empty list: columns named like fields). */
  mappings: CsvMapping[];
  divisionId: string | null;
  defaultCountry: string;
  dryRunOnly: boolean;
  status: JobStatus;
  statusDetails: string | null;
  executionStep: ExecutionStep | null;
  phase: ImportPhase;
  header: string[] | null;
  separator: string | null;
  nextOffset: number;
  nextLine: number;
  counts: JobCounts;
  leaseOwner: string | null;
  leaseUntil: string | null;
  principal: PrincipalRef;
  dateCreated: string;
  dateModified: string;
  dateCompleted: string | null;
  /** The secret of the job's report URLs (null: a job made before they had one). */
  reportToken: string | null;
}

export function jobSelfUri(id: string): string {
  return `${IMPORT_PATH}/jobs/${id}`;
}

/** Where a pass's report is downloaded. */
export function reportUri(id: string, phase: ImportPhase): string {
  return `${IMPORT_PATH}/jobs/${id}/reports/${phase === 'dryRun' ? 'dryrun' : 'import'}`;
}

/**
 * Where a pass's report downloads: with the job's token, a URL that is its own credential (as
 * a Genesys pre-signed URL is), made absolute by `origin`; without one, the authenticated path.
 */
export function reportDownloadUrl(
  job: Pick<ImportJob, 'orgId' | 'id' | 'reportToken'>,
  phase: ImportPhase,
  origin: string,
): string {
  const pass = phase === 'dryRun' ? 'dryrun' : 'import';
  return job.reportToken === null
    ? reportUri(job.id, phase)
    : `${origin}${IMPORT_PATH}/jobs/reports/${job.orgId}/${job.id}/${pass}/${job.reportToken}`;
}

/** The Genesys `ContactImportJobResponse` shape (with Kith's counts beside Genesys' own). */
export function toJobView(
  job: ImportJob,
  fileName: string | null,
  origin: string,
): Record<string, unknown> {
  const c = job.counts;
  const dryRunDone = job.phase === 'import' || job.executionStep === 'Validated';
  const metadata: Record<string, unknown> = {
    dryRunSuccessCount: c.dryRunSuccess,
    dryRunFailedCount: c.dryRunFailed,
    importSuccessCount: c.importSuccess,
    importFailedCount: c.importFailed,
  };
  if (fileName !== null) metadata.fileName = fileName;
  if (dryRunDone && !(job.phase === 'import' && c.dryRunSuccess + c.dryRunFailed === 0))
    metadata.dryRunReportDownloadUrl = reportDownloadUrl(job, 'dryRun', origin);
  if (job.phase === 'import' && job.status !== 'Running')
    metadata.importReportDownloadUrl = reportDownloadUrl(job, 'import', origin);
  return {
    id: job.id,
    status: job.status,
    ...(job.statusDetails === null ? {} : { statusDetails: job.statusDetails }),
    ...(job.executionStep === null ? {} : { executionStep: job.executionStep }),
    metadata,
    dateCreated: job.dateCreated,
    division: divisionRef(job.divisionId),
    settings: {
      id: job.settingsId,
      selfUri: `${IMPORT_PATH}/settings/${job.settingsId}`,
    },
    progress: {
      line: job.nextLine,
      createdCount: c.created,
      updatedCount: c.updated,
      unchangedCount: c.unchanged,
    },
    selfUri: jobSelfUri(job.id),
  };
}

/**
 * What a command does to a job in its state (pure): Continue starts the import after a dry
 * run; Cancel stops a job that has not ended; Retry runs a failed or cancelled job again from
 * its checkpoint. @returns the new state, or an explanation of why the command does not apply.
 */
export function applyCommand(
  job: Pick<ImportJob, 'status' | 'executionStep' | 'phase'>,
  command: JobCommand,
):
  | { status: JobStatus; executionStep: ExecutionStep; phase: ImportPhase; restart: boolean }
  | string {
  switch (command) {
    case 'Continue':
      if (job.status === 'Created' && job.executionStep === 'Validated')
        return { status: 'Running', executionStep: 'Importing', phase: 'import', restart: true };
      return `only a validated job waits to continue; this one is ${job.status}${
        job.executionStep === null ? '' : ` (${job.executionStep})`
      }`;
    case 'Cancel':
      if (job.status === 'Created' || job.status === 'Running')
        return {
          status: 'Cancelled',
          executionStep: job.executionStep ?? 'Validating',
          phase: job.phase,
          restart: false,
        };
      return `a ${job.status} job has ended and cannot be cancelled`;
    case 'Retry':
      if (job.status === 'Failed' || job.status === 'Cancelled')
        return {
          status: 'Running',
          executionStep: job.phase === 'import' ? 'Importing' : 'Validating',
          phase: job.phase,
          restart: false,
        };
      return `only a failed or cancelled job can be retried; this one is ${job.status}`;
  }
}
