import { sql, type Kysely, type SqlBool } from 'kysely';
import type { ContactTable, DB } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import type { ReadFilter } from '../authorization/access.js';
import { divisionCondition, startsWith } from '../db/sql.js';
import type { ContactPoint } from './contact-points.js';
import type { SearchTerms } from './contact-search.js';
import {
  fullNameKey,
  searchKey,
  type Contact,
  type ContactFields,
  type ContactType,
} from './contact.js';

function rowToContact(row: ContactTable): Contact {
  return {
    id: row.id,
    orgId: row.org_id,
    divisionId: row.division_id,
    type: row.type as ContactType,
    fields: parseJson<ContactFields>(row.data),
    version: row.version,
    createDate: row.created_at,
    modifyDate: row.modified_at,
  };
}

/** The row of a contact: its columns, search keys and JSON data (bulk loaders reuse it). */
export function contactToRow(c: Contact): ContactTable {
  const f = c.fields;
  return {
    org_id: c.orgId,
    id: c.id,
    division_id: c.divisionId,
    type: c.type,
    first_name: f.firstName ?? null,
    middle_name: f.middleName ?? null,
    last_name: f.lastName ?? null,
    title: f.title ?? null,
    first_name_key: searchKey(f.firstName),
    last_name_key: searchKey(f.lastName),
    full_name_key: fullNameKey(f),
    external_organization_id: f.externalOrganization?.id ?? null,
    data: JSON.stringify(f),
    version: c.version,
    created_at: c.createDate,
    modified_at: c.modifyDate,
  };
}

/** Replaces the contact points of a contact. */
export async function replaceContactPoints(
  db: Kysely<DB>,
  orgId: string,
  contactId: string,
  points: readonly ContactPoint[],
): Promise<void> {
  await db
    .deleteFrom('contact_points')
    .where('org_id', '=', orgId)
    .where('contact_id', '=', contactId)
    .execute();
  if (points.length === 0) return;
  await db
    .insertInto('contact_points')
    .values(
      points.map((p) => ({ org_id: orgId, kind: p.kind, value: p.value, contact_id: contactId })),
    )
    .execute();
}

export async function insertContact(
  db: Kysely<DB>,
  contact: Contact,
  points: readonly ContactPoint[],
): Promise<void> {
  await db.insertInto('contacts').values(contactToRow(contact)).execute();
  await replaceContactPoints(db, contact.orgId, contact.id, points);
}

/**
 * Writes a new version of a contact if it is still at `expectedVersion`.
 * @returns false when another write got there first.
 */
export async function updateContact(
  db: Kysely<DB>,
  contact: Contact,
  expectedVersion: number,
  points: readonly ContactPoint[],
): Promise<boolean> {
  const { org_id: orgId, id, created_at: _created, ...changes } = contactToRow(contact);
  const result = await db
    .updateTable('contacts')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await replaceContactPoints(db, orgId, id, points);
  return true;
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

/** The contacts among `ids` that exist, in no particular order. */
export async function findContacts(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Contact[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('contacts')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return rows.map(rowToContact);
}

export async function deleteContactRow(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db
    .deleteFrom('contact_points')
    .where('org_id', '=', orgId)
    .where('contact_id', '=', id)
    .execute();
  await db.deleteFrom('contacts').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Visible contacts holding a contact point, oldest first. */
export async function findContactsByPoint(
  db: Kysely<DB>,
  orgId: string,
  point: ContactPoint,
  filter: ReadFilter,
  limit: number,
): Promise<Contact[]> {
  const rows = await db
    .selectFrom('contact_points as p')
    .innerJoin('contacts as c', (j) =>
      j.onRef('c.org_id', '=', 'p.org_id').onRef('c.id', '=', 'p.contact_id'),
    )
    .selectAll('c')
    .where('p.org_id', '=', orgId)
    .where('p.kind', '=', point.kind)
    .where('p.value', '=', point.value)
    .where((eb) => divisionCondition(eb.ref('c.division_id'), filter))
    .orderBy('c.created_at')
    .orderBy('c.id')
    .limit(limit)
    .execute();
  return rows.map(rowToContact);
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
  readonly terms?: SearchTerms | undefined;
  /** Only contacts linked to this organization. */
  readonly organizationId?: string | undefined;
  readonly sort?: { field: ContactSortField; direction: 'asc' | 'desc' } | undefined;
  readonly page: PageRequest;
}

/** A page of the visible contacts matching the query, with the total. */
export async function searchContacts(
  db: Kysely<DB>,
  orgId: string,
  query: ContactQuery,
): Promise<{ contacts: Contact[]; total: number }> {
  let base = db
    .selectFrom('contacts')
    .where('org_id', '=', orgId)
    .where((eb) => divisionCondition(eb.ref('division_id'), query.filter));
  if (query.organizationId !== undefined)
    base = base.where('external_organization_id', '=', query.organizationId);
  const terms = query.terms;
  if (terms !== undefined) {
    const prefix = terms.namePrefix;
    base = base.where((eb) => {
      const ors = [];
      if (prefix !== undefined) {
        ors.push(startsWith(eb.ref('first_name_key'), prefix));
        ors.push(startsWith(eb.ref('last_name_key'), prefix));
        ors.push(startsWith(eb.ref('full_name_key'), prefix));
      }
      for (const point of terms.points) {
        ors.push(
          eb(
            'id',
            'in',
            eb
              .selectFrom('contact_points')
              .select('contact_id')
              .where('org_id', '=', orgId)
              .where('kind', '=', point.kind)
              .where('value', '=', point.value),
          ),
        );
      }
      return ors.length === 0 ? sql<SqlBool>`1 = 0` : eb.or(ors);
    });
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

/** One page of visible contacts after `afterId`, in id (creation) order: the scan endpoints. */
export async function scanContacts(
  db: Kysely<DB>,
  orgId: string,
  filter: ReadFilter,
  afterId: string | undefined,
  limit: number,
): Promise<Contact[]> {
  let query = db
    .selectFrom('contacts')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter));
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(rowToContact);
}
