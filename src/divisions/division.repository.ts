import type { Kysely } from 'kysely';
import type { DB, DivisionTable } from '../db/schema.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import { startsWith } from '../db/sql.js';
import type { Division } from './division.js';

function rowToDivision(row: DivisionTable): Division {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    homeDivision: row.home_division === 1,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

export async function insertDivision(db: Kysely<DB>, d: Division): Promise<void> {
  await db
    .insertInto('divisions')
    .values({
      org_id: d.orgId,
      id: d.id,
      name: d.name,
      name_key: d.name.toLowerCase(),
      description: d.description,
      home_division: d.homeDivision ? 1 : 0,
      created_at: d.createdAt,
      modified_at: d.modifiedAt,
    })
    .execute();
}

export async function updateDivision(db: Kysely<DB>, d: Division): Promise<void> {
  await db
    .updateTable('divisions')
    .set({
      name: d.name,
      name_key: d.name.toLowerCase(),
      description: d.description,
      modified_at: d.modifiedAt,
    })
    .where('org_id', '=', d.orgId)
    .where('id', '=', d.id)
    .execute();
}

export async function deleteDivision(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('divisions').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function findDivision(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Division | undefined> {
  const row = await db
    .selectFrom('divisions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToDivision(row);
}

export async function findDivisionByName(
  db: Kysely<DB>,
  orgId: string,
  name: string,
): Promise<Division | undefined> {
  const row = await db
    .selectFrom('divisions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  return row && rowToDivision(row);
}

export async function findHomeDivision(
  db: Kysely<DB>,
  orgId: string,
): Promise<Division | undefined> {
  const row = await db
    .selectFrom('divisions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('home_division', '=', 1)
    .executeTakeFirst();
  return row && rowToDivision(row);
}

export interface DivisionFilter {
  readonly name?: string | undefined;
  readonly ids?: readonly string[] | undefined;
}

export async function listDivisions(
  db: Kysely<DB>,
  orgId: string,
  filter: DivisionFilter,
  page: PageRequest,
): Promise<{ divisions: Division[]; total: number }> {
  let query = db.selectFrom('divisions').where('org_id', '=', orgId);
  if (filter.name !== undefined) {
    const prefix = filter.name.toLowerCase();
    query = query.where((eb) => startsWith(eb.ref('name_key'), prefix));
  }
  if (filter.ids !== undefined && filter.ids.length > 0)
    query = query.where('id', 'in', filter.ids);
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
  return { divisions: rows.map(rowToDivision), total: Number(count.n) };
}

/** The ids among `ids` that name divisions of the organization. */
export async function existingDivisionIds(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('divisions')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * How many records (contacts, organizations, users) live in the division; a division that holds
 * records cannot be deleted. Relationships live in their organization's division.
 */
export async function countDivisionRecords(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<number> {
  let total = 0;
  for (const table of ['contacts', 'organizations', 'users'] as const) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('division_id', '=', id)
      .executeTakeFirstOrThrow();
    total += Number(row.n);
  }
  return total;
}

/** The names of the divisions among `ids`, for `expand=division`. */
export async function findDivisionNames(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('divisions')
    .select(['id', 'name'])
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
