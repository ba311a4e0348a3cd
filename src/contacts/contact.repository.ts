import { sql, type Kysely, type SqlBool } from 'kysely';
import type { ContactTable, DB } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import type { ReadFilter } from '../authorization/access.js';
import { startsWith } from '../db/sql.js';
import type { Contact, ContactType } from './contact.js';

interface ContactData {
  salutation?: string | null;
}

function rowToContact(row: ContactTable): Contact {
  const data = parseJson<ContactData>(row.data);
  return {
    id: row.id,
    orgId: row.org_id,
    divisionId: row.division_id,
    type: row.type as ContactType,
    firstName: row.first_name,
    middleName: row.middle_name,
    lastName: row.last_name,
    salutation: data.salutation ?? null,
    title: row.title,
    version: row.version,
    createDate: row.created_at,
    modifyDate: row.modified_at,
  };
}

function contactToRow(c: Contact): ContactTable {
  const data: ContactData = { salutation: c.salutation };
  return {
    org_id: c.orgId,
    id: c.id,
    division_id: c.divisionId,
    type: c.type,
    first_name: c.firstName,
    middle_name: c.middleName,
    last_name: c.lastName,
    title: c.title,
    data: JSON.stringify(data),
    version: c.version,
    created_at: c.createDate,
    modified_at: c.modifyDate,
  };
}

export async function insertContact(db: Kysely<DB>, contact: Contact): Promise<void> {
  await db.insertInto('contacts').values(contactToRow(contact)).execute();
}

export async function findContact(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Contact | undefined> {
  const row = await db
    .selectFrom('contacts')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToContact(row);
}

export async function deleteContactRow(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('contacts').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export type ContactSortField = 'firstName' | 'lastName' | 'middleName' | 'title';
const SORT_COLUMNS = {
  firstName: 'first_name',
  lastName: 'last_name',
  middleName: 'middle_name',
  title: 'title',
} as const;

export interface ContactQuery {
  readonly filter: ReadFilter;
  readonly sort?: { field: ContactSortField; direction: 'asc' | 'desc' } | undefined;
  readonly page: PageRequest;
  /** A name prefix, matched case-insensitively against first and last names. */
  readonly q?: string | undefined;
}

/** A page of the contacts visible through `filter`, with the total. */
export async function listContactRows(
  db: Kysely<DB>,
  orgId: string,
  query: ContactQuery,
): Promise<{ contacts: Contact[]; total: number }> {
  const { filter } = query;
  let base = db.selectFrom('contacts').where('org_id', '=', orgId);
  if (filter.divisionIds !== 'all' || !filter.includeUnassigned) {
    const ids = filter.divisionIds;
    base = base.where((eb) => {
      const ors = [];
      if (ids === 'all') ors.push(eb('division_id', 'is not', null));
      else if (ids.length > 0) ors.push(eb('division_id', 'in', ids));
      if (filter.includeUnassigned) ors.push(eb('division_id', 'is', null));
      return ors.length === 0 ? sql<SqlBool>`1 = 0` : eb.or(ors);
    });
  }
  if (query.q !== undefined) {
    const prefix = query.q.toLowerCase();
    base = base.where((eb) =>
      eb.or([
        startsWith(eb.fn('lower', [eb.ref('first_name')]), prefix),
        startsWith(eb.fn('lower', [eb.ref('last_name')]), prefix),
      ]),
    );
  }
  let select = base.selectAll();
  if (query.sort !== undefined)
    select = select.orderBy(SORT_COLUMNS[query.sort.field], query.sort.direction);
  const [rows, count] = await Promise.all([
    select.orderBy('id').limit(query.page.pageSize).offset(offsetOf(query.page)).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { contacts: rows.map(rowToContact), total: Number(count.n) };
}
