import type { Kysely } from 'kysely';

/*
 * import_jobs.report_token: the secret of a job's report download URLs, which, like an export's
 * and like Genesys's pre-signed URLs, are their own credential. Jobs made before it have none and
 * keep their authenticated report URLs.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('import_jobs').addColumn('report_token', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('import_jobs').dropColumn('report_token').execute();
}
