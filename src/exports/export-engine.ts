import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { removeUnfinished, writeFileAtomically } from '../common/files.js';
import { addSeconds, nowIso } from '../common/time.js';
import {
  contactCells,
  contactHeader,
  csvLine,
  NOTE_HEADER,
  noteCells,
  organizationCells,
  organizationHeader,
  RELATIONSHIP_HEADER,
  relationshipCells,
} from '../csv/columns.js';
import { scanContacts } from '../contacts/contact.repository.js';
import { scanOrganizations } from '../organizations/organization.repository.js';
import { scanNotes } from '../notes/note.repository.js';
import { scanRelationships } from '../relationships/relationship.repository.js';
import { listCustomFieldNames } from '../schemas/schema.service.js';
import {
  matchesExportFilter,
  type ExportJob,
  type ExportPart,
  type ExportSpec,
  type FieldValue,
} from './export-job.js';
import { finishExport, renewExportLease } from './export-job.repository.js';

/** How long a claim on an export holds without a heartbeat. */
export const EXPORT_LEASE_SECONDS = 30;
/** Records read per query: large enough that a query's cost is spread over many rows. */
const PAGE_SIZE = 2000;
const HEARTBEAT_MS = 10_000;

/** How one kind of record is read, written and filtered. */
interface KindWriter<T extends { id: string }> {
  header: readonly string[];
  page(part: ExportPart, afterId: string | undefined, limit: number): Promise<T[]>;
  cells(record: T): string[];
  value(record: T): FieldValue;
}

async function writerOf(db: Kysely<DB>, spec: ExportSpec): Promise<KindWriter<{ id: string }>> {
  const { orgId } = spec;
  switch (spec.kind) {
    case 'contacts': {
      const names = await listCustomFieldNames(db, orgId, 'contact', 'all');
      return typed({
        header: contactHeader(names),
        page: (part, after, limit) => scanContacts(db, orgId, part.filter, after, limit),
        cells: (c) => contactCells(c, names),
        value: (c) => (field) => {
          switch (field) {
            case 'DivisionId':
              return c.divisionId ?? '*';
            case 'ContactClassification':
              return c.type;
            case 'ExternalOrganizationId':
              return c.fields.externalOrganization?.id ?? null;
            case 'SchemaId':
              return c.fields.schema?.id ?? null;
            case 'CreateDate':
              return c.createDate;
            case 'ModifyDate':
              return c.modifyDate;
            default:
              return null;
          }
        },
      });
    }
    case 'organizations': {
      const names = await listCustomFieldNames(db, orgId, 'organization', 'all');
      return typed({
        header: organizationHeader(names),
        page: (part, after, limit) => scanOrganizations(db, orgId, part.filter, after, limit),
        cells: (o) => organizationCells(o, names),
        value: (o) => (field) => {
          switch (field) {
            case 'DivisionId':
              return o.divisionId ?? '*';
            case 'ExternalOrganizationId':
              return o.id;
            case 'SchemaId':
              return o.fields.schema?.id ?? null;
            case 'CreateDate':
              return o.createDate;
            case 'ModifyDate':
              return o.modifyDate;
            default:
              return null;
          }
        },
      });
    }
    case 'notes':
      return typed({
        header: NOTE_HEADER,
        page: (part, after, limit) =>
          scanNotes(db, orgId, part.filter, after, limit, part.noteEntityType),
        cells: noteCells,
        value: (n) => (field) => {
          switch (field) {
            case 'DivisionId':
              return n.divisionId ?? '*';
            case 'EntityType':
              return n.entityType;
            case 'EntityId':
              return n.entityId;
            case 'ContactId':
              return n.entityType === 'contact' ? n.entityId : null;
            case 'ExternalOrganizationId':
              return n.entityType === 'organization' ? n.entityId : null;
            case 'CreateDate':
              return n.createDate;
            case 'ModifyDate':
              return n.modifyDate;
            default:
              return null;
          }
        },
      });
    case 'relationships':
      return typed({
        header: RELATIONSHIP_HEADER,
        page: (part, after, limit) => scanRelationships(db, orgId, part.filter, after, limit),
        cells: relationshipCells,
        value: (r) => (field) => {
          switch (field) {
            case 'DivisionId':
              return r.divisionId ?? '*';
            case 'ExternalOrganizationId':
              return r.organizationId;
            case 'UserId':
              return r.userId;
            case 'CreateDate':
              return r.createDate;
            case 'ModifyDate':
              return r.modifyDate;
            default:
              return null;
          }
        },
      });
  }
}

/** Fixes T for the callbacks' parameter types; a writer of T is a writer of records. */
function typed<T extends { id: string }>(writer: KindWriter<T>): KindWriter<{ id: string }> {
  return writer;
}

/** Why an export stopped before its end: its process is stopping, or another one took it. */
export class ExportStopped extends Error {}

/**
 * Streams the CSV of `spec` into `out` — a header, then every record the spec covers that passes
 * its filters, up to its limit — in pages of keyset scans in id order, waiting for `out` to drain.
 * `heartbeat` is called between pages; when it answers false the export stops (ExportStopped).
 * Does not end `out`. @returns the number of records written.
 */
export async function writeExport(
  db: Kysely<DB>,
  spec: ExportSpec,
  out: Writable,
  options: { heartbeat?: () => Promise<boolean>; onProgress?: (rows: number) => void } = {},
): Promise<number> {
  const writer = await writerOf(db, spec);
  // A stream that fails (a full disk, a reader that closed the pipe) fails the export with its
  // error, rather than leaving it waiting for a drain that never comes.
  let failed: Error | undefined;
  const onError = (error: Error) => (failed ??= error);
  out.on('error', onError);
  const write = async (chunk: string) => {
    if (failed === undefined && !out.write(chunk))
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('error', done);
          resolve();
        };
        out.on('drain', done);
        out.on('error', done);
      });
    if (failed !== undefined) throw failed;
  };
  try {
    return await writeRecords(spec, writer, write, options);
  } finally {
    out.off('error', onError);
  }
}

async function writeRecords(
  spec: ExportSpec,
  writer: KindWriter<{ id: string }>,
  write: (chunk: string) => Promise<void>,
  options: { heartbeat?: () => Promise<boolean>; onProgress?: (rows: number) => void },
): Promise<number> {
  await write(csvLine(writer.header));
  let rows = 0;
  for (const part of spec.parts) {
    let after: string | undefined;
    while (rows < spec.limit) {
      if (options.heartbeat !== undefined && !(await options.heartbeat()))
        throw new ExportStopped('the export stopped');
      const page = await writer.page(part, after, PAGE_SIZE);
      let chunk = '';
      for (const record of page) {
        if (rows >= spec.limit) break;
        if (!matchesExportFilter(spec.filters, writer.value(record))) continue;
        chunk += csvLine(writer.cells(record));
        rows += 1;
      }
      if (chunk !== '') await write(chunk);
      options.onProgress?.(rows);
      if (page.length < PAGE_SIZE) break;
      after = page[page.length - 1]?.id;
    }
  }
  return rows;
}

/**
 * Removes the export files (and any left half-written) last written before `before`: they are
 * kept KITH_EXPORT_RETENTION_DAYS, then their downloads answer 404. Each process cleans its own
 * data directory. @returns how many files it removed.
 */
export async function removeExpiredExportFiles(dataDir: string, before: Date): Promise<number> {
  const root = path.join(dataDir, 'exports');
  let removed = 0;
  for (const org of await readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, org);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      const written = await stat(file).catch(() => undefined);
      if (written === undefined || !written.isFile() || written.mtime >= before) continue;
      await rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}

/** Where an export's file is kept. */
export function exportFile(dataDir: string, job: Pick<ExportJob, 'orgId' | 'id'>): string {
  return path.join(dataDir, 'exports', job.orgId, `${job.id}.csv`);
}

/**
 * Runs an export `owner` has claimed: writes its file, then marks it SUCCEEDED with its row
 * count. An export that fails is marked FAILED with the reason; one that is stopped (the process
 * is shutting down) or taken by another process is left to whoever holds it.
 */
export async function runExportJob(
  db: Kysely<DB>,
  job: ExportJob,
  options: { dataDir: string; owner: string; shouldStop: () => boolean },
): Promise<void> {
  let beat = Date.now();
  const heartbeat = async () => {
    if (options.shouldStop()) return false;
    if (Date.now() - beat < HEARTBEAT_MS) return true;
    beat = Date.now();
    return renewExportLease(db, job, options.owner, addSeconds(nowIso(), EXPORT_LEASE_SECONDS));
  };
  try {
    const file = exportFile(options.dataDir, job);
    // What a writer of this export killed on the way left (it held the lease we now hold).
    await removeUnfinished(file);
    const rows = await writeFileAtomically(file, (out) => writeExport(db, job, out, { heartbeat }));
    await finishExport(db, job, options.owner, { status: 'SUCCEEDED', rows }, nowIso());
  } catch (error) {
    if (error instanceof ExportStopped) return;
    const details = error instanceof Error ? error.message : String(error);
    await finishExport(db, job, options.owner, { status: 'FAILED', details }, nowIso());
    throw error;
  }
}
