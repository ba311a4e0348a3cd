import type { Kysely } from 'kysely';
import type { DB, OrgTable } from '../db/schema.js';

export interface Organization {
  id: string;
  name: string;
  isDefault: boolean;
  createdAt: string;
}

function rowToOrganization(row: OrgTable): Organization {
  return { id: row.id, name: row.name, isDefault: row.is_default === 1, createdAt: row.created_at };
}

export async function insertOrganization(db: Kysely<DB>, org: Organization): Promise<void> {
  await db
    .insertInto('orgs')
    .values({
      id: org.id,
      name: org.name,
      name_key: org.name.toLowerCase(),
      is_default: org.isDefault ? 1 : 0,
      created_at: org.createdAt,
    })
    .execute();
}

export async function findOrganization(
  db: Kysely<DB>,
  id: string,
): Promise<Organization | undefined> {
  const row = await db.selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
  return row && rowToOrganization(row);
}

export async function findOrganizationByName(
  db: Kysely<DB>,
  name: string,
): Promise<Organization | undefined> {
  const row = await db
    .selectFrom('orgs')
    .selectAll()
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  return row && rowToOrganization(row);
}

export async function findDefaultOrganization(db: Kysely<DB>): Promise<Organization | undefined> {
  const row = await db
    .selectFrom('orgs')
    .selectAll()
    .where('is_default', '=', 1)
    .executeTakeFirst();
  return row && rowToOrganization(row);
}

export async function listOrganizations(db: Kysely<DB>): Promise<Organization[]> {
  const rows = await db.selectFrom('orgs').selectAll().orderBy('created_at').execute();
  return rows.map(rowToOrganization);
}
