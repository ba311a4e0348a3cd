import path from 'node:path';
import type { Config } from '../config/config.js';
import { openDatabase, type Database } from './database.js';

export const SQLITE_FILE_NAME = 'kith.sqlite';

/** Opens the database the configuration names: PostgreSQL for `DATABASE_URL`, else SQLite in the data dir. */
export function openConfiguredDatabase(config: Config, options: { bulk?: boolean } = {}): Database {
  return config.databaseUrl !== undefined
    ? openDatabase({ url: config.databaseUrl })
    : openDatabase({
        sqliteFile: path.join(config.dataDir, SQLITE_FILE_NAME),
        // A bulk command reads the file once, end to end: mapping it would only grow its RSS.
        ...(options.bulk === true ? { sqliteMmapBytes: 0 } : {}),
      });
}
