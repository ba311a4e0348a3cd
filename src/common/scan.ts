import { canAccess, readFilter, type Principal, type ReadFilter } from '../authorization/access.js';
import { badRequest, missingPermissions } from '../errors/app-error.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/** The page sizes a scan accepts, as Genesys documents them. */
export const SCAN_LIMITS = { min: 10, max: 200 } as const;

/** What a `GET /scan/...` request asks for. */
export interface ScanRequest {
  /** The one division to scan; `*` or absent: the unassigned records. */
  readonly divisionId?: string | undefined;
  /** The `divisionviews/all` variant: every division the principal holds viewAll on. */
  readonly allDivisions?: boolean | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

/** @throws AppError 400 naming `limit` outside 10–200. */
export function checkScanLimit(limit: number): void {
  if (limit < SCAN_LIMITS.min || limit > SCAN_LIMITS.max) {
    throw badRequest(`limit must be between ${SCAN_LIMITS.min} and ${SCAN_LIMITS.max}`, 'limit');
  }
}

/**
 * The scan filter: one division (`*` for unassigned, the Genesys default) that the principal may
 * view, or with `allDivisions` every division it holds `viewAllPermission` on (the
 * `divisionviews/all` variants, which need `viewAll`).
 * @throws AppError 403 when the principal may not read what it asked for.
 */
export function scanFilter(
  principal: Principal,
  viewPermission: string,
  viewAllPermission: string,
  request: Pick<ScanRequest, 'divisionId' | 'allDivisions'>,
): ReadFilter {
  const filter = optionalScanFilter(principal, viewPermission, viewAllPermission, request);
  if (filter === null)
    throw missingPermissions([request.allDivisions === true ? viewAllPermission : viewPermission]);
  return filter;
}

/**
 * As scanFilter, but null where scanFilter answers 403: for records that a scan shows only to
 * the principals allowed to read them, and leaves out for the others.
 */
export function optionalScanFilter(
  principal: Principal,
  viewPermission: string,
  viewAllPermission: string,
  request: Pick<ScanRequest, 'divisionId' | 'allDivisions'>,
): ReadFilter | null {
  if (request.allDivisions === true) return readFilter(principal, viewAllPermission);
  const divisionId =
    request.divisionId === undefined || request.divisionId === '*' ? null : request.divisionId;
  if (!canAccess(principal, viewPermission, divisionId)) return null;
  return divisionId === null
    ? { divisionIds: [], includeUnassigned: true }
    : { divisionIds: [divisionId], includeUnassigned: false };
}

/**
 * One page of a keyset scan in id order. `fetch` answers up to `limit` records with ids after
 * `afterId` (all of them when undefined), in id order; one more than the page is asked for, to
 * know whether a next page exists without counting. The cursor is bound to `collection` and to
 * what the request scans (one division or all), so it cannot be replayed on another scan.
 * @throws AppError 400 naming `cursor` when it is malformed, of another scan, or expired.
 */
export async function scanPage<T extends { readonly id: string }>(
  collection: string,
  request: ScanRequest,
  fetch: (afterId: string | undefined, limit: number) => Promise<T[]>,
): Promise<{ items: T[]; next?: string }> {
  const scope = `${collection}:${request.allDivisions === true ? 'all' : (request.divisionId ?? '*')}`;
  const afterId = request.cursor === undefined ? undefined : decodeCursor(request.cursor, scope);
  const rows = await fetch(afterId, request.limit + 1);
  const items = rows.slice(0, request.limit);
  const last = items[items.length - 1];
  return rows.length > request.limit && last !== undefined
    ? { items, next: encodeCursor(last.id, scope) }
    : { items };
}
