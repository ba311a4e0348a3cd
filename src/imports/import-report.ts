import type { Kysely } from 'kysely';
import { stringify } from 'csv-stringify';
import type { DB } from '../db/schema.js';
import { escapeFormula } from '../csv/columns.js';
import { writeFileAtomically } from '../common/files.js';
import { listFailures } from './import-job.repository.js';
import type { ImportJob, ImportPhase } from './import-job.js';

/**
 * Failures read a page at a time: a reported row may hold up to a million characters, and a page
 * of 1,000 such rows would hold a gigabyte.
 */
const REPORT_PAGE_ROWS = 50;

/**
 * Streams a pass's report: one row per line that was not imported, with the line number, the
 * reason and the row's own cells under the file's header (escaped against formulas).
 */
export async function writeFailures(
  db: Kysely<DB>,
  job: ImportJob,
  phase: ImportPhase,
  out: NodeJS.WritableStream,
): Promise<void> {
  const csv = stringify();
  const done = new Promise<void>((resolve, reject) => {
    csv.once('error', reject);
    out.once('error', reject);
    out.once('finish', () => resolve());
  });
  csv.pipe(out);
  csv.write(['line', 'reason', ...(job.header ?? [])].map(escapeFormula));
  let after = 0;
  for (;;) {
    const page = await listFailures(db, job, phase, after, REPORT_PAGE_ROWS);
    for (const failure of page) {
      const ok = csv.write(
        [String(failure.line), failure.reason, ...failure.cells].map(escapeFormula),
      );
      if (!ok) await new Promise((resolve) => csv.once('drain', resolve));
    }
    const last = page[page.length - 1];
    if (last === undefined) break;
    after = last.line;
  }
  csv.end();
  await done;
}

/** writeFailures into a file, whole or not at all (temporary name, then renamed). */
export async function writeReportFile(
  db: Kysely<DB>,
  job: ImportJob,
  phase: ImportPhase,
  file: string,
): Promise<void> {
  await writeFileAtomically(file, (out) => writeFailures(db, job, phase, out));
}
