import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * Exports (SPEC §8, Genesys `/contacts|organizations|notes|relationships/exports`): one row per
 * export asked for, with what it covers (the kind, the divisions the asker could read, the
 * filters and limit), its state and counts, and a lease (owner, until) naming the process that
 * writes its file. The file itself is kept under the data directory; `token` is the secret part
 * of its download URL, as a pre-signed URL's signature is.
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('export_jobs')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('division_ids', t.json, (c) => c.notNull())
    .addColumn('read_filter', t.json, (c) => c.notNull())
    .addColumn('query_conditions', t.json)
    .addColumn('row_limit', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_details', 'text')
    .addColumn('result_row_count', 'bigint')
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', t.timestamp)
    .addColumn('principal_type', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('completed_at', t.timestamp)
    .addPrimaryKeyConstraint('export_jobs_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('export_jobs_status_idx')
    .on('export_jobs')
    .columns(['org_id', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('export_jobs_kind_idx')
    .on('export_jobs')
    .columns(['org_id', 'kind', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('export_jobs_kind_idx').execute();
  await db.schema.dropIndex('export_jobs_status_idx').execute();
  await db.schema.dropTable('export_jobs').execute();
}
