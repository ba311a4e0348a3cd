import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type { Database, DialectName } from '../src/db/database.js';
import type { ContactPointTable, ContactTable } from '../src/db/schema.js';
import { contactToRow } from '../src/contacts/contact.repository.js';
import { contactPoints } from '../src/contacts/contact-points.js';
import { normalizeContactFields } from '../src/contacts/contact-validation.js';
import { DEFAULT_COUNTRY } from '../src/contacts/phone.js';
import type { Contact } from '../src/contacts/contact.js';
import { loadBlocklist } from '../src/settings/org-settings.repository.js';
import { createDivision } from '../src/divisions/division.service.js';
import { findDivisionByName } from '../src/divisions/division.repository.js';
import { DIVISION_NAMES, GENERATOR_VERSION, generateContact } from './data.js';
import {
  PG_SCHEMA,
  bootstrapBench,
  openBenchDatabase,
  resetBenchDatabase,
  sqliteFile,
  withPgClient,
  type BenchAdmin,
} from './setup.js';

/** What identifies a generated data set: same rows, seed and generator, same data. */
export interface DataSetSpec {
  readonly rows: number;
  readonly seed: number;
}

/** A bench database holding the data set, with its admin. */
export interface LoadedDataSet {
  readonly database: Database;
  readonly admin: BenchAdmin;
  readonly divisionIds: readonly string[];
  /** Seconds the load took, or null when the cached data set was reused. */
  readonly loadSeconds: number | null;
}

type Log = (line: string) => void;

const MARKER_TABLE = 'bench_marker';

function markerOf(spec: DataSetSpec): string {
  return JSON.stringify({ rows: spec.rows, seed: spec.seed, generator: GENERATOR_VERSION });
}

/** Whether the database already holds exactly this data set (the marker is written last). */
async function holdsDataSet(database: Database, spec: DataSetSpec): Promise<boolean> {
  const { db } = database;
  try {
    const row = await sql<{ value: string }>`select value from ${sql.table(MARKER_TABLE)}`
      .execute(db)
      .then((r) => r.rows[0]);
    if (row?.value !== markerOf(spec)) return false;
    const count = await db
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(count.n) === spec.rows;
  } catch {
    return false;
  }
}

async function writeMarker(database: Database, spec: DataSetSpec): Promise<void> {
  const { db } = database;
  await sql`create table ${sql.table(MARKER_TABLE)} (value text not null)`.execute(db);
  await sql`insert into ${sql.table(MARKER_TABLE)} (value) values (${markerOf(spec)})`.execute(db);
}

async function ensureDivisions(database: Database, admin: BenchAdmin): Promise<string[]> {
  const ids: string[] = [];
  for (const name of DIVISION_NAMES) {
    const existing = await findDivisionByName(database.db, admin.orgId, name);
    ids.push(
      existing?.id ??
        (await createDivision(database.db, admin.principal, { name, description: '' })).id,
    );
  }
  return ids;
}

/** One batch of rows, made by the same mapping the repository uses for a single insert. */
interface RowBatch {
  readonly contacts: ContactTable[];
  readonly points: ContactPointTable[];
}

class RowFactory {
  constructor(
    private readonly spec: DataSetSpec,
    private readonly orgId: string,
    private readonly divisionIds: readonly string[],
    private readonly blocklist: readonly string[],
  ) {}

  batch(from: number, to: number): RowBatch {
    const contacts: ContactTable[] = [];
    const points: ContactPointTable[] = [];
    for (let index = from; index < to; index += 1) {
      const generated = generateContact(this.spec.seed, index);
      const fields = normalizeContactFields(generated.input, DEFAULT_COUNTRY);
      const contact: Contact = {
        id: generated.id,
        orgId: this.orgId,
        divisionId:
          generated.divisionSlot === 0
            ? null
            : (this.divisionIds[generated.divisionSlot - 1] ?? null),
        type: 'Curated',
        fields,
        version: 1,
        createDate: generated.createdAt,
        modifyDate: generated.createdAt,
      };
      contacts.push(contactToRow(contact));
      for (const p of contactPoints(fields, this.blocklist)) {
        points.push({ org_id: this.orgId, kind: p.kind, value: p.value, contact_id: contact.id });
      }
    }
    return { contacts, points };
  }
}

function progress(log: Log, label: string, done: number, total: number, started: number): void {
  const seconds = (performance.now() - started) / 1000;
  log(
    `  ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${seconds.toFixed(0)} s)`,
  );
}

const SQLITE_TX_ROWS = 20_000;
const SQLITE_ROWS_PER_STATEMENT = 100;

/**
 * Loads SQLite through its own better-sqlite3 connection: secondary indexes dropped and rebuilt
 * afterwards (a sort beats a million random inserts), multi-row prepared inserts, one
 * transaction per 20,000 contacts, no fsync. The indexes come back from their own DDL, so the
 * schema stays the migrations'.
 */
function loadSqlite(file: string, factory: RowFactory, rows: number, log: Log): void {
  const raw = new SQLite(file);
  try {
    raw.pragma('synchronous = OFF');
    raw.pragma('cache_size = -1000000');
    raw.pragma('foreign_keys = OFF');
    const indexes = raw
      .prepare(
        `select name, sql from sqlite_master where type = 'index' and sql is not null
         and tbl_name in ('contacts', 'contact_points')`,
      )
      .all() as { name: string; sql: string }[];
    for (const index of indexes) raw.exec(`drop index "${index.name}"`);

    const inserter = <T extends object>(table: string, columns: readonly (keyof T & string)[]) => {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const prefix = `insert into ${table} (${columns.join(', ')}) values `;
      const many = raw.prepare(
        prefix + Array.from({ length: SQLITE_ROWS_PER_STATEMENT }, () => tuple).join(', '),
      );
      const one = raw.prepare(prefix + tuple);
      return (items: readonly T[]): void => {
        let k = 0;
        for (; k + SQLITE_ROWS_PER_STATEMENT <= items.length; k += SQLITE_ROWS_PER_STATEMENT) {
          const values: unknown[] = [];
          for (let j = k; j < k + SQLITE_ROWS_PER_STATEMENT; j += 1) {
            const item = items[j] as Record<string, unknown>;
            for (const c of columns) values.push(item[c]);
          }
          many.run(values);
        }
        for (; k < items.length; k += 1) {
          const item = items[k] as Record<string, unknown>;
          one.run(columns.map((c) => item[c]));
        }
      };
    };
    let insertContacts: ((items: readonly ContactTable[]) => void) | undefined;
    let insertPoints: ((items: readonly ContactPointTable[]) => void) | undefined;
    const started = performance.now();
    for (let from = 0; from < rows; from += SQLITE_TX_ROWS) {
      const batch = factory.batch(from, Math.min(rows, from + SQLITE_TX_ROWS));
      const first = batch.contacts[0];
      if (first === undefined) break;
      insertContacts ??= inserter<ContactTable>(
        'contacts',
        Object.keys(first) as (keyof ContactTable)[],
      );
      insertPoints ??= inserter<ContactPointTable>('contact_points', [
        'org_id',
        'kind',
        'value',
        'contact_id',
      ]);
      const write = raw.transaction(() => {
        insertContacts?.(batch.contacts);
        insertPoints?.(batch.points);
      });
      write();
      if ((from / SQLITE_TX_ROWS) % 10 === 9)
        progress(log, 'sqlite rows', from + batch.contacts.length, rows, started);
    }
    const indexStarted = performance.now();
    for (const index of indexes) raw.exec(index.sql);
    log(`  sqlite indexes rebuilt in ${((performance.now() - indexStarted) / 1000).toFixed(0)} s`);
    raw.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    raw.close();
  }
}

const PG_ROWS_PER_STATEMENT = 5_000;

/** `insert into t (…) select * from unnest($n::text[], …)`: one array parameter per column. */
function unnestInsert(
  table: string,
  columns: readonly { name: string; udt: string }[],
  firstParameter: number,
): string {
  const arrays = columns.map((c, k) => `$${firstParameter + k}::${c.udt}[]`).join(', ');
  return `insert into ${table} (${columns.map((c) => c.name).join(', ')}) select * from unnest(${arrays})`;
}

function columnArrays(columns: readonly { name: string }[], items: readonly object[]): unknown[][] {
  return columns.map((c) => items.map((item) => (item as Record<string, unknown>)[c.name] ?? null));
}

/**
 * Loads PostgreSQL through one connection: the contact_points keys and every secondary index
 * dropped and rebuilt afterwards from their own definitions, rows sent 5,000 at a time as
 * column arrays (`unnest`), the next batch generated while the server writes the last. Ends
 * with VACUUM ANALYZE, the steady state autovacuum keeps a live database in.
 */
async function loadPostgres(factory: RowFactory, rows: number, log: Log): Promise<void> {
  await withPgClient(
    async (client) => {
      await client.query(`set synchronous_commit = off`);
      await client.query(`set maintenance_work_mem = '512MB'`);
      const constraints = (
        await client.query<{ table: string; name: string; def: string; type: string }>(
          `select c.conrelid::regclass::text as table, c.conname as name,
                  pg_get_constraintdef(c.oid) as def, c.contype as type
           from pg_constraint c join pg_namespace n on n.oid = c.connamespace
           where n.nspname = $1 and c.contype in ('p', 'f')
             and (c.conrelid = 'contact_points'::regclass
                  or (c.conrelid = 'contacts'::regclass and c.contype = 'f'))
           order by c.contype`,
          [PG_SCHEMA],
        )
      ).rows;
      const indexes = (
        await client.query<{ name: string; def: string }>(
          `select indexname as name, indexdef as def from pg_indexes
           where schemaname = $1 and tablename in ('contacts', 'contact_points')
             and indexname not in (select conname from pg_constraint
                                   where connamespace = $1::regnamespace)`,
          [PG_SCHEMA],
        )
      ).rows;
      // Foreign keys go first and come back last, after the keys they check.
      for (const c of constraints)
        await client.query(`alter table ${c.table} drop constraint ${c.name}`);
      for (const index of indexes) await client.query(`drop index ${index.name}`);

      const columnsOf = async (table: string) =>
        (
          await client.query<{ name: string; udt: string }>(
            `select column_name as name, udt_name as udt from information_schema.columns
             where table_schema = $1 and table_name = $2 order by ordinal_position`,
            [PG_SCHEMA, table],
          )
        ).rows;
      const contactColumns = await columnsOf('contacts');
      const pointColumns = await columnsOf('contact_points');
      // One statement per batch, so that it is on the wire while the next batch is generated.
      const text =
        `with c as (${unnestInsert('contacts', contactColumns, 1)}) ` +
        unnestInsert('contact_points', pointColumns, contactColumns.length + 1);

      const started = performance.now();
      await client.query('begin');
      let pending: Promise<unknown> = Promise.resolve();
      for (let from = 0; from < rows; from += PG_ROWS_PER_STATEMENT) {
        const to = Math.min(rows, from + PG_ROWS_PER_STATEMENT);
        const batch = factory.batch(from, to);
        await pending;
        pending = client.query(text, [
          ...columnArrays(contactColumns, batch.contacts),
          ...columnArrays(pointColumns, batch.points),
        ]);
        if ((from / PG_ROWS_PER_STATEMENT) % 40 === 39)
          progress(log, 'postgres rows', to, rows, started);
      }
      await pending;
      await client.query('commit');

      const indexStarted = performance.now();
      for (const index of indexes) await client.query(index.def);
      for (const c of [...constraints].reverse())
        await client.query(`alter table ${c.table} add constraint ${c.name} ${c.def}`);
      log(
        `  postgres keys and indexes rebuilt in ${((performance.now() - indexStarted) / 1000).toFixed(0)} s`,
      );
      await client.query('vacuum analyze contacts');
      await client.query('vacuum analyze contact_points');
    },
    { schema: PG_SCHEMA },
  );
}

/**
 * Opens the bench database of a dialect holding the data set, loading it first unless the
 * database already holds the same rows of the same seed and generator (and `fresh` is not
 * asked). A stale database is thrown away whole (schema dropped, file deleted) and built again.
 * Pending migrations are applied either way, so a new index is measured on cached data too.
 */
export async function ensureDataSet(
  dialect: DialectName,
  spec: DataSetSpec,
  log: Log,
  options: { fresh?: boolean; poolSize?: number } = {},
): Promise<LoadedDataSet> {
  const name = 'search';
  let database = openBenchDatabase(dialect, name, options.poolSize);
  if (options.fresh !== true && (await holdsDataSet(database, spec))) {
    const admin = await bootstrapBench(database);
    const divisionIds = await ensureDivisions(database, admin);
    log(
      `${dialect}: reusing the cached data set (${spec.rows.toLocaleString('en-US')} contacts, seed ${spec.seed})`,
    );
    return { database, admin, divisionIds, loadSeconds: null };
  }
  await database.destroy();
  await resetBenchDatabase(dialect, name);
  database = openBenchDatabase(dialect, name, options.poolSize);
  const admin = await bootstrapBench(database);
  const divisionIds = await ensureDivisions(database, admin);
  const blocklist = await loadBlocklist(database.db, admin.orgId);
  const factory = new RowFactory(spec, admin.orgId, divisionIds, blocklist);
  log(`${dialect}: loading ${spec.rows.toLocaleString('en-US')} contacts (seed ${spec.seed})`);
  const started = performance.now();
  if (dialect === 'postgres') await loadPostgres(factory, spec.rows, log);
  else loadSqlite(sqliteFile(name), factory, spec.rows, log);
  await writeMarker(database, spec);
  const loadSeconds = (performance.now() - started) / 1000;
  log(`${dialect}: loaded in ${loadSeconds.toFixed(0)} s`);
  return { database, admin, divisionIds, loadSeconds };
}
