import type { Kysely } from 'kysely';

/*
 * Indexes that answer contact search from the index alone (measured in bench/RESULTS.md):
 * - the last-name and full-name key indexes carry division_id and id (and the full-name one the
 *   last-name key), so that the matches of a name prefix are counted and collected without
 *   reading a table row each, and the division filter is checked in the index;
 * - (org_id, id, …) walks contacts in id order with their keys at hand, so that the first page of
 *   a broad search ("mar") is found after a few thousand entries rather than after sorting all
 *   of its matches.
 * The key indexes of 0002 are prefixes of the new ones, so they go; the first-name key index
 * goes too: search finds first names through the full-name key, which starts with them.
 */

const OLD_KEY_INDEXES = ['first_name_key', 'last_name_key', 'full_name_key'] as const;

const SEARCH_INDEXES = {
  contacts_last_name_search_idx: ['org_id', 'last_name_key', 'division_id', 'id'],
  contacts_full_name_search_idx: ['org_id', 'full_name_key', 'last_name_key', 'division_id', 'id'],
  contacts_id_search_idx: ['org_id', 'id', 'division_id', 'last_name_key', 'full_name_key'],
} as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, columns] of Object.entries(SEARCH_INDEXES)) {
    await db.schema
      .createIndex(name)
      .on('contacts')
      .columns([...columns])
      .execute();
  }
  for (const column of OLD_KEY_INDEXES) {
    await db.schema.dropIndex(`contacts_${column}_idx`).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of OLD_KEY_INDEXES) {
    await db.schema
      .createIndex(`contacts_${column}_idx`)
      .on('contacts')
      .columns(['org_id', column])
      .execute();
  }
  for (const name of Object.keys(SEARCH_INDEXES)) {
    await db.schema.dropIndex(name).execute();
  }
}
