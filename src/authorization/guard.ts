import { missingPermissions } from '../errors/app-error.js';
import { canAccess, holdsAnywhere, readFilter, type Principal, type ReadFilter } from './access.js';

/**
 * Requires the permission on at least one division (organization-level operations: divisions,
 * roles, clients, users).
 * @throws AppError 403 naming the permission.
 */
export function requirePermission(principal: Principal, permission: string): void {
  if (!holdsAnywhere(principal, permission)) throw missingPermissions([permission]);
}

/**
 * Requires the permission on the record's division (null: unassigned).
 * @throws AppError 403 naming the permission.
 */
export function requireAccess(
  principal: Principal,
  permission: string,
  divisionId: string | null,
): void {
  if (!canAccess(principal, permission, divisionId)) throw missingPermissions([permission]);
}

/**
 * The read filter of `permission`, narrowed to `divisionIds` when given (see readFilter).
 * @throws AppError 403 naming the permission when the principal can read nothing with it.
 */
export function requireReadFilter(
  principal: Principal,
  permission: string,
  divisionIds?: readonly string[],
): ReadFilter {
  const filter = readFilter(principal, permission, divisionIds);
  if (filter === null) throw missingPermissions([permission]);
  return filter;
}
