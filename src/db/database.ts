import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** An open database with the dialect it speaks; callers own `destroy()`. */
export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: DialectName;
  destroy(): Promise<void>;
}

export interface DatabaseOptions {
  /** A `postgres://` URL; without one, SQLite is used. */
  readonly url?: string | undefined;
  /** The SQLite file, or `:memory:`. */
  readonly sqliteFile?: string;
  /** A PostgreSQL schema to use instead of `public` (tests isolate themselves this way). */
  readonly pgSchema?: string;
  readonly poolSize?: number;
}

// Raw strings for JSON columns and ISO-8601 for timestamps make rows look the same on both
// dialects, so one set of row mappers serves both.
const PG_TYPES = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    switch (oid) {
      case 114: // json
      case 3802: // jsonb
        return (value: string) => value;
      case 20: // int8
        return (value: string) => Number(value);
      case 1184: // timestamptz
        return (value: string) =>
          new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
      default:
        return pg.types.getTypeParser(oid, format as 'text') as (value: string) => unknown;
    }
  },
};

/** Opens SQLite (WAL, foreign keys on) or a PostgreSQL pool, as the options say. */
export function openDatabase(options: DatabaseOptions): Database {
  if (options.url !== undefined) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types: PG_TYPES,
      options: `-c TimeZone=UTC${options.pgSchema === undefined ? '' : ` -c search_path=${options.pgSchema}`}`,
    });
    // An idle client that loses its server must not crash the process; the next query fails instead.
    pool.on('error', () => undefined);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', destroy: () => db.destroy() };
  }
  const file = options.sqliteFile ?? ':memory:';
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', destroy: () => db.destroy() };
}
