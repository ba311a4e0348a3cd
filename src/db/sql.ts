import { PostgresAdapter, sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { DB } from './schema.js';

/** Escapes LIKE wildcards so that user input matches literally. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `column LIKE 'prefix%'` with the prefix taken literally, on both dialects. */
export function startsWith(column: Expression<unknown>, prefix: string): Expression<SqlBool> {
  return sql<SqlBool>`${column} like ${`${escapeLike(prefix)}%`} escape '\\'`;
}

/**
 * The rows a principal may read, as a condition on a nullable division column: any of the
 * filter's divisions, plus unassigned rows (NULL) when the filter includes them.
 */
export function divisionCondition(
  column: Expression<string | null>,
  filter: { readonly divisionIds: 'all' | readonly string[]; readonly includeUnassigned: boolean },
): Expression<SqlBool> {
  const ids = filter.divisionIds;
  if (ids === 'all')
    return filter.includeUnassigned ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${column} is not null`;
  const parts = [];
  if (ids.length > 0) parts.push(sql<SqlBool>`${column} in (${sql.join(ids)})`);
  if (filter.includeUnassigned) parts.push(sql<SqlBool>`${column} is null`);
  if (parts.length === 0) return sql<SqlBool>`1 = 0`;
  return parts.length === 1
    ? (parts[0] as Expression<SqlBool>)
    : sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/** Whether the database is PostgreSQL (else SQLite). */
export function isPostgres(db: Kysely<DB>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Brings the planner's statistics of `tables` up to date on PostgreSQL, whose autovacuum only
 * gets to a table a minute or more after a bulk load: until then the planner takes a table of
 * 100,000 fresh rows for an empty one and scans a whole index prefix for every lookup. SQLite
 * keeps no statistics unless asked, and Kith's queries are planned well without: nothing to do.
 */
export async function refreshStatistics(db: Kysely<DB>, tables: readonly string[]): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`analyze ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
}
