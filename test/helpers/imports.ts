import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { ok } from './http.js';
import { EXTERNAL_SOURCES, ROOT } from './contacts.js';
import type { TestKith } from './kith.js';

export const IMPORT = `${ROOT}/import`;

export interface JobView {
  id: string;
  status: string;
  statusDetails?: string;
  executionStep?: string;
  metadata: {
    fileName?: string;
    dryRunSuccessCount: number;
    dryRunFailedCount: number;
    importSuccessCount: number;
    importFailedCount: number;
    dryRunReportDownloadUrl?: string;
    importReportDownloadUrl?: string;
  };
  progress: { line: number; createdCount: number; updatedCount: number; unchangedCount: number };
  division: { id: string };
}

/** A fresh data directory for a test Kith's uploads. */
export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'kith-import-'));
}

/** An external source and import settings over it, matching as given. */
export async function importSettings(
  kith: TestKith,
  options: { matchingCriteria?: string[]; mergeContacts?: boolean } = {},
): Promise<{ settingsId: string; sourceId: string }> {
  const source = ok<{ id: string }>(
    await kith.request('POST', EXTERNAL_SOURCES, {
      body: { name: `crm-${Math.random().toString(36).slice(2)}`, active: true },
    }),
  );
  const settings = ok<{ id: string }>(
    await kith.request('POST', `${IMPORT}/settings`, {
      body: {
        name: `settings-${Math.random().toString(36).slice(2)}`,
        matchingCriteria: options.matchingCriteria ?? ['Email', 'Phone'],
        mergeContacts: options.mergeContacts ?? false,
        externalSourceId: source.id,
        importFields: [],
      },
    }),
  );
  return { settingsId: settings.id, sourceId: source.id };
}

/** Announces and sends a file; returns the upload id. */
export async function uploadCsv(kith: TestKith, csv: string | Buffer, fileName = 'contacts.csv') {
  const body = typeof csv === 'string' ? Buffer.from(csv) : csv;
  const announced = ok<{
    uploadId: string;
    uploadUrl: string;
    uploadHeaders: { name: string; value: string }[];
  }>(
    await kith.request('POST', `${IMPORT}/csv/uploads`, {
      body: { fileName, fileSize: Math.max(body.length, 1) },
    }),
  );
  const url = new URL(announced.uploadUrl);
  const sent = await kith.app.inject({
    method: 'PUT',
    url: url.pathname,
    headers: { 'content-type': 'text/csv' },
    payload: body,
  });
  return { uploadId: announced.uploadId, sent };
}

/** Polls a job until `done` says it has reached the state the test waits for. */
export async function waitForJob(
  kith: TestKith,
  jobId: string,
  done: (job: JobView) => boolean = (job) =>
    ['Completed', 'Failed', 'Cancelled'].includes(job.status) ||
    (job.status === 'Created' && job.executionStep === 'Validated'),
  timeoutMs = 20_000,
): Promise<JobView> {
  const started = Date.now();
  for (;;) {
    const job = ok<JobView>(await kith.request('GET', `${IMPORT}/jobs/${jobId}`));
    if (done(job)) return job;
    if (Date.now() - started > timeoutMs)
      throw new Error(`job ${jobId} is still ${job.status}/${job.executionStep ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Uploads a file and runs an API job over it: dry run, then Continue, then the import. */
export async function importCsv(
  kith: TestKith,
  csv: string | Buffer,
  options: {
    settingsId: string;
    division?: string;
    csvSettingsId?: string;
    defaultCountry?: string;
  },
): Promise<{ dryRun: JobView; job: JobView }> {
  const { uploadId, sent } = await uploadCsv(kith, csv);
  expect(sent.statusCode).toBe(200);
  const created = ok<{ job: { id: string } }>(
    await kith.request('POST', `${IMPORT}/csv/jobs`, {
      body: {
        uploadId,
        settingsId: options.csvSettingsId ?? options.settingsId,
        ...(options.division === undefined ? {} : { division: { id: options.division } }),
        ...(options.defaultCountry === undefined ? {} : { defaultCountry: options.defaultCountry }),
      },
    }),
  );
  const dryRun = await waitForJob(kith, created.job.id);
  if (dryRun.status !== 'Created') return { dryRun, job: dryRun };
  ok(
    await kith.request('PUT', `${IMPORT}/jobs/${created.job.id}`, {
      body: { jobId: created.job.id, status: 'Continue' },
    }),
  );
  const job = await waitForJob(kith, created.job.id, (j) =>
    ['Completed', 'Failed', 'Cancelled'].includes(j.status),
  );
  return { dryRun, job };
}

/** The rows of a report, parsed. */
export async function reportRows(kith: TestKith, url: string): Promise<string[][]> {
  // Absolute, and its own credential (as a pre-signed URL is): no token goes with it.
  expect(url).toMatch(/^https?:\/\/[^/]+\/api\/v2\/externalcontacts\/import\/jobs\/reports\//);
  const res = await kith.request('GET', new URL(url).pathname, { token: null });
  expect(res.statusCode).toBe(200);
  const forged = await kith.request('GET', new URL(url).pathname.replace(/[^/]+$/, 'forged'), {
    token: null,
  });
  expect(forged.statusCode).toBe(404);
  const { parse } = await import('csv-parse/sync');
  const rows: string[][] = parse(res.body, { relax_column_count: true });
  return rows;
}
