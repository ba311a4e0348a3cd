import type { Kysely } from 'kysely';
import type { DB, RoleTable } from '../db/schema.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import { parseJson } from '../common/json.js';
import { startsWith } from '../db/sql.js';
import type { Role } from './role.js';

function rowToRole(row: RoleTable): Role {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    permissions: parseJson<string[]>(row.permissions),
    builtIn: row.built_in,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

export async function insertRole(db: Kysely<DB>, role: Role): Promise<void> {
  await db
    .insertInto('roles')
    .values({
      org_id: role.orgId,
      id: role.id,
      name: role.name,
      name_key: role.name.toLowerCase(),
      description: role.description,
      permissions: JSON.stringify(role.permissions),
      built_in: role.builtIn,
      created_at: role.createdAt,
      modified_at: role.modifiedAt,
    })
    .execute();
}

export async function updateRole(db: Kysely<DB>, role: Role): Promise<void> {
  await db
    .updateTable('roles')
    .set({
      name: role.name,
      name_key: role.name.toLowerCase(),
      description: role.description,
      permissions: JSON.stringify(role.permissions),
      modified_at: role.modifiedAt,
    })
    .where('org_id', '=', role.orgId)
    .where('id', '=', role.id)
    .execute();
}

export async function deleteRole(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('roles').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function findRole(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Role | undefined> {
  const row = await db
    .selectFrom('roles')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToRole(row);
}

export async function findRoleByName(
  db: Kysely<DB>,
  orgId: string,
  name: string,
): Promise<Role | undefined> {
  const row = await db
    .selectFrom('roles')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  return row && rowToRole(row);
}

export async function listRoles(
  db: Kysely<DB>,
  orgId: string,
  name: string | undefined,
  page: PageRequest,
): Promise<{ roles: Role[]; total: number }> {
  let query = db.selectFrom('roles').where('org_id', '=', orgId);
  if (name !== undefined) {
    const prefix = name.toLowerCase();
    query = query.where((eb) => startsWith(eb.ref('name_key'), prefix));
  }
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('name_key')
      .orderBy('id')
      .limit(page.pageSize)
      .offset(offsetOf(page))
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { roles: rows.map(rowToRole), total: Number(count.n) };
}

/** The ids among `ids` that name roles of the organization. */
export async function existingRoleIds(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('roles')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}
