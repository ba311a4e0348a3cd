import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * Identity resolution (SPEC §5) and retention (SPEC §3):
 * - contacts.last_seen_at: for Ephemeral and Identified contacts, the hour (rounded up) of their
 *   last meaningful interaction; retention counts from it, so a changed retention period applies
 *   at once. Null for contacts that never expire. Rounding to the hour means most interactions
 *   leave the row alone: it moves at most once an hour.
 * - interactions: every interaction linked to a contact, with why it was linked.
 * - resolution_settings: per channel, whether and where resolution creates contacts.
 * - resolution_reviews: ambiguous results waiting for an agent.
 * - org_settings.retention_days: the retention period (null: 60 days).
 * - claims keyed by identifier first: (org, entity type, type, value, source, division). The key of
 *   0002 led with the division, so a lookup across divisions (a principal that sees every
 *   division) read every claim; a second index would cost every claim insert a third B-tree.
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema.alterTable('contacts').addColumn('last_seen_at', t.timestamp).execute();
  await db
    .updateTable('contacts')
    .set({ last_seen_at: sql.ref('modified_at') })
    .where('type', 'in', ['Ephemeral', 'Identified'])
    .execute();
  await db.schema
    .createIndex('contacts_last_seen_idx')
    .on('contacts')
    .columns(['org_id', 'last_seen_at'])
    .execute();

  await db.schema.alterTable('org_settings').addColumn('retention_days', 'integer').execute();

  await rekeyClaims(db, dialect, CLAIMS_KEY_BY_VALUE);

  await db.schema
    .createTable('interactions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('authenticated', 'integer', (c) => c.notNull())
    .addColumn('occurred_at', t.timestamp, (c) => c.notNull())
    .addColumn('conversation_id', 'text')
    .addColumn('communication_id', 'text')
    .addColumn('media_type', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('matched_type', 'text')
    .addColumn('matched_value', 'text')
    .addColumn('matched_via', 'text')
    .addColumn('candidates', t.json)
    .addColumn('identifiers', t.json, (c) => c.notNull())
    .addColumn('principal_id', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('interactions_pk', ['org_id', 'id'])
    // The journey expires with its contact (Genesys: "including journey information").
    .addForeignKeyConstraint(
      'interactions_contact_fk',
      ['org_id', 'contact_id'],
      'contacts',
      ['org_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('interactions_contact_idx')
    .on('interactions')
    .columns(['org_id', 'contact_id', 'occurred_at', 'id'])
    .execute();
  await db.schema
    .createIndex('interactions_conversation_idx')
    .on('interactions')
    .columns(['org_id', 'conversation_id'])
    .execute();

  await db.schema
    .createTable('resolution_settings')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('resolve_identities', 'integer', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('external_source_id', 'text')
    .addColumn('create_contacts', 'integer', (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('resolution_settings_pk', ['org_id', 'channel'])
    .execute();

  await db.schema
    .createTable('resolution_reviews')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('interaction_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('matched_type', 'text', (c) => c.notNull())
    .addColumn('matched_value', 'text', (c) => c.notNull())
    .addColumn('matched_via', 'text', (c) => c.notNull())
    .addColumn('candidates', t.json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution', t.json)
    .addColumn('resolved_by', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('resolved_at', t.timestamp)
    .addPrimaryKeyConstraint('resolution_reviews_pk', ['org_id', 'id'])
    // A review goes with the interaction it is about (and so with its contact).
    .addForeignKeyConstraint(
      'resolution_reviews_interaction_fk',
      ['org_id', 'interaction_id'],
      'interactions',
      ['org_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('resolution_reviews_status_idx')
    .on('resolution_reviews')
    .columns(['org_id', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('resolution_reviews_interaction_idx')
    .on('resolution_reviews')
    .columns(['org_id', 'interaction_id'])
    .execute();
}

const CLAIMS_KEY_BY_DIVISION = [
  'org_id',
  'entity_type',
  'division_key',
  'type',
  'source_key',
  'value',
] as const;
const CLAIMS_KEY_BY_VALUE = [
  'org_id',
  'entity_type',
  'type',
  'value',
  'source_key',
  'division_key',
] as const;

/** Rebuilds the claims table with another primary key, keeping every claim. */
async function rekeyClaims(
  db: Kysely<any>,
  dialect: DialectName,
  key: typeof CLAIMS_KEY_BY_VALUE | typeof CLAIMS_KEY_BY_DIVISION,
): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('claims_rekeyed')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('division_key', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint(`claims_pk_${key[2]}`, [...key])
    .execute();
  await db.insertInto('claims_rekeyed').expression(db.selectFrom('claims').selectAll()).execute();
  await db.schema.dropIndex('claims_entity_idx').execute();
  await db.schema.dropTable('claims').execute();
  await db.schema.alterTable('claims_rekeyed').renameTo('claims').execute();
  // By entity id before type: an index that starts (org, entity type) looks like a way into
  // an identifier lookup too, and PostgreSQL chose it for a generic plan while the table was
  // small, then scanned every claim once it was not.
  await db.schema
    .createIndex('claims_entity_idx')
    .on('claims')
    .columns(['org_id', 'entity_id', 'entity_type'])
    .execute();
}

export async function down(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema.dropTable('resolution_reviews').execute();
  await db.schema.dropTable('resolution_settings').execute();
  await db.schema.dropTable('interactions').execute();
  await rekeyClaims(db, dialect, CLAIMS_KEY_BY_DIVISION);
  await db.schema.alterTable('org_settings').dropColumn('retention_days').execute();
  await db.schema.dropIndex('contacts_last_seen_idx').execute();
  await db.schema.alterTable('contacts').dropColumn('last_seen_at').execute();
}
