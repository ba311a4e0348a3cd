import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import type { Grant } from './access.js';

/** A role on a division, as Genesys writes it in `roleDivisions`. */
export interface RoleDivision {
  roleId: string;
  divisionId: string;
}

/** Replaces every grant of a subject (client or user) with `roleDivisions`. */
export async function replaceGrants(
  db: Kysely<DB>,
  orgId: string,
  subjectId: string,
  roleDivisions: readonly RoleDivision[],
): Promise<void> {
  await db
    .deleteFrom('grants')
    .where('org_id', '=', orgId)
    .where('subject_id', '=', subjectId)
    .execute();
  const unique = new Map(roleDivisions.map((rd) => [`${rd.roleId}|${rd.divisionId}`, rd]));
  if (unique.size === 0) return;
  await db
    .insertInto('grants')
    .values(
      [...unique.values()].map((rd) => ({
        org_id: orgId,
        subject_id: subjectId,
        role_id: rd.roleId,
        division_id: rd.divisionId,
      })),
    )
    .execute();
}

export async function listRoleDivisions(
  db: Kysely<DB>,
  orgId: string,
  subjectIds: readonly string[],
): Promise<Map<string, RoleDivision[]>> {
  const result = new Map<string, RoleDivision[]>(subjectIds.map((id) => [id, []]));
  if (subjectIds.length === 0) return result;
  const rows = await db
    .selectFrom('grants')
    .select(['subject_id', 'role_id', 'division_id'])
    .where('org_id', '=', orgId)
    .where('subject_id', 'in', subjectIds)
    .orderBy('role_id')
    .orderBy('division_id')
    .execute();
  for (const row of rows) {
    result.get(row.subject_id)?.push({ roleId: row.role_id, divisionId: row.division_id });
  }
  return result;
}

/** A subject's grants with each role's permissions resolved, in one query. */
export async function loadGrants(
  db: Kysely<DB>,
  orgId: string,
  subjectId: string,
): Promise<Grant[]> {
  const rows = await db
    .selectFrom('grants')
    .innerJoin('roles', (join) =>
      join.onRef('roles.org_id', '=', 'grants.org_id').onRef('roles.id', '=', 'grants.role_id'),
    )
    .select(['grants.role_id', 'grants.division_id', 'roles.permissions'])
    .where('grants.org_id', '=', orgId)
    .where('grants.subject_id', '=', subjectId)
    .execute();
  return rows.map(rowToGrant);
}

/** A grant from a grant row joined to its role's permissions (JSON). */
export function rowToGrant(row: {
  role_id: string;
  division_id: string;
  permissions: string;
}): Grant {
  return {
    roleId: row.role_id,
    divisionId: row.division_id,
    permissions: parseJson<string[]>(row.permissions),
  };
}

export async function countRoleHolders(
  db: Kysely<DB>,
  orgId: string,
  roleId: string,
): Promise<number> {
  const row = await db
    .selectFrom('grants')
    .select((eb) => eb.fn.count<number>('subject_id').distinct().as('n'))
    .where('org_id', '=', orgId)
    .where('role_id', '=', roleId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteGrantsOnDivision(
  db: Kysely<DB>,
  orgId: string,
  divisionId: string,
): Promise<void> {
  await db
    .deleteFrom('grants')
    .where('org_id', '=', orgId)
    .where('division_id', '=', divisionId)
    .execute();
}
