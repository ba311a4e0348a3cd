import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * Import settings (SPEC §8, Genesys `/import/settings` and `/import/csv/settings`):
 * - import_settings: how an import matches and merges contacts (`ContactImportSettings`): the
 *   matching criteria in order (JSON array), merge or update-first, the external source the
 *   imported records get, the fields it imports (JSON array). Names are unique per organization
 *   in any case (name_key, lower case).
 * - import_csv_settings: how the columns of a CSV file map to fields (`CsvSettings`), optionally
 *   tied to import settings. The foreign key keeps import settings from being deleted while CSV
 *   settings still use them (the service answers 409 first; the key covers a race). A NULL
 *   external_settings_id is not checked, on either dialect.
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('import_settings')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', t.key, (c) => c.notNull())
    .addColumn('matching_criteria', t.json, (c) => c.notNull())
    .addColumn('merge_contacts', 'integer', (c) => c.notNull())
    .addColumn('external_source_id', 'text', (c) => c.notNull())
    .addColumn('import_fields', t.json, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('import_settings_pk', ['org_id', 'id'])
    .addUniqueConstraint('import_settings_name_key', ['org_id', 'name_key'])
    .execute();
  await db.schema
    .createTable('import_csv_settings')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('external_settings_id', 'text')
    .addColumn('mappings', t.json, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('import_csv_settings_pk', ['org_id', 'id'])
    .addForeignKeyConstraint(
      'import_csv_settings_settings_fk',
      ['org_id', 'external_settings_id'],
      'import_settings',
      ['org_id', 'id'],
    )
    .execute();
  await db.schema
    .createIndex('import_csv_settings_settings_idx')
    .on('import_csv_settings')
    .columns(['org_id', 'external_settings_id', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_csv_settings').execute();
  await db.schema.dropTable('import_settings').execute();
}
