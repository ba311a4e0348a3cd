import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type DialectName } from '../../src/db/database.js';
import { migrateDown, migrateToEmpty, migrateToLatest } from '../../src/db/migrator.js';
import type { DB } from '../../src/db/schema.js';
import { createOrganization } from '../../src/orgs/org.service.js';
import { DIALECTS, freshDatabases, type TestDatabase } from '../helpers/databases.js';

const FOUNDATION = '2026-11-28-0001-foundation';
const CONTACT_DATA = '2026-11-28-0002-contact-data';
const SEARCH_INDEXES = '2026-11-28-0003-search-indexes';
const RANKED_SEARCH_INDEXES = '2026-12-01-0004-ranked-search-indexes';
const IDENTITY_RESOLUTION = '2026-12-01-0005-identity-resolution';
const EVENTS_OUTBOX_ONLY = '2026-12-02-0006-events-outbox-only';
const MERGES = '2026-12-02-0007-merges';
const CLUSTER_SCANS = '2026-12-02-0008-cluster-scans';
const CUSTOM_FIELD_SCHEMAS = '2026-12-02-0009-custom-field-schemas';
const IMPORT_SETTINGS = '2026-12-02-0010-import-settings';
const IMPORT_JOBS = '2026-12-02-0011-import-jobs';
const EXPORTS = '2026-12-02-0012-exports';
const REDUNDANT_ORGANIZATION_INDEX = '2026-12-02-0013-redundant-organization-index';
const IMPORT_REPORT_TOKENS = '2026-12-02-0014-import-report-tokens';
/** Every migration, oldest first. */
const MIGRATIONS = [
  FOUNDATION,
  CONTACT_DATA,
  SEARCH_INDEXES,
  RANKED_SEARCH_INDEXES,
  IDENTITY_RESOLUTION,
  EVENTS_OUTBOX_ONLY,
  MERGES,
  CLUSTER_SCANS,
  CUSTOM_FIELD_SCHEMAS,
  IMPORT_SETTINGS,
  IMPORT_JOBS,
  EXPORTS,
  REDUNDANT_ORGANIZATION_INDEX,
  IMPORT_REPORT_TOKENS,
];

const APP_TABLES = [
  'audit_log',
  'claims',
  'clients',
  'cluster_members',
  'cluster_scans',
  'clusters',
  'contact_merges',
  'contact_moves',
  'contact_points',
  'contacts',
  'custom_field_schema_versions',
  'custom_field_schemas',
  'divisions',
  'events',
  'export_jobs',
  'external_sources',
  'grants',
  'import_csv_settings',
  'import_failures',
  'import_fingerprints',
  'import_jobs',
  'import_settings',
  'import_uploads',
  'interactions',
  'notes',
  'org_settings',
  'organizations',
  'orgs',
  'relationships',
  'resolution_reviews',
  'resolution_settings',
  'roles',
  'tokens',
  'users',
];

/**
 * The documented exceptions to "org_id leads every index": a client id and a username arrive at
 * the token endpoint without an organization, so they are unique across organizations.
 */
const LOGIN_INDEXES = [
  { table: 'clients', name: 'clients_login_key', columns: ['id'] },
  { table: 'users', name: 'users_login_key', columns: ['username_key'] },
];

/** Kysely's bookkeeping tables are Kysely's, not Kith's. */
function isKyselyTable(name: string): boolean {
  return name.startsWith('kysely_migration');
}

interface IndexShape {
  name: string;
  unique: boolean;
  columns: string[];
}

/** Every table of the database the connection works in (SQLite file, or PostgreSQL schema). */
async function tableNames(db: Kysely<DB>, dialect: DialectName): Promise<string[]> {
  const { rows } =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`
          select name from sqlite_master where type = 'table' and name not like 'sqlite_%'
        `.execute(db)
      : await sql<{ name: string }>`
          select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'
        `.execute(db);
  return rows.map((r) => r.name).sort();
}

async function kithTableNames(db: Kysely<DB>, dialect: DialectName): Promise<string[]> {
  return (await tableNames(db, dialect)).filter((t) => !isKyselyTable(t));
}

async function columnNames(db: Kysely<DB>, dialect: DialectName, table: string): Promise<string[]> {
  const { rows } =
    dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from pragma_table_info(${table}) order by cid`.execute(db)
      : await sql<{ name: string }>`
          select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table}
          order by ordinal_position
        `.execute(db);
  return rows.map((r) => r.name);
}

async function primaryKey(db: Kysely<DB>, dialect: DialectName, table: string): Promise<string[]> {
  const { rows } =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`
          select name from pragma_table_info(${table}) where pk > 0 order by pk
        `.execute(db)
      : await sql<{ name: string }>`
          select kcu.column_name as name
          from information_schema.table_constraints tc
          join information_schema.key_column_usage kcu
            on kcu.constraint_schema = tc.constraint_schema
           and kcu.constraint_name = tc.constraint_name
           and kcu.table_name = tc.table_name
          where tc.constraint_type = 'PRIMARY KEY'
            and tc.table_schema = current_schema()
            and tc.table_name = ${table}
          order by kcu.ordinal_position
        `.execute(db);
  return rows.map((r) => r.name);
}

/** Every index of the table (those behind primary keys and unique constraints too), columns in order. */
async function indexes(db: Kysely<DB>, dialect: DialectName, table: string): Promise<IndexShape[]> {
  if (dialect === 'sqlite') {
    const list = await sql<{ name: string; unique: number }>`
      select name, "unique" from pragma_index_list(${table})
    `.execute(db);
    const result: IndexShape[] = [];
    for (const index of list.rows) {
      const info = await sql<{ name: string }>`
        select name from pragma_index_info(${index.name}) order by seqno
      `.execute(db);
      result.push({
        name: index.name,
        unique: index.unique === 1,
        columns: info.rows.map((r) => r.name),
      });
    }
    return result;
  }
  const { rows } = await sql<{ name: string; unique: boolean; columns: string }>`
    select i.indexname as name,
           x.indisunique as unique,
           array_to_string(array(
             select a.attname
             from unnest(x.indkey::int2[]) with ordinality as k(attnum, ord)
             join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum
             order by k.ord
           ), ',') as columns
    from pg_indexes i
    join pg_namespace n on n.nspname = i.schemaname
    join pg_class c on c.relname = i.indexname and c.relnamespace = n.oid
    join pg_index x on x.indexrelid = c.oid
    where i.schemaname = current_schema() and i.tablename = ${table}
  `.execute(db);
  return rows.map((r) => ({ name: r.name, unique: r.unique, columns: r.columns.split(',') }));
}

function isLoginIndex(dialect: DialectName, table: string, index: IndexShape): boolean {
  return LOGIN_INDEXES.some(
    (login) =>
      login.table === table &&
      index.unique &&
      index.columns.join(',') === login.columns.join(',') &&
      // SQLite names the indexes behind constraints itself (sqlite_autoindex_*).
      (dialect === 'sqlite' || index.name === login.name),
  );
}

for (const dialect of DIALECTS) {
  describe(`migrations (${dialect})`, () => {
    const freshDatabase = freshDatabases(dialect, { migrate: false });

    it('applies every migration to an empty database', async () => {
      const { db } = await freshDatabase();
      expect(await kithTableNames(db, dialect)).toEqual([]);

      expect(await migrateToLatest(db, dialect)).toEqual(MIGRATIONS);

      expect(await kithTableNames(db, dialect)).toEqual(APP_TABLES);
    });

    it('does nothing when the database is already at the latest migration', async () => {
      const { db } = await freshDatabase();
      await migrateToLatest(db, dialect);
      const org = await createOrganization(db, 'Survivor');

      expect(await migrateToLatest(db, dialect)).toEqual([]);

      expect(await kithTableNames(db, dialect)).toEqual(APP_TABLES);
      const orgs = await db.selectFrom('orgs').select('id').execute();
      expect(orgs.map((o) => o.id)).toEqual([org.id]);
    });

    it('reverts every migration, dropping every table it made', async () => {
      const { db } = await freshDatabase();
      await migrateToLatest(db, dialect);
      await createOrganization(db, 'Doomed');

      expect(await migrateToEmpty(db, dialect)).toEqual([...MIGRATIONS].reverse());

      expect(await kithTableNames(db, dialect)).toEqual([]);
    });

    it('migrates up again after reverting everything, to an empty and working schema', async () => {
      const { db } = await freshDatabase();
      await migrateToLatest(db, dialect);
      await createOrganization(db, 'Before');
      await migrateToEmpty(db, dialect);

      expect(await migrateToLatest(db, dialect)).toEqual(MIGRATIONS);

      expect(await kithTableNames(db, dialect)).toEqual(APP_TABLES);
      expect(await db.selectFrom('orgs').select('id').execute()).toEqual([]);
      const org = await createOrganization(db, 'Before');
      expect(org.name).toBe('Before');
    });

    it('reverts the last migration with migrateDown, and nothing once none is left', async () => {
      const { db } = await freshDatabase();
      await migrateToLatest(db, dialect);

      for (const name of [...MIGRATIONS].reverse()) {
        expect(await migrateDown(db, dialect)).toEqual([name]);
      }
      expect(await kithTableNames(db, dialect)).toEqual([]);
      expect(await migrateDown(db, dialect)).toEqual([]);
    });

    /** Another connection to the same database, as a second Kith process would open it. */
    function secondConnection(database: TestDatabase): Database {
      return database.location.pgSchema === undefined
        ? openDatabase({ sqliteFile: database.location.sqliteFile ?? '' })
        : openDatabase({
            url: process.env.KITH_TEST_DATABASE_URL,
            pgSchema: database.location.pgSchema,
          });
    }

    // Kysely takes no migration lock on SQLite: there, one process migrates at a time (README).
    it.skipIf(dialect === 'sqlite')(
      'applies the migration once when several connections migrate one database at once',
      async () => {
        const database = await freshDatabase();
        const others = [secondConnection(database), secondConnection(database)];
        try {
          const applied = await Promise.all([
            migrateToLatest(database.db, dialect),
            ...others.map((other) => migrateToLatest(other.db, dialect)),
          ]);
          expect(applied.flat()).toEqual(MIGRATIONS);
          expect(await kithTableNames(database.db, dialect)).toEqual(APP_TABLES);
        } finally {
          for (const other of others) await other.destroy();
        }
      },
    );

    describe('the foundation schema', () => {
      let db: Kysely<DB>;

      beforeAll(async () => {
        const database = await freshDatabase();
        await migrateToLatest(database.db, dialect);
        db = database.db;
      });

      it('gives every table but orgs an org_id column', async () => {
        for (const table of APP_TABLES.filter((t) => t !== 'orgs')) {
          expect({ table, columns: await columnNames(db, dialect, table) }).toEqual({
            table,
            columns: expect.arrayContaining(['org_id']),
          });
        }
        expect(await columnNames(db, dialect, 'orgs')).not.toContain('org_id');
      });

      it('leads every primary key with org_id', async () => {
        for (const table of APP_TABLES.filter((t) => t !== 'orgs')) {
          const key = await primaryKey(db, dialect, table);
          // org_settings holds one row per organization: org_id is its whole key.
          expect({
            table,
            first: key[0],
            length: key.length > 1 || table === 'org_settings',
          }).toEqual({
            table,
            first: 'org_id',
            length: true,
          });
        }
        expect(await primaryKey(db, dialect, 'orgs')).toEqual(['id']);
      });

      it('leads every index with org_id, but for the two login indexes', async () => {
        let checked = 0;
        for (const table of APP_TABLES.filter((t) => t !== 'orgs')) {
          for (const index of await indexes(db, dialect, table)) {
            if (isLoginIndex(dialect, table, index)) continue;
            expect({ table, index: index.name, first: index.columns[0] }).toEqual({
              table,
              index: index.name,
              first: 'org_id',
            });
            checked += 1;
          }
        }
        // At least every table's primary key was found and checked.
        expect(checked).toBeGreaterThanOrEqual(APP_TABLES.length - 1);
      });

      it('keeps client ids and usernames unique across organizations with the login indexes', async () => {
        for (const login of LOGIN_INDEXES) {
          const found = (await indexes(db, dialect, login.table)).filter((index) =>
            isLoginIndex(dialect, login.table, index),
          );
          expect({ login: login.name, found: found.length }).toEqual({
            login: login.name,
            found: 1,
          });
        }
      });

      it('finds the orgs and Kysely tables outside the rule, and only them', async () => {
        const all = await tableNames(db, dialect);
        expect(all.filter((t) => !APP_TABLES.includes(t)).sort()).toEqual([
          'kysely_migration',
          'kysely_migration_lock',
        ]);
      });
    });
  });
}
