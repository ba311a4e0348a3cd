import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * The full External Contacts data model: search keys on contacts, contact points, identifier
 * claims, external sources, organizations, notes, relationships and per-organization settings.
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema.alterTable('contacts').addColumn('first_name_key', t.key).execute();
  await db.schema.alterTable('contacts').addColumn('last_name_key', t.key).execute();
  await db.schema.alterTable('contacts').addColumn('full_name_key', t.key).execute();
  await db.schema.alterTable('contacts').addColumn('external_organization_id', 'text').execute();
  for (const column of [
    'first_name_key',
    'last_name_key',
    'full_name_key',
    'external_organization_id',
  ]) {
    await db.schema
      .createIndex(`contacts_${column}_idx`)
      .on('contacts')
      .columns(['org_id', column])
      .execute();
  }

  // Where a contact can be reached or recognised: not unique (a household shares a phone).
  await db.schema
    .createTable('contact_points')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', t.key, (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_points_pk', ['org_id', 'kind', 'value', 'contact_id'])
    .addForeignKeyConstraint(
      'contact_points_contact_fk',
      ['org_id', 'contact_id'],
      'contacts',
      ['org_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('contact_points_contact_idx')
    .on('contact_points')
    .columns(['org_id', 'contact_id'])
    .execute();

  // Identifier claims: one holder per (division, type, source, value).
  await db.schema
    .createTable('claims')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('division_key', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('claims_pk', [
      'org_id',
      'entity_type',
      'division_key',
      'type',
      'source_key',
      'value',
    ])
    .execute();
  await db.schema
    .createIndex('claims_entity_idx')
    .on('claims')
    .columns(['org_id', 'entity_type', 'entity_id'])
    .execute();

  await db.schema
    .createTable('external_sources')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', t.key, (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('uri_template', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('external_sources_pk', ['org_id', 'id'])
    .addUniqueConstraint('external_sources_name_key', ['org_id', 'name_key'])
    .execute();

  await db.schema
    .createTable('organizations')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', t.key, (c) => c.notNull())
    .addColumn('company_type', 'text')
    .addColumn('industry', 'text')
    .addColumn('data', t.json, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('organizations_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('organizations_name_idx')
    .on('organizations')
    .columns(['org_id', 'name_key'])
    .execute();
  await db.schema
    .createIndex('organizations_division_idx')
    .on('organizations')
    .columns(['org_id', 'division_id', 'id'])
    .execute();

  await db.schema
    .createTable('notes')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('note_text', 'text', (c) => c.notNull())
    .addColumn('created_by_type', 'text')
    .addColumn('created_by_id', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('notes_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('notes_entity_idx')
    .on('notes')
    .columns(['org_id', 'entity_type', 'entity_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('relationships')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('external_organization_id', 'text', (c) => c.notNull())
    .addColumn('relationship', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('relationships_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('relationships_organization_idx')
    .on('relationships')
    .columns(['org_id', 'external_organization_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('relationships_user_idx')
    .on('relationships')
    .columns(['org_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('org_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('orgs.id').onDelete('cascade'))
    .addColumn('identifier_blocklist', t.json)
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'org_settings',
    'relationships',
    'notes',
    'organizations',
    'external_sources',
    'claims',
    'contact_points',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  for (const column of [
    'first_name_key',
    'last_name_key',
    'full_name_key',
    'external_organization_id',
  ]) {
    await db.schema.dropIndex(`contacts_${column}_idx`).execute();
  }
  for (const column of [
    'external_organization_id',
    'full_name_key',
    'last_name_key',
    'first_name_key',
  ]) {
    await db.schema.alterTable('contacts').dropColumn(column).execute();
  }
}
