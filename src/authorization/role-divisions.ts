import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { badRequest } from '../errors/app-error.js';
import { existingDivisionIds } from '../divisions/division.repository.js';
import { existingRoleIds } from '../roles/role.repository.js';
import { ALL_DIVISIONS } from './access.js';
import type { RoleDivision } from './grant.repository.js';

/**
 * Checks that every role and division of `roleDivisions` exists in the organization (`*` stands
 * for every division).
 * @throws AppError 400 naming the first unknown role or division.
 */
export async function checkRoleDivisions(
  db: Kysely<DB>,
  orgId: string,
  roleDivisions: readonly RoleDivision[],
): Promise<void> {
  const roleIds = [...new Set(roleDivisions.map((rd) => rd.roleId))];
  const divisionIds = [
    ...new Set(roleDivisions.map((rd) => rd.divisionId).filter((d) => d !== ALL_DIVISIONS)),
  ];
  const [roles, divisions] = await Promise.all([
    existingRoleIds(db, orgId, roleIds),
    existingDivisionIds(db, orgId, divisionIds),
  ]);
  const badRole = roleIds.find((id) => !roles.has(id));
  if (badRole !== undefined)
    throw badRequest(`Role ${badRole} does not exist`, 'roleDivisions.roleId');
  const badDivision = divisionIds.find((id) => !divisions.has(id));
  if (badDivision !== undefined) {
    throw badRequest(`Division ${badDivision} does not exist`, 'roleDivisions.divisionId');
  }
}
