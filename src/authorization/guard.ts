import { missingPermissions } from '../errors/app-error.js';
import { canAccess, holdsAnywhere, type Principal } from './access.js';

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
