import type { Kysely } from 'kysely';

/*
 * Events are an outbox, read in id order for delivery; nothing reads them by entity (the audit
 * log answers "what happened to this contact"). Their entity index cost every event a random
 * B-tree page: a resolved interaction writes an event, so it was a fifth of the pages a batch of
 * resolutions dirtied.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_entity_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('events_entity_idx')
    .on('events')
    .columns(['org_id', 'entity_type', 'entity_id'])
    .execute();
}
