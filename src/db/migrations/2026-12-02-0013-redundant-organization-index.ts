import type { Kysely } from 'kysely';

/*
 * contacts_external_organization_id_idx (org_id, external_organization_id) is a prefix of
 * contacts_organization_idx (org_id, external_organization_id, id), which 0008 added: every
 * lookup the first serves the second serves too, and every contact written paid for both.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('contacts_external_organization_id_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('contacts_external_organization_id_idx')
    .on('contacts')
    .columns(['org_id', 'external_organization_id'])
    .execute();
}
