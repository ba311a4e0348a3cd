import { Worker } from 'node:worker_threads';
import { attachAuthCache, AuthWrites } from '../auth/auth-cache.js';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresCursor,
  type PostgresQueryResult,
} from 'kysely';
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
  /**
   * SQLite: how much of the file to read through mmap (default 4 GB). Mapped pages count in the
   * process's RSS, so bulk commands that stream a whole file through (import, export) map none
   * and keep their memory to the page cache.
   */
  readonly sqliteMmapBytes?: number;
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

const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * Starts the worker thread that checkpoints a SQLite file with its own connection. A checkpoint
 * made in a commit blocked every request of the process for up to 0.8 s (bench/RESULTS.md).
 */
function startCheckpointer(file: string): Worker {
  const worker = new Worker(new URL('../../bin/sqlite-checkpointer.js', import.meta.url), {
    workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  // Checkpoints are an optimisation: a worker that fails leaves the automatic checkpoint to work.
  worker.on('error', () => undefined);
  worker.unref();
  return worker;
}

async function stopCheckpointer(worker: Worker): Promise<void> {
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage('stop');
  // A worker that does not answer within 2 s is stopped anyway; once it has, the wait ends.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
  clearTimeout(timer);
  await worker.terminate();
}

/** How many prepared SQLite statements are kept for reuse, the least recently used going first. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 with its statements prepared once per SQL text. Kysely's driver prepares every
 * query anew, and preparing a search's compound statement cost about 15% of it (bench/RESULTS.md).
 * A statement still being iterated (a streamed query) is busy: the caller then gets a fresh one.
 */
function cachingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string): SQLite.Statement {
      const cached = cache.get(text);
      if (cached !== undefined) {
        if (cached.busy) return sqlite.prepare(text);
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const statement = sqlite.prepare(text);
      cache.set(text, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

/**
 * SQLite transactions that take the write lock when they begin. Kysely begins deferred ones,
 * which read first and upgrade to writing later; in WAL mode an upgrade fails at once with
 * SQLITE_BUSY, without waiting out busy_timeout, when another process (`kith clients create`
 * beside a running server, a sweep) wrote in between. Beginning immediately makes every writer
 * queue for the lock instead. Within one process the single connection serialises anyway.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver() as SqliteDriver;
    driver.beginTransaction = async (connection: DatabaseConnection): Promise<void> => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/** The most SQL texts given a server-side name; later ones run as unnamed statements. */
const NAMED_STATEMENTS = 500;
/** Statements with more parameters (bulk IN lists) vary too much to be worth naming. */
const NAMED_MAX_PARAMETERS = 100;

/** A pooled pg client that runs each query under the name `nameOf` gives its text, if any. */
class NamingClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly nameOf: (text: string, parameters: number) => string | undefined,
  ) {}

  query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters: readonly unknown[] = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // A cursor (a streamed query) is pg's own submittable, passed through as Kysely made it.
    if (typeof sqlOrCursor !== 'string')
      return this.client.query(
        sqlOrCursor as unknown as pg.Submittable,
      ) as unknown as PostgresCursor<R>;
    const values = [...parameters];
    const name = this.nameOf(sqlOrCursor, values.length);
    const config =
      name === undefined ? { text: sqlOrCursor, values } : { name, text: sqlOrCursor, values };
    return this.client.query(config) as unknown as Promise<PostgresQueryResult<R>>;
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}

/**
 * A pg pool whose clients run queries as named prepared statements, one name per SQL text, so
 * that PostgreSQL parses each once per connection and may reuse its plan: planning cost a
 * contact search more than executing it (bench/RESULTS.md). pg prepares a name on each
 * connection the first time that connection sees it. Names stop at NAMED_STATEMENTS, which
 * bounds what every connection keeps on the server.
 */
function preparingStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string, parameters: number): string | undefined => {
    if (parameters > NAMED_MAX_PARAMETERS) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < NAMED_STATEMENTS) {
      name = `kith_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    end: () => pool.end(),
    connect: async () => new NamingClient(await pool.connect(), nameOf),
  };
}

/** Opens SQLite (WAL, foreign keys on) or a PostgreSQL pool, as the options say. */
export function openDatabase(options: DatabaseOptions): Database {
  if (options.url !== undefined) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types: PG_TYPES,
      options: `-c TimeZone=UTC -c plan_cache_mode=force_generic_plan${options.pgSchema === undefined ? '' : ` -c search_path=${options.pgSchema}`}`,
    });
    // An idle client that loses its server must not crash the process; the next query fails instead.
    pool.on('error', () => undefined);
    const authWrites = new AuthWrites();
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: preparingStatements(pool) }),
      plugins: [authWrites],
    });
    attachAuthCache(db, authWrites);
    return { db, dialect: 'postgres', destroy: () => db.destroy() };
  }
  const file = options.sqliteFile ?? ':memory:';
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Identity resolution writes all day: a 64 MB page cache keeps the hot index pages in memory,
  // and checkpoints every 10,000 WAL pages (40 MB) rather than 1,000 make ten times fewer
  // fsyncs of the database file (bench/RESULTS.md).
  // Temporary B-trees (a lookup's ORDER BY) in memory, and the file read through mmap rather than
  // a read call a page: together +20% resolutions per second.
  sqlite.pragma('cache_size = -65536');
  // A file's checkpoints run in a worker thread (bin/sqlite-checkpointer.js) once a second; the
  // automatic checkpoint stays as a backstop should the worker fall behind. In memory there is no
  // log to copy.
  const checkpointer = file === ':memory:' ? undefined : startCheckpointer(file);
  sqlite.pragma(`wal_autocheckpoint = ${checkpointer === undefined ? 10000 : 100000}`);
  sqlite.pragma('temp_store = memory');
  sqlite.pragma(`mmap_size = ${options.sqliteMmapBytes ?? 4294967296}`);
  const authWrites = new AuthWrites();
  const db = new Kysely<DB>({
    dialect: new ImmediateSqliteDialect({ database: cachingStatements(sqlite) }),
    plugins: [authWrites],
  });
  attachAuthCache(db, authWrites);
  return {
    db,
    dialect: 'sqlite',
    destroy: async () => {
      if (checkpointer !== undefined) await stopCheckpointer(checkpointer);
      await db.destroy();
    },
  };
}
