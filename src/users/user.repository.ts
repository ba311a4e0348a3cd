import type { Kysely } from 'kysely';
import type { DB, UserTable } from '../db/schema.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import type { User } from './user.js';

function rowToUser(row: UserTable): User {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    email: row.email,
    passwordHash: row.password_hash,
    title: row.title,
    department: row.department,
    divisionId: row.division_id,
    state: row.state,
    version: row.version,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

function userToRow(u: User): UserTable {
  return {
    org_id: u.orgId,
    id: u.id,
    name: u.name,
    email: u.email,
    username_key: u.email.toLowerCase(),
    password_hash: u.passwordHash,
    title: u.title,
    department: u.department,
    division_id: u.divisionId,
    state: u.state,
    version: u.version,
    created_at: u.createdAt,
    modified_at: u.modifiedAt,
  };
}

export async function insertUser(db: Kysely<DB>, user: User): Promise<void> {
  await db.insertInto('users').values(userToRow(user)).execute();
}

export async function updateUser(db: Kysely<DB>, user: User): Promise<void> {
  const { org_id: orgId, id, created_at: _created, ...changes } = userToRow(user);
  await db
    .updateTable('users')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteUser(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('users').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function findUser(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToUser(row);
}

/** Finds a user by username (email) in any organization, for the password grant. */
export async function findUserForLogin(
  db: Kysely<DB>,
  username: string,
): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('username_key', '=', username.trim().toLowerCase())
    .executeTakeFirst();
  return row && rowToUser(row);
}

export async function listUsers(
  db: Kysely<DB>,
  orgId: string,
  page: PageRequest,
): Promise<{ users: User[]; total: number }> {
  const query = db.selectFrom('users').where('org_id', '=', orgId);
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('name')
      .orderBy('id')
      .limit(page.pageSize)
      .offset(offsetOf(page))
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { users: rows.map(rowToUser), total: Number(count.n) };
}
