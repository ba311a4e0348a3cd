import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openDatabase, type Database, type DialectName } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';

const PG_URL = process.env.KITH_TEST_DATABASE_URL;

/**
 * The dialects every store test runs on: SQLite always, PostgreSQL when KITH_TEST_DATABASE_URL
 * is set. When it is set and the server does not answer, the tests fail rather than skip.
 */
export const DIALECTS: readonly DialectName[] =
  PG_URL === undefined || PG_URL === '' ? ['sqlite'] : ['sqlite', 'postgres'];

export interface TestDatabase extends Database {
  /** The URL (PostgreSQL, with its schema) or file (SQLite) another process can open. */
  readonly location: { url?: string; sqliteFile?: string; pgSchema?: string };
}

/**
 * A fresh, empty database: a temporary SQLite file, or a new PostgreSQL schema dropped on
 * destroy. Migrated unless `migrate: false`.
 */
export async function openTestDatabase(
  dialect: DialectName,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  let database: Database;
  let location: TestDatabase['location'];
  let cleanup: () => Promise<void>;
  if (dialect === 'postgres') {
    if (PG_URL === undefined) throw new Error('KITH_TEST_DATABASE_URL is not set');
    const schema = `kith_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    database = openDatabase({ url: PG_URL, pgSchema: schema, poolSize: 5 });
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    location = { url: url.toString(), pgSchema: schema };
    cleanup = async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-test-'));
    const file = path.join(dir, 'kith.sqlite');
    database = openDatabase({ sqliteFile: file });
    location = { sqliteFile: file };
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  if (options.migrate !== false) await migrateToLatest(database.db, database.dialect);
  return {
    ...database,
    location,
    destroy: async () => {
      await database.destroy();
      await cleanup();
    },
  };
}

/**
 * For a describe block: a function opening a fresh database (as openTestDatabase does) each time
 * it is called; every database it opened is destroyed after the block's tests.
 */
export function freshDatabases(
  dialect: DialectName,
  options: { migrate?: boolean } = {},
): () => Promise<TestDatabase> {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of opened) await database.destroy();
  });
  return async () => {
    const database = await openTestDatabase(dialect, options);
    opened.push(database);
    return database;
  };
}
