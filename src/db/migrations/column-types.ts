import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from '../database.js';

/** Column types that differ between the dialects; migrations ask for them by meaning. */
export interface ColumnTypes {
  readonly timestamp: RawBuilder<unknown>;
  readonly json: RawBuilder<unknown>;
}

export function columnTypes(dialect: DialectName): ColumnTypes {
  return dialect === 'postgres'
    ? { timestamp: sql`timestamptz`, json: sql`jsonb` }
    : { timestamp: sql`text`, json: sql`text` };
}
