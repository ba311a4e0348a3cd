import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { writeFileAtomically } from '../common/files.js';
import { writeExport } from '../exports/export-engine.js';
import type { ExportFilter, ExportKind, ExportSpec } from '../exports/export-job.js';
import { exportConditions, exportParts } from '../exports/export.service.js';
import { operator } from './operator.js';

export interface ExportOptions {
  /** Where to write the CSV; standard output when absent. */
  readonly out?: string;
  /** Division ids (`*` for unassigned records); every division when absent. */
  readonly divisions?: readonly string[];
  /** Contact types (ContactClassification): contacts only. */
  readonly types?: readonly string[];
  /** An organization id: its contacts, notes or relationships (or itself). */
  readonly organization?: string;
  readonly limit?: number;
  readonly json?: boolean;
}

/** The filters of the command line, in the Genesys shape the API takes (and checks). */
function filtersOf(options: ExportOptions): ExportFilter | undefined {
  const conditions: ExportFilter[] = [];
  if (options.types !== undefined && options.types.length > 0)
    conditions.push({ in: { field: 'ContactClassification', values: options.types } });
  if (options.organization !== undefined)
    conditions.push({ eq: { field: 'ExternalOrganizationId', value: options.organization } });
  if (conditions.length === 0) return undefined;
  return conditions.length === 1 ? conditions[0] : { and: conditions };
}

/**
 * `kith export KIND`: the same engine as the API's exports, into a file (written whole or not at
 * all) or standard output, with a count on standard error as it goes when that is a terminal.
 * @returns the number of records written, or null when the reader of standard output closed it
 *   first.
 * @throws AppError 400 for a filter that does not apply to the kind (exit code 2).
 */
export async function runExport(
  db: Kysely<DB>,
  orgId: string,
  kind: ExportKind,
  options: ExportOptions,
): Promise<number | null> {
  const principal = operator(orgId, 'kith export');
  const divisions = options.divisions ?? [];
  const spec: ExportSpec = {
    orgId,
    kind,
    parts: exportParts(principal, kind, divisions),
    ...exportConditions(kind, {
      queryConditions: { filters: filtersOf(options), limit: options.limit },
    }),
  };
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let shown = Date.now();
  const onProgress = (rows: number) => {
    if (!tty || Date.now() - shown < 250) return;
    shown = Date.now();
    process.stderr.write(`\rkith export ${kind}: ${rows.toLocaleString('en-US')} rows`);
  };
  let rows: number;
  if (options.out === undefined) {
    try {
      rows = await writeExport(db, spec, process.stdout, { onProgress });
    } catch (error) {
      // The reader closed the pipe (`kith export contacts | head`): it has what it wanted, so
      // stop quietly, as a command in a pipeline does.
      if ((error as { code?: unknown }).code !== 'EPIPE') throw error;
      process.stdout.on('error', () => undefined);
      if (tty) process.stderr.write('\r\x1b[K');
      return null;
    }
  } else {
    rows = await writeFileAtomically(path.resolve(options.out), (out) =>
      writeExport(db, spec, out, { onProgress }),
    );
  }
  const seconds = (Date.now() - started) / 1000;
  if (tty) process.stderr.write('\r\x1b[K');
  const file = options.out === undefined ? null : path.resolve(options.out);
  const summary = `Exported ${rows.toLocaleString('en-US')} ${kind}${file === null ? '' : ` to ${file}`}`;
  if (options.json === true && file !== null)
    console.log(
      JSON.stringify({
        exported: rows,
        kind,
        file,
        seconds: Math.round(seconds * 100) / 100,
        rowsPerSecond: Math.round(rows / Math.max(seconds, 0.001)),
      }),
    );
  else console.error(summary);
  return rows;
}
