import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import type { DialectName } from './database.js';
import * as foundation from './migrations/2026-11-28-0001-foundation.js';
import * as contactData from './migrations/2026-11-28-0002-contact-data.js';
import * as searchIndexes from './migrations/2026-11-28-0003-search-indexes.js';
import * as rankedSearchIndexes from './migrations/2026-12-01-0004-ranked-search-indexes.js';
import * as identityResolution from './migrations/2026-12-01-0005-identity-resolution.js';
import * as eventsOutboxOnly from './migrations/2026-12-02-0006-events-outbox-only.js';
import * as merges from './migrations/2026-12-02-0007-merges.js';
import * as clusterScans from './migrations/2026-12-02-0008-cluster-scans.js';
import * as customFieldSchemas from './migrations/2026-12-02-0009-custom-field-schemas.js';
import * as importSettings from './migrations/2026-12-02-0010-import-settings.js';
import * as importJobs from './migrations/2026-12-02-0011-import-jobs.js';
import * as exportJobs from './migrations/2026-12-02-0012-exports.js';
import * as redundantOrganizationIndex from './migrations/2026-12-02-0013-redundant-organization-index.js';
import * as importReportTokens from './migrations/2026-12-02-0014-import-report-tokens.js';

interface DialectMigration {
  up(db: Kysely<any>, dialect: DialectName): Promise<void>;
  down(db: Kysely<any>, dialect: DialectName): Promise<void>;
}

/** Every migration, oldest first, named by date so the order is the order of writing. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '2026-11-28-0001-foundation': foundation,
  '2026-11-28-0002-contact-data': contactData,
  '2026-11-28-0003-search-indexes': searchIndexes,
  '2026-12-01-0004-ranked-search-indexes': rankedSearchIndexes,
  '2026-12-01-0005-identity-resolution': identityResolution,
  '2026-12-02-0006-events-outbox-only': eventsOutboxOnly,
  '2026-12-02-0007-merges': merges,
  '2026-12-02-0008-cluster-scans': clusterScans,
  '2026-12-02-0009-custom-field-schemas': customFieldSchemas,
  '2026-12-02-0010-import-settings': importSettings,
  '2026-12-02-0011-import-jobs': importJobs,
  '2026-12-02-0012-exports': exportJobs,
  '2026-12-02-0013-redundant-organization-index': redundantOrganizationIndex,
  '2026-12-02-0014-import-report-tokens': importReportTokens,
};

async function migrator(db: Kysely<any>, dialect: DialectName): Promise<Migrator> {
  // Kysely finds its bookkeeping tables by name across all schemas; pin them to the schema the
  // connection works in, so that several Kith databases can share one PostgreSQL database.
  const schema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]
          ?.schema
      : undefined;
  return new Migrator({
    db,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    provider: {
      async getMigrations(): Promise<Record<string, Migration>> {
        return Object.fromEntries(
          Object.entries(MIGRATIONS).map(([name, m]) => [
            name,
            {
              up: (d: Kysely<any>) => m.up(d, dialect),
              down: (d: Kysely<any>) => m.down(d, dialect),
            },
          ]),
        );
      },
    },
  });
}

function check(result: MigrationResultSet): string[] {
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `migration ${failed} failed: ${result.error instanceof Error ? result.error.message : JSON.stringify(result.error)}`,
      { cause: result.error },
    );
  }
  return (result.results ?? []).map((r) => r.migrationName);
}

/**
 * Applies every pending migration; returns the names applied. On PostgreSQL several processes
 * may run it at once (Kysely takes a lock); on SQLite, one process at a time.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  return check(await (await migrator(db, dialect)).migrateToLatest());
}

/** Reverts the most recent migration; returns its name (empty when none was applied). */
export async function migrateDown(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  return check(await (await migrator(db, dialect)).migrateDown());
}

/** Reverts every migration. */
export async function migrateToEmpty(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  const { NO_MIGRATIONS } = await import('kysely');
  return check(await (await migrator(db, dialect)).migrateTo(NO_MIGRATIONS));
}
