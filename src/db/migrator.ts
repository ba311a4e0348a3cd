import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import type { DialectName } from './database.js';
import * as foundation from './migrations/2026-11-28-0001-foundation.js';

interface DialectMigration {
  up(db: Kysely<any>, dialect: DialectName): Promise<void>;
  down(db: Kysely<any>, dialect: DialectName): Promise<void>;
}

/** Every migration, oldest first, named by date so the order is the order of writing. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '2026-11-28-0001-foundation': foundation,
};

function migrator(db: Kysely<any>, dialect: DialectName): Migrator {
  return new Migrator({
    db,
    provider: {
      async getMigrations(): Promise<Record<string, Migration>> {
        return Object.fromEntries(
          Object.entries(MIGRATIONS).map(([name, m]) => [
            name,
            { up: (d: Kysely<any>) => m.up(d, dialect), down: (d: Kysely<any>) => m.down(d, dialect) },
          ]),
        );
      },
    },
  });
}

function check(result: MigrationResultSet): string[] {
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(result.error)}`, { cause: result.error });
  }
  return (result.results ?? []).map((r) => r.migrationName);
}

/** Applies every pending migration; returns the names applied. Safe to run from several processes. */
export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  return check(await migrator(db, dialect).migrateToLatest());
}

/** Reverts the most recent migration; returns its name (empty when none was applied). */
export async function migrateDown(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  return check(await migrator(db, dialect).migrateDown());
}

/** Reverts every migration. */
export async function migrateToEmpty(db: Kysely<any>, dialect: DialectName): Promise<string[]> {
  const { NO_MIGRATIONS } = await import('kysely');
  return check(await migrator(db, dialect).migrateTo(NO_MIGRATIONS));
}
