import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * Merge and unmerge (SPEC §6):
 * - contacts.merged_to: the contact a merged-away contact went into. Its row stays as it was (the
 *   history `GET /contacts/{id}/unresolved` answers and unmerge restores), but without search keys
 *   or contact points, so that search, lookups and identity resolution no longer find it.
 * - contact_merges: one row per merge, keyed by the contact it made: the inputs, and the claims
 *   each held before the merge (the merged contact holds them meanwhile), and the fields the merge
 *   gave the merged contact, so that unmerge can tell which were changed since.
 * - contact_moves: a contact moved to another division is a new contact (SPEC §2); its old id
 *   keeps answering with the new one.
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema.alterTable('contacts').addColumn('merged_to', 'text').execute();
  await db.schema
    .createTable('contact_merges')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('input_ids', t.json, (c) => c.notNull())
    .addColumn('input_claims', t.json, (c) => c.notNull())
    .addColumn('result_fields', t.json, (c) => c.notNull())
    .addColumn('principal_id', 'text')
    .addColumn('merged_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_merges_pk', ['org_id', 'contact_id'])
    .addForeignKeyConstraint(
      'contact_merges_contact_fk',
      ['org_id', 'contact_id'],
      'contacts',
      ['org_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createTable('contact_moves')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('old_id', 'text', (c) => c.notNull())
    .addColumn('new_id', 'text', (c) => c.notNull())
    .addColumn('moved_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_moves_pk', ['org_id', 'old_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contact_moves').execute();
  await db.schema.dropTable('contact_merges').execute();
  await db.schema.alterTable('contacts').dropColumn('merged_to').execute();
}
