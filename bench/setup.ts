import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type Database, type DialectName } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { ensureDefaultOrganization } from '../src/orgs/org.service.js';
import { bootstrapAdminClient } from '../src/clients/bootstrap.js';
import { authenticate, issueClientToken } from '../src/auth/auth.service.js';
import type { Principal } from '../src/authorization/access.js';

/** Where benchmarks keep their SQLite files (gitignored). */
export const DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '.data');

/** The PostgreSQL schema benchmarks work in; nothing else uses it. */
export const PG_SCHEMA = 'kith_bench';

/** The PostgreSQL server: KITH_BENCH_DATABASE_URL, else the tests' KITH_TEST_DATABASE_URL. */
export function benchPgUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.KITH_BENCH_DATABASE_URL ||
    env.KITH_TEST_DATABASE_URL ||
    'postgres://root@127.0.0.1:5432/test'
  );
}

export function sqliteFile(name: string): string {
  return path.join(DATA_DIR, `${name}.sqlite`);
}

/** Runs statements on the PostgreSQL server outside the bench schema's pool. */
export async function withPgClient<T>(
  fn: (client: pg.Client) => Promise<T>,
  options: { schema?: string } = {},
): Promise<T> {
  const client = new pg.Client({
    connectionString: benchPgUrl(),
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Opens the bench database of a dialect as Kith opens its own (SQLite WAL file, pg pool). */
export function openBenchDatabase(dialect: DialectName, name: string, poolSize = 4): Database {
  return dialect === 'postgres'
    ? openDatabase({ url: benchPgUrl(), pgSchema: PG_SCHEMA, poolSize })
    : openDatabase({ sqliteFile: sqliteFile(name) });
}

/** Throws away the bench database of a dialect: drops the schema, or deletes the file. */
export async function resetBenchDatabase(dialect: DialectName, name: string): Promise<void> {
  if (dialect === 'postgres') {
    await withPgClient(async (client) => {
      await client.query(`drop schema if exists ${PG_SCHEMA} cascade`);
      await client.query(`create schema ${PG_SCHEMA}`);
    });
    return;
  }
  const file = sqliteFile(name);
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
}

export const BENCH_ADMIN_ID = 'kith-bench-admin';
const BENCH_ADMIN_SECRET = 'kith-bench-admin-secret-0123456789';

/** An admin of the default organization, made the way `kith serve` makes one. */
export interface BenchAdmin {
  readonly orgId: string;
  readonly principal: Principal;
  /** A bearer token of the admin, for HTTP. */
  readonly token: string;
}

/**
 * Kysely's migrator lists the tables of every schema of the database; a test run that drops its
 * own schema meanwhile makes that fail ("schema … does not exist"). Such a race is retried.
 */
async function migrateWithRetry(database: Database): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrateToLatest(database.db, database.dialect);
      return;
    } catch (error) {
      const raced = error instanceof Error && /schema "[^"]+" does not exist/.test(error.message);
      if (!raced || attempt === 5) throw error;
    }
  }
}

/**
 * Migrates the database and makes the admin through the real bootstrap: the default
 * organization, the admin client on every division, a token, and the principal it authenticates
 * as.
 */
export async function bootstrapBench(database: Database): Promise<BenchAdmin> {
  const { db } = database;
  await migrateWithRetry(database);
  const org = await ensureDefaultOrganization(db);
  await bootstrapAdminClient(db, org.id, { id: BENCH_ADMIN_ID, secret: BENCH_ADMIN_SECRET });
  const token = (await issueClientToken(db, BENCH_ADMIN_ID, BENCH_ADMIN_SECRET, 86_400))
    .access_token;
  const principal = await authenticate(db, token);
  if (principal === undefined) throw new Error('the bench admin token did not authenticate');
  return { orgId: org.id, principal, token };
}

/**
 * Reads the whole data set once, so that the queries measure Kith rather than first reads from
 * disk: this VM's page cache does not keep the files between runs (a full-name query that read
 * cold rows took 6–20 ms, and 0.6–1.2 ms when run again). SQLite: the database file; PostgreSQL:
 * the contact tables and their indexes, read into the OS cache with pg_prewarm where the
 * extension can be created (skipped, with a note, where not).
 */
export async function warmCaches(dialect: DialectName, name: string, log: (line: string) => void) {
  const started = performance.now();
  if (dialect === 'sqlite') {
    const file = await fs.promises.open(sqliteFile(name), 'r');
    try {
      const buffer = Buffer.alloc(1 << 20);
      while ((await file.read(buffer, 0, buffer.length)).bytesRead > 0);
    } finally {
      await file.close();
    }
  } else {
    const warmed = await withPgClient(async (client) => {
      try {
        await client.query('create extension if not exists pg_prewarm with schema public');
      } catch {
        return false;
      }
      const { rows } = await client.query<{ name: string }>(
        `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = $1 and c.relkind in ('r', 'i')`,
        [PG_SCHEMA],
      );
      for (const row of rows) {
        await client.query(`select public.pg_prewarm($1::regclass, 'read')`, [
          `${PG_SCHEMA}.${row.name}`,
        ]);
      }
      return true;
    });
    if (!warmed) log('postgres: pg_prewarm is not available; the first reads come from disk');
  }
  log(`${dialect}: caches warmed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
