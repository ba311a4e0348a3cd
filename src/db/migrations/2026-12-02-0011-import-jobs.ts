import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * CSV import (SPEC §8, Genesys `import/csv/uploads` and `import/jobs`):
 * - import_uploads: a file announced by POST /uploads and then sent to Kith's own upload URL
 *   (its organization, id and random token), kept on disk under the data directory.
 * - import_jobs: one run of the engine over one file, with its state, its counts and its
 *   checkpoint (the byte offset and line after the last committed batch), so that a job whose
 *   process died resumes where it stopped. A lease (owner, until) says which process runs it.
 * - import_failures: every row a job could not import, with its line, the reason and its cells:
 *   the downloadable report. Written in the batch's transaction, so the report and the
 *   checkpoint always agree.
 * - import_fingerprints: a digest of every row imported, with the contact it made or updated, so
 *   that a re-run of the same file changes nothing and creates no duplicate.
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('import_uploads')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text')
    .addColumn('file_size', 'bigint', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('principal_type', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('uploaded_at', t.timestamp)
    .addPrimaryKeyConstraint('import_uploads_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createTable('import_jobs')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('settings_id', 'text', (c) => c.notNull())
    .addColumn('csv_settings_id', 'text')
    .addColumn('mappings', t.json, (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('default_country', 'text', (c) => c.notNull())
    .addColumn('dry_run_only', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_details', 'text')
    .addColumn('execution_step', 'text')
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('header', t.json)
    .addColumn('separator', 'text')
    .addColumn('next_offset', 'bigint', (c) => c.notNull())
    .addColumn('next_line', 'integer', (c) => c.notNull())
    .addColumn('dry_run_success', 'integer', (c) => c.notNull())
    .addColumn('dry_run_failed', 'integer', (c) => c.notNull())
    .addColumn('import_success', 'integer', (c) => c.notNull())
    .addColumn('import_failed', 'integer', (c) => c.notNull())
    .addColumn('created_count', 'integer', (c) => c.notNull())
    .addColumn('updated_count', 'integer', (c) => c.notNull())
    .addColumn('unchanged_count', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', t.timestamp)
    .addColumn('principal_type', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addColumn('completed_at', t.timestamp)
    .addPrimaryKeyConstraint('import_jobs_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('import_jobs_status_idx')
    .on('import_jobs')
    .columns(['org_id', 'status', 'id'])
    .execute();
  await db.schema
    .createTable('import_failures')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('cells', t.json, (c) => c.notNull())
    .addPrimaryKeyConstraint('import_failures_pk', ['org_id', 'job_id', 'phase', 'line'])
    .addForeignKeyConstraint(
      'import_failures_job_fk',
      ['org_id', 'job_id'],
      'import_jobs',
      ['org_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createTable('import_fingerprints')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text')
    .addColumn('organization_id', 'text')
    .addPrimaryKeyConstraint('import_fingerprints_pk', ['org_id', 'fingerprint'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_fingerprints').execute();
  await db.schema.dropTable('import_failures').execute();
  await db.schema.dropIndex('import_jobs_status_idx').execute();
  await db.schema.dropTable('import_jobs').execute();
  await db.schema.dropTable('import_uploads').execute();
}
