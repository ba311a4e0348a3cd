import { sql, type Expression, type SqlBool } from 'kysely';

/** Escapes LIKE wildcards so that user input matches literally. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `column LIKE 'prefix%'` with the prefix taken literally, on both dialects. */
export function startsWith(column: Expression<unknown>, prefix: string): Expression<SqlBool> {
  return sql<SqlBool>`${column} like ${`${escapeLike(prefix)}%`} escape '\\'`;
}
