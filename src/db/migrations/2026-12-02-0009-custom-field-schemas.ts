import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * Custom-field schemas (SPEC §7, Genesys `contacts/schemas` and `organizations/schemas`):
 * - custom_field_schemas: one row per schema, for contacts or for organizations (entity_type),
 *   with what its current version says (name, enabled) and the number of that version. Names are
 *   unique per organization and entity type.
 * - custom_field_schema_versions: every version of every schema, written once and never changed
 *   (so a validator compiled from one is never stale). The JSON Schema document is kept as the
 *   text it was written as, not jsonb: jsonb reorders keys, and the order of the properties is
 *   the order of the fields.
 * - contacts.schema_id, organizations.schema_id: the schema a record is assigned (a copy of
 *   `schema.id` in its data), indexed only where set, so that "is this schema in use" is one
 *   index probe and records without a schema cost nothing.
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('custom_field_schemas')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('custom_field_schemas_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('custom_field_schemas_name_key')
    .on('custom_field_schemas')
    .columns(['org_id', 'entity_type', 'name_key'])
    .unique()
    .execute();
  await db.schema
    .createTable('custom_field_schema_versions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('schema_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('json_schema', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('custom_field_schema_versions_pk', ['org_id', 'schema_id', 'version'])
    .addForeignKeyConstraint(
      'custom_field_schema_versions_schema_fk',
      ['org_id', 'schema_id'],
      'custom_field_schemas',
      ['org_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();

  for (const table of ['contacts', 'organizations']) {
    await db.schema.alterTable(table).addColumn('schema_id', 'text').execute();
    const schemaId =
      dialect === 'postgres'
        ? sql`(data::jsonb -> 'schema' ->> 'id')`
        : sql`json_extract(data, '$.schema.id')`;
    await sql`update ${sql.table(table)} set schema_id = ${schemaId} where ${schemaId} is not null`.execute(
      db,
    );
    await db.schema
      .createIndex(`${table}_schema_idx`)
      .on(table)
      .columns(['org_id', 'schema_id'])
      .where(sql.ref('schema_id'), 'is not', null)
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['organizations', 'contacts']) {
    await db.schema.dropIndex(`${table}_schema_idx`).execute();
    await db.schema.alterTable(table).dropColumn('schema_id').execute();
  }
  await db.schema.dropTable('custom_field_schema_versions').execute();
  await db.schema.dropTable('custom_field_schemas').execute();
}
