import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { readFilter, type Principal } from '../authorization/access.js';
import { requirePermission, requireReadFilter } from '../authorization/guard.js';
import { newId, randomId, sameSecret } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { AppError, conflict, notFound } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { VIEW as CONTACT_VIEW } from '../contacts/contact.service.js';
import { ORGANIZATION_VIEW } from '../organizations/organization.service.js';
import {
  checkExportFilter,
  checkExportLimit,
  type ExportJob,
  type ExportKind,
  type ExportPart,
} from './export-job.js';
import {
  findExport,
  insertExport,
  listExports as listExportRows,
} from './export-job.repository.js';
import { exportFile } from './export-engine.js';

export const EXPORT_ADD = 'externalContacts:export:add';
export const EXPORT_VIEW = 'externalContacts:export:view';

/** The permission that lets a principal read the records of a kind (Genesys pairs it with export). */
function viewPermissionOf(kind: ExportKind): string {
  return kind === 'contacts' || kind === 'notes' ? CONTACT_VIEW : ORGANIZATION_VIEW;
}

/**
 * The scans an export of `kind` makes for `principal`: the divisions it may read, narrowed to
 * `divisionIds`. A notes export covers the notes of contacts, and those of organizations when
 * the principal may read organizations too.
 * @throws AppError 403 when the principal may read none of the kind.
 */
export function exportParts(
  principal: Principal,
  kind: ExportKind,
  divisionIds: readonly string[],
): ExportPart[] {
  const filter = requireReadFilter(principal, viewPermissionOf(kind), divisionIds);
  if (kind !== 'notes') return [{ filter }];
  const ofOrganizations = readFilter(principal, ORGANIZATION_VIEW, divisionIds);
  return [
    { filter, noteEntityType: 'contact' },
    ...(ofOrganizations === null
      ? []
      : [{ filter: ofOrganizations, noteEntityType: 'organization' as const }]),
  ];
}

export interface ExportRequest {
  readonly divisionIds?: readonly string[] | null | undefined;
  readonly queryConditions?:
    { readonly filters?: unknown; readonly limit?: unknown } | null | undefined;
}

/** The filters and limit of a request, checked: the same for `kith export`. */
export function exportConditions(
  kind: ExportKind,
  request: ExportRequest,
): Pick<ExportJob, 'filters' | 'limit'> {
  const conditions = request.queryConditions ?? {};
  const filters =
    conditions.filters === undefined || conditions.filters === null
      ? null
      : checkExportFilter(kind, conditions.filters);
  return { filters, limit: checkExportLimit(conditions.limit) };
}

/**
 * Asks for an export: it is written in the background (RUNNING, then SUCCEEDED with a download
 * URL or FAILED with the reason). It covers what the principal may read now.
 * @throws AppError 400 naming a bad filter or limit; 403 without export:add or the kind's view.
 */
export async function createExport(
  db: Kysely<DB>,
  principal: Principal,
  kind: ExportKind,
  request: ExportRequest,
): Promise<ExportJob> {
  requirePermission(principal, EXPORT_ADD);
  const divisionIds = request.divisionIds ?? [];
  const job: ExportJob = {
    id: newId(),
    orgId: principal.orgId,
    kind,
    divisionIds,
    parts: exportParts(principal, kind, divisionIds),
    ...exportConditions(kind, request),
    status: 'RUNNING',
    statusDetails: null,
    resultRowCount: null,
    token: randomId() + randomId(),
    leaseOwner: null,
    leaseUntil: null,
    principal: { type: principal.type, id: principal.id },
    dateCreated: nowIso(),
    dateCompleted: null,
  };
  await insertExport(db, job);
  return job;
}

function requireExportView(principal: Principal, kind: ExportKind): void {
  requirePermission(principal, EXPORT_VIEW);
  requirePermission(principal, viewPermissionOf(kind));
}

/** @throws AppError 404 when the organization has no export of that kind and id. */
export async function getExport(
  db: Kysely<DB>,
  principal: Principal,
  kind: ExportKind,
  id: string,
): Promise<ExportJob> {
  requireExportView(principal, kind);
  const job = await findExport(db, principal.orgId, id, kind);
  if (job === undefined) throw notFound('Export', id);
  return job;
}

/**
 * Exports of a kind, newest first, one page after `afterId`; with `divisionIds`, only those
 * asked for any of them.
 */
export async function listExports(
  db: Kysely<DB>,
  principal: Principal,
  kind: ExportKind,
  options: { afterId?: string; limit: number; divisionIds?: readonly string[] },
): Promise<ExportJob[]> {
  requireExportView(principal, kind);
  const wanted = options.divisionIds ?? [];
  const found: ExportJob[] = [];
  let afterId = options.afterId;
  // Division filtering happens here, so read until the page is full or the exports run out.
  for (;;) {
    const page = await listExportRows(db, principal.orgId, kind, {
      ...(afterId === undefined ? {} : { afterId }),
      limit: options.limit,
    });
    for (const job of page)
      if (wanted.length === 0 || job.divisionIds.some((d) => wanted.includes(d))) found.push(job);
    const last = page[page.length - 1];
    if (found.length >= options.limit || page.length < options.limit || last === undefined)
      return found.slice(0, options.limit);
    afterId = last.id;
  }
}

/**
 * The file of a finished export, by its download URL (the URL is the credential).
 * @throws AppError 404 for an unknown export or token, or a file no longer on this server; 409
 *   while the export is still running or when it failed.
 */
export async function openExportFile(
  db: Kysely<DB>,
  dataDir: string,
  address: { orgId: string; exportId: string; token: string },
): Promise<{ job: ExportJob; size: number; stream: Readable }> {
  const job = await findExport(db, address.orgId, address.exportId);
  if (job === undefined || !sameSecret(job.token, address.token)) throw notFound('Export');
  if (job.status !== 'SUCCEEDED')
    throw conflict(
      job.status === 'RUNNING'
        ? `Export ${job.id} is still running: its downloadUrl appears when it has SUCCEEDED`
        : `Export ${job.id} failed (${job.statusDetails ?? 'no reason recorded'}): ask for a new one`,
    );
  const file = exportFile(dataDir, job);
  const size = await stat(file).then(
    (s) => s.size,
    () => {
      throw new AppError(
        ErrorCode.notFound,
        `The file of export ${job.id} is no longer on this server (export files are kept KITH_EXPORT_RETENTION_DAYS days): ask for a new export`,
        404,
      );
    },
  );
  return { job, size, stream: createReadStream(file) };
}
