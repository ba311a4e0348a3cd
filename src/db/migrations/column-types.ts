import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from '../database.js';

/** Column types that differ between the dialects; migrations ask for them by meaning. */
export interface ColumnTypes {
  readonly timestamp: RawBuilder<unknown>;
  readonly json: RawBuilder<unknown>;
  /**
   * Text compared byte by byte: search keys whose `LIKE 'prefix%'` must use a B-tree index
   * (PostgreSQL uses one for LIKE only under the C collation; SQLite's default is binary).
   */
  readonly key: RawBuilder<unknown>;
}

export function columnTypes(dialect: DialectName): ColumnTypes {
  return dialect === 'postgres'
    ? { timestamp: sql`timestamptz`, json: sql`jsonb`, key: sql`text collate "C"` }
    : { timestamp: sql`text`, json: sql`text`, key: sql`text` };
}
