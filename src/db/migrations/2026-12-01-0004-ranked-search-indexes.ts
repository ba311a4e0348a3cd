import type { Kysely } from 'kysely';

/*
 * Ranked contact search (bench/RESULTS.md) reads matches in (name key, id) order and stops at
 * the page: the key indexes put id right after the key, and carry division_id (and, for the
 * full-name one, the last-name key) so that the division filter and the arms' exclusion are
 * tested in the index. The id-ordered walk index of 0003 served a search that no longer walks.
 */

const OLD_INDEXES = {
  contacts_last_name_search_idx: ['org_id', 'last_name_key', 'division_id', 'id'],
  contacts_full_name_search_idx: ['org_id', 'full_name_key', 'last_name_key', 'division_id', 'id'],
  contacts_id_search_idx: ['org_id', 'id', 'division_id', 'last_name_key', 'full_name_key'],
} as const;

const NEW_INDEXES = {
  contacts_last_name_rank_idx: ['org_id', 'last_name_key', 'id', 'division_id'],
  contacts_full_name_rank_idx: ['org_id', 'full_name_key', 'id', 'last_name_key', 'division_id'],
} as const;

async function createIndexes(db: Kysely<any>, indexes: Record<string, readonly string[]>) {
  for (const [name, columns] of Object.entries(indexes)) {
    await db.schema
      .createIndex(name)
      .on('contacts')
      .columns([...columns])
      .execute();
  }
}

async function dropIndexes(db: Kysely<any>, indexes: Record<string, readonly string[]>) {
  for (const name of Object.keys(indexes)) await db.schema.dropIndex(name).execute();
}

export async function up(db: Kysely<any>): Promise<void> {
  await createIndexes(db, NEW_INDEXES);
  await dropIndexes(db, OLD_INDEXES);
}

export async function down(db: Kysely<any>): Promise<void> {
  await createIndexes(db, OLD_INDEXES);
  await dropIndexes(db, NEW_INDEXES);
}
