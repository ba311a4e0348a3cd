import type { Kysely } from 'kysely';
import type { DB, RelationshipTable } from '../db/schema.js';
import type { ReadFilter } from '../authorization/access.js';
import { divisionCondition } from '../db/sql.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import type { Relationship } from './relationship.js';

export function rowToRelationship(row: RelationshipTable): Relationship {
  return {
    id: row.id,
    orgId: row.org_id,
    divisionId: row.division_id,
    userId: row.user_id,
    organizationId: row.external_organization_id,
    relationship: row.relationship,
    createDate: row.created_at,
    modifyDate: row.modified_at,
  };
}

function relationshipToRow(r: Relationship): RelationshipTable {
  return {
    org_id: r.orgId,
    id: r.id,
    division_id: r.divisionId,
    user_id: r.userId,
    external_organization_id: r.organizationId,
    relationship: r.relationship,
    created_at: r.createDate,
    modified_at: r.modifyDate,
  };
}

export async function insertRelationship(
  db: Kysely<DB>,
  relationship: Relationship,
): Promise<void> {
  await db.insertInto('relationships').values(relationshipToRow(relationship)).execute();
}

export async function updateRelationship(
  db: Kysely<DB>,
  relationship: Relationship,
): Promise<void> {
  const { org_id: orgId, id, created_at: _created, ...changes } = relationshipToRow(relationship);
  await db
    .updateTable('relationships')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function findRelationship(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Relationship | undefined> {
  const row = await db
    .selectFrom('relationships')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToRelationship(row);
}

export async function deleteRelationshipRow(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<void> {
  await db.deleteFrom('relationships').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Deletes every relationship of an organization and returns what was deleted. */
export async function deleteRelationshipsOfOrganization(
  db: Kysely<DB>,
  orgId: string,
  organizationId: string,
): Promise<Relationship[]> {
  const rows = await db
    .selectFrom('relationships')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('external_organization_id', '=', organizationId)
    .execute();
  if (rows.length > 0) {
    await db
      .deleteFrom('relationships')
      .where('org_id', '=', orgId)
      .where('external_organization_id', '=', organizationId)
      .execute();
  }
  return rows.map(rowToRelationship);
}

export type RelationshipSortField = 'createDate' | 'relationship';
const SORT_COLUMNS = { createDate: 'created_at', relationship: 'relationship' } as const;

/** A page of an organization's relationships, with the total; ties broken by id. */
export async function listRelationshipsOfOrganization(
  db: Kysely<DB>,
  orgId: string,
  organizationId: string,
  query: {
    sort: { field: RelationshipSortField; direction: 'asc' | 'desc' };
    page: PageRequest;
  },
): Promise<{ relationships: Relationship[]; total: number }> {
  const base = db
    .selectFrom('relationships')
    .where('org_id', '=', orgId)
    .where('external_organization_id', '=', organizationId);
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy(SORT_COLUMNS[query.sort.field], query.sort.direction)
      .orderBy('id', query.sort.direction)
      .limit(query.page.pageSize)
      .offset(offsetOf(query.page))
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { relationships: rows.map(rowToRelationship), total: Number(count.n) };
}

/**
 * One page of visible relationships after `afterId` (from the start when undefined), in id
 * (creation) order: the scan endpoints. The filter applies to the relationship's division, which
 * is its organization's.
 */
export async function scanRelationships(
  db: Kysely<DB>,
  orgId: string,
  filter: ReadFilter,
  afterId: string | undefined,
  limit: number,
): Promise<Relationship[]> {
  let query = db
    .selectFrom('relationships')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter));
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(rowToRelationship);
}
