import type { ReadFilter } from '../authorization/access.js';
import { badRequest } from '../errors/app-error.js';
import type { PrincipalRef } from '../imports/import-job.js';

/*
 * Exports (SPEC §8): what one covers, its states and its Genesys view, and the filters of
 * `queryConditions` — checked once when the export is asked for, then evaluated against each
 * record as the file is written. Pure: no I/O.
 */

export const EXPORT_KINDS = ['contacts', 'organizations', 'notes', 'relationships'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Genesys' export states. */
export type ExportStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** Genesys' default `queryConditions.limit`: "default is 180 000 000". */
export const DEFAULT_EXPORT_LIMIT = 180_000_000;

/** A `ContactsExportFilter` (and its notes, organizations and relationships twins). */
export interface ExportFilter {
  readonly eq?: { readonly field: string; readonly value: string };
  readonly in?: { readonly field: string; readonly values: readonly string[] };
  readonly lte?: { readonly field: string; readonly value: string };
  readonly gte?: { readonly field: string; readonly value: string };
  readonly and?: readonly ExportFilter[];
  readonly or?: readonly ExportFilter[];
  readonly not?: ExportFilter;
}

/**
 * One scan of an export: the records one permission lets the asker read. A notes export has two,
 * the notes of contacts and those of organizations, which different permissions govern.
 */
export interface ExportPart {
  readonly filter: ReadFilter;
  readonly noteEntityType?: 'contact' | 'organization';
}

/** What an export writes: everything the engine needs, whether a job or `kith export` asks. */
export interface ExportSpec {
  readonly orgId: string;
  readonly kind: ExportKind;
  readonly parts: readonly ExportPart[];
  readonly filters: ExportFilter | null;
  readonly limit: number;
}

export interface ExportJob extends ExportSpec {
  readonly id: string;
  /** The divisionIds the export was asked for, as given (the view repeats them). */
  readonly divisionIds: readonly string[];
  readonly status: ExportStatus;
  readonly statusDetails: string | null;
  readonly resultRowCount: number | null;
  /** The secret part of the download URL. */
  readonly token: string;
  readonly leaseOwner: string | null;
  readonly leaseUntil: string | null;
  readonly principal: PrincipalRef;
  readonly dateCreated: string;
  readonly dateCompleted: string | null;
}

/** The fields a filter may name, by kind; dates are compared with lte and gte, the rest by eq and in. */
const FILTER_FIELDS: Record<ExportKind, readonly string[]> = {
  contacts: [
    'DivisionId',
    'ContactClassification',
    'ExternalOrganizationId',
    'SchemaId',
    'CreateDate',
    'ModifyDate',
  ],
  organizations: ['DivisionId', 'ExternalOrganizationId', 'SchemaId', 'CreateDate', 'ModifyDate'],
  notes: [
    'DivisionId',
    'EntityType',
    'EntityId',
    'ContactId',
    'ExternalOrganizationId',
    'CreateDate',
    'ModifyDate',
  ],
  relationships: ['DivisionId', 'ExternalOrganizationId', 'UserId', 'CreateDate', 'ModifyDate'],
};

const DATE_FIELDS = new Set(['CreateDate', 'ModifyDate']);

/** The most conditions one filter may hold, nested or not. */
const MAX_CONDITIONS = 100;
const MAX_DEPTH = 10;

/** A record's value of a filter field (canonical name), null when it has none. */
export type FieldValue = (field: string) => string | null;

function canonicalField(kind: ExportKind, field: unknown, at: string): string {
  const known = FILTER_FIELDS[kind];
  const found =
    typeof field === 'string'
      ? known.find((name) => name.toLowerCase() === field.toLowerCase())
      : undefined;
  if (found === undefined)
    throw badRequest(
      `${at}.field must be one of ${known.join(', ')} for a ${kind} export, got ${JSON.stringify(field)}`,
      `${at}.field`,
    );
  return found;
}

function stringOf(value: unknown, at: string): string {
  if (typeof value !== 'string' || value.length > 1000)
    throw badRequest(`${at} must be a string of at most 1000 characters`, at);
  return value;
}

function isoOf(value: string, at: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw badRequest(`${at} must be an ISO-8601 date-time, got "${value}"`, at);
  return new Date(time).toISOString();
}

/**
 * The filter as the engine evaluates it: field names in their canonical case, dates as ISO-8601
 * UTC, unassigned written `*`.
 * @throws AppError 400 naming the first condition that is not one (an unknown field or
 *   operator, `lte` on a field that is not a date, more than one operator in a condition, a
 *   filter nested deeper than 10 or of more than 100 conditions).
 */
export function checkExportFilter(
  kind: ExportKind,
  filter: unknown,
  at = 'queryConditions.filters',
): ExportFilter {
  let conditions = 0;
  const check = (node: unknown, path: string, depth: number): ExportFilter => {
    if (depth > MAX_DEPTH) throw badRequest(`${path} nests filters deeper than ${MAX_DEPTH}`, path);
    if (++conditions > MAX_CONDITIONS)
      throw badRequest(`A filter holds at most ${MAX_CONDITIONS} conditions`, at);
    if (typeof node !== 'object' || node === null || Array.isArray(node))
      throw badRequest(
        `${path} must be an object with one of eq, in, lte, gte, and, or, not`,
        path,
      );
    const entries = Object.entries(node).filter(([, v]) => v !== undefined && v !== null);
    if (entries.length !== 1)
      throw badRequest(
        `${path} must have exactly one of eq, in, lte, gte, and, or, not; it has ${entries.length === 0 ? 'none' : entries.map(([k]) => k).join(', ')}`,
        path,
      );
    const [operator, operand] = entries[0] as [string, unknown];
    const here = `${path}.${operator}`;
    const record = (operand ?? {}) as Record<string, unknown>;
    switch (operator) {
      case 'eq':
      case 'lte':
      case 'gte': {
        const field = canonicalField(kind, record.field, here);
        const dated = DATE_FIELDS.has(field);
        if (operator !== 'eq' && !dated)
          throw badRequest(`${here} compares dates: use it with CreateDate or ModifyDate`, here);
        const value = stringOf(record.value, `${here}.value`);
        return { [operator]: { field, value: dated ? isoOf(value, `${here}.value`) : value } };
      }
      case 'in': {
        const field = canonicalField(kind, record.field, here);
        const values = record.values;
        if (!Array.isArray(values) || values.length === 0 || values.length > 1000)
          throw badRequest(`${here}.values must be a list of 1 to 1000 strings`, `${here}.values`);
        const checked = values.map((v, i) => stringOf(v, `${here}.values[${i}]`));
        return {
          in: {
            field,
            values: DATE_FIELDS.has(field)
              ? checked.map((v, i) => isoOf(v, `${here}.values[${i}]`))
              : checked,
          },
        };
      }
      case 'and':
      case 'or': {
        if (!Array.isArray(operand) || operand.length === 0)
          throw badRequest(`${here} must be a non-empty list of filters`, here);
        return {
          [operator]: operand.map((child, i) => check(child, `${here}[${i}]`, depth + 1)),
        };
      }
      case 'not':
        return { not: check(operand, here, depth + 1) };
      default:
        throw badRequest(
          `${path}.${operator} is not a filter operator (eq, in, lte, gte, and, or, not)`,
          here,
        );
    }
  };
  return check(filter, at, 1);
}

/** Ids and types compare without regard to case; dates are ISO strings, which sort as times. */
function same(a: string | null, b: string): boolean {
  return a !== null && a.toLowerCase() === b.toLowerCase();
}

/** Whether a record whose fields `value` reads passes a checked filter (null: no filter). */
export function matchesExportFilter(filter: ExportFilter | null, value: FieldValue): boolean {
  if (filter === null) return true;
  if (filter.eq) return same(value(filter.eq.field), filter.eq.value);
  if (filter.in) {
    const actual = value(filter.in.field);
    return filter.in.values.some((v) => same(actual, v));
  }
  if (filter.lte) {
    const actual = value(filter.lte.field);
    return actual !== null && actual <= filter.lte.value;
  }
  if (filter.gte) {
    const actual = value(filter.gte.field);
    return actual !== null && actual >= filter.gte.value;
  }
  if (filter.and) return filter.and.every((f) => matchesExportFilter(f, value));
  if (filter.or) return filter.or.some((f) => matchesExportFilter(f, value));
  if (filter.not) return !matchesExportFilter(filter.not, value);
  return true;
}

/** @throws AppError 400 naming `queryConditions.limit` when it is not a whole number ≥ 1. */
export function checkExportLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return DEFAULT_EXPORT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
    throw badRequest(
      'queryConditions.limit must be a whole number of at least 1',
      'queryConditions.limit',
    );
  return Math.min(limit, DEFAULT_EXPORT_LIMIT);
}

export function exportsPath(kind: ExportKind): string {
  return `/api/v2/externalcontacts/${kind}/exports`;
}

export function exportSelfUri(job: Pick<ExportJob, 'kind' | 'id'>): string {
  return `${exportsPath(job.kind)}/${job.id}`;
}

/** The path of an export's file (origin and token make its download URL). */
export function exportFilePath(job: Pick<ExportJob, 'orgId' | 'id' | 'token'>): string {
  return `/api/v2/externalcontacts/exports/files/${job.orgId}/${job.id}/${job.token}`;
}

/** The Genesys `ContactsExport` (and twins) of a job; `origin` makes the download URL absolute. */
export function toExportView(job: ExportJob, origin: string): Record<string, unknown> {
  const createdBy =
    job.principal.type === 'user'
      ? { id: job.principal.id, selfUri: `/api/v2/users/${job.principal.id}` }
      : { id: job.principal.id };
  return {
    id: job.id,
    divisionIds: [...job.divisionIds],
    createdBy,
    dateCreated: job.dateCreated,
    ...(job.dateCompleted === null ? {} : { dateCompletion: job.dateCompleted }),
    status: job.status,
    ...(job.status === 'SUCCEEDED' ? { downloadUrl: `${origin}${exportFilePath(job)}` } : {}),
    ...(job.resultRowCount === null ? {} : { resultRowCount: job.resultRowCount }),
    queryConditions: {
      ...(job.filters === null ? {} : { filters: job.filters }),
      limit: job.limit,
    },
    ...(job.statusDetails === null ? {} : { statusDetails: job.statusDetails }),
    selfUri: exportSelfUri(job),
  };
}
