import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * Duplicate detection (SPEC §6, Genesys `graphs/clusterscans`):
 * - cluster_scans: one row per scan, with its state (running, completed, failed), progress,
 *   the divisions it covered (those of the principal who started it) and its statistics.
 * - clusters: the clusters of likely duplicates a scan found, each in one division, with its
 *   score, its reasons and its merge state.
 * - cluster_members: the contacts of each cluster; a contact is in at most one cluster of a scan
 *   (the primary key says so).
 * - contacts_organization_idx: the contacts of an organization, which the scan compares by name
 *   (and which GET /organizations/{id}/contacts reads).
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('cluster_scans')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'double precision', (c) => c.notNull())
    .addColumn('principal_type', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('read_filter', t.json, (c) => c.notNull())
    .addColumn('statistics', t.json)
    .addColumn('error', 'text')
    .addColumn('started_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addColumn('completed_at', t.timestamp)
    .addPrimaryKeyConstraint('cluster_scans_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('cluster_scans_status_idx')
    .on('cluster_scans')
    .columns(['org_id', 'status', 'id'])
    .execute();
  await db.schema
    .createTable('clusters')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('reasons', t.json, (c) => c.notNull())
    .addColumn('merge_status', 'text', (c) => c.notNull())
    .addColumn('merge_error', t.json)
    .addColumn('merged_contact_id', 'text')
    .addColumn('merged_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('clusters_pk', ['org_id', 'scan_id', 'id'])
    .addForeignKeyConstraint(
      'clusters_scan_fk',
      ['org_id', 'scan_id'],
      'cluster_scans',
      ['org_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createTable('cluster_members')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('cluster_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cluster_members_pk', ['org_id', 'scan_id', 'contact_id'])
    .addForeignKeyConstraint(
      'cluster_members_cluster_fk',
      ['org_id', 'scan_id', 'cluster_id'],
      'clusters',
      ['org_id', 'scan_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('cluster_members_cluster_idx')
    .on('cluster_members')
    .columns(['org_id', 'scan_id', 'cluster_id'])
    .execute();
  await db.schema
    .createIndex('contacts_organization_idx')
    .on('contacts')
    .columns(['org_id', 'external_organization_id', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('contacts_organization_idx').execute();
  await db.schema.dropTable('cluster_members').execute();
  await db.schema.dropTable('clusters').execute();
  await db.schema.dropTable('cluster_scans').execute();
}
