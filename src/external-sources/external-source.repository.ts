import type { Kysely } from 'kysely';
import type { DB, ExternalSourceTable } from '../db/schema.js';
import { startsWith } from '../db/sql.js';
import type { ExternalSource } from './external-source.js';

function rowToExternalSource(row: ExternalSourceTable): ExternalSource {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    active: row.active === 1,
    uriTemplate: row.uri_template,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

function externalSourceToRow(s: ExternalSource): ExternalSourceTable {
  return {
    org_id: s.orgId,
    id: s.id,
    name: s.name,
    name_key: s.name.toLowerCase(),
    active: s.active ? 1 : 0,
    uri_template: s.uriTemplate,
    created_at: s.createdAt,
    modified_at: s.modifiedAt,
  };
}

export async function insertExternalSource(db: Kysely<DB>, source: ExternalSource): Promise<void> {
  await db.insertInto('external_sources').values(externalSourceToRow(source)).execute();
}

export async function updateExternalSource(db: Kysely<DB>, source: ExternalSource): Promise<void> {
  const { org_id: orgId, id, created_at: _created, ...changes } = externalSourceToRow(source);
  await db
    .updateTable('external_sources')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteExternalSource(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<void> {
  await db
    .deleteFrom('external_sources')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function findExternalSource(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<ExternalSource | undefined> {
  const row = await db
    .selectFrom('external_sources')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToExternalSource(row);
}

export async function findExternalSourceByName(
  db: Kysely<DB>,
  orgId: string,
  name: string,
): Promise<ExternalSource | undefined> {
  const row = await db
    .selectFrom('external_sources')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  return row && rowToExternalSource(row);
}

/** The ids among `ids` that name external sources of the organization. */
export async function existingExternalSourceIds(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('external_sources')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** One page of sources ordered by id, after `afterId` (cursor paging). */
export async function listExternalSources(
  db: Kysely<DB>,
  orgId: string,
  options: {
    afterId?: string | undefined;
    limit: number;
    name?: string | undefined;
    active?: boolean | undefined;
  },
): Promise<ExternalSource[]> {
  let query = db.selectFrom('external_sources').selectAll().where('org_id', '=', orgId);
  if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
  if (options.name !== undefined) {
    const prefix = options.name.toLowerCase();
    query = query.where((eb) => startsWith(eb.ref('name_key'), prefix));
  }
  if (options.active !== undefined) query = query.where('active', '=', options.active ? 1 : 0);
  const rows = await query.orderBy('id').limit(options.limit).execute();
  return rows.map(rowToExternalSource);
}
