import { sql, type Kysely, type SqlBool } from 'kysely';
import type { DB, OrganizationTable } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import type { ReadFilter } from '../authorization/access.js';
import { divisionCondition, startsWith } from '../db/sql.js';
import { searchKey } from '../contacts/contact.js';
import type { Organization, OrganizationFields } from './organization.js';

/** The fields kept in the `data` JSON column: all but those with a column of their own. */
type OrganizationData = Omit<OrganizationFields, 'name' | 'companyType' | 'industry'>;

export function rowToOrganization(row: OrganizationTable): Organization {
  const fields: OrganizationFields = { name: row.name };
  if (row.company_type !== null) fields.companyType = row.company_type;
  if (row.industry !== null) fields.industry = row.industry;
  return {
    id: row.id,
    orgId: row.org_id,
    divisionId: row.division_id,
    fields: { ...fields, ...parseJson<OrganizationData>(row.data) },
    version: row.version,
    createDate: row.created_at,
    modifyDate: row.modified_at,
  };
}

function organizationToRow(o: Organization): OrganizationTable {
  const { name, companyType, industry, ...data } = o.fields;
  return {
    org_id: o.orgId,
    id: o.id,
    division_id: o.divisionId,
    name,
    name_key: searchKey(name) ?? '',
    company_type: companyType ?? null,
    industry: industry ?? null,
    data: JSON.stringify(data),
    version: o.version,
    created_at: o.createDate,
    modified_at: o.modifyDate,
    schema_id: data.schema?.id ?? null,
  };
}

export async function insertOrganization(
  db: Kysely<DB>,
  organization: Organization,
): Promise<void> {
  await db.insertInto('organizations').values(organizationToRow(organization)).execute();
}

/**
 * Writes a new version of an organization if it is still at `expectedVersion`.
 * @returns false when another write got there first.
 */
export async function updateOrganization(
  db: Kysely<DB>,
  organization: Organization,
  expectedVersion: number,
): Promise<boolean> {
  const { org_id: orgId, id, created_at: _created, ...changes } = organizationToRow(organization);
  const result = await db
    .updateTable('organizations')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findOrganization(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Organization | undefined> {
  const row = await db
    .selectFrom('organizations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToOrganization(row);
}

/** The organizations among `ids` that exist, in no particular order. */
export async function findOrganizations(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Organization[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('organizations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return rows.map(rowToOrganization);
}

export async function deleteOrganizationRow(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<void> {
  await db.deleteFrom('organizations').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export type OrganizationSortField = 'companyType' | 'industry' | 'name';
const SORT_COLUMNS = {
  companyType: 'company_type',
  industry: 'industry',
  name: 'name_key',
} as const;

export interface OrganizationQuery {
  readonly filter: ReadFilter;
  /** A search key (lower-cased, accent-folded) that the name or one of its words starts with. */
  readonly namePrefix?: string | undefined;
  readonly sort: { field: OrganizationSortField; direction: 'asc' | 'desc' };
  readonly page: PageRequest;
}

/** `LIKE` wildcards in user input are matched literally. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A page of the visible organizations matching the query, with the total. Rows without the sort
 * field come last in either direction, on both dialects; ties are broken by name, then id.
 */
export async function searchOrganizations(
  db: Kysely<DB>,
  orgId: string,
  query: OrganizationQuery,
): Promise<{ organizations: Organization[]; total: number }> {
  let base = db
    .selectFrom('organizations')
    .where('org_id', '=', orgId)
    .where((eb) => divisionCondition(eb.ref('division_id'), query.filter));
  const prefix = query.namePrefix;
  if (prefix !== undefined) {
    base = base.where((eb) =>
      eb.or([
        startsWith(eb.ref('name_key'), prefix),
        // A later word of the name: "widg" finds "Acme Widgets".
        sql<SqlBool>`${eb.ref('name_key')} like ${`% ${escapeLike(prefix)}%`} escape '\\'`,
      ]),
    );
  }
  const column = SORT_COLUMNS[query.sort.field];
  let select = base.selectAll();
  if (column !== 'name_key')
    select = select
      .orderBy(sql`case when ${sql.ref(column)} is null then 1 else 0 end`)
      .orderBy(column, query.sort.direction);
  select = select.orderBy('name_key', column === 'name_key' ? query.sort.direction : 'asc');
  const [rows, count] = await Promise.all([
    select.orderBy('id').limit(query.page.pageSize).offset(offsetOf(query.page)).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { organizations: rows.map(rowToOrganization), total: Number(count.n) };
}

/**
 * One page of visible organizations after `afterId` (from the start when undefined), in id
 * (creation) order: the scan endpoints.
 */
export async function scanOrganizations(
  db: Kysely<DB>,
  orgId: string,
  filter: ReadFilter,
  afterId: string | undefined,
  limit: number,
): Promise<Organization[]> {
  let query = db
    .selectFrom('organizations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter));
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(rowToOrganization);
}
