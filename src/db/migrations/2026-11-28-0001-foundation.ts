import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import { columnTypes } from './column-types.js';

/*
 * Tenancy, principals and the first slice of contacts. org_id leads every primary key and index
 * so that the schema can be distributed by tenant. Two indexes are the deliberate exceptions:
 * a client id and a username arrive at the token endpoint without an organization, so they are
 * unique across organizations (on Citus these lookups belong in a reference table).
 */
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const t = columnTypes(dialect);

  await db.schema
    .createTable('orgs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('divisions')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('home_division', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('divisions_pk', ['org_id', 'id'])
    .addUniqueConstraint('divisions_name_key', ['org_id', 'name_key'])
    .execute();

  await db.schema
    .createTable('roles')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('permissions', t.json, (c) => c.notNull())
    .addColumn('built_in', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('roles_pk', ['org_id', 'id'])
    .addUniqueConstraint('roles_name_key', ['org_id', 'name_key'])
    .execute();

  await db.schema
    .createTable('clients')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('authorized_grant_type', 'text', (c) => c.notNull())
    .addColumn('access_token_validity_seconds', 'integer')
    .addColumn('rate_limit_per_minute', 'integer')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('clients_pk', ['org_id', 'id'])
    .addUniqueConstraint('clients_login_key', ['id'])
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('username_key', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('title', 'text')
    .addColumn('department', 'text')
    .addColumn('division_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pk', ['org_id', 'id'])
    .addUniqueConstraint('users_login_key', ['username_key'])
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('role_id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('grants_pk', ['org_id', 'subject_id', 'role_id', 'division_id'])
    .addForeignKeyConstraint(
      'grants_role_fk',
      ['org_id', 'role_id'],
      'roles',
      ['org_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('grants_role_idx')
    .on('grants')
    .columns(['org_id', 'role_id'])
    .execute();
  await db.schema
    .createIndex('grants_division_idx')
    .on('grants')
    .columns(['org_id', 'division_id'])
    .execute();

  await db.schema
    .createTable('tokens')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('tokens_pk', ['org_id', 'token_hash'])
    .execute();
  await db.schema
    .createIndex('tokens_subject_idx')
    .on('tokens')
    .columns(['org_id', 'subject_id'])
    .execute();
  await db.schema
    .createIndex('tokens_expiry_idx')
    .on('tokens')
    .columns(['org_id', 'expires_at'])
    .execute();

  await db.schema
    .createTable('contacts')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text')
    .addColumn('middle_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('title', 'text')
    .addColumn('data', t.json, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('modified_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('contacts_division_idx')
    .on('contacts')
    .columns(['org_id', 'division_id', 'id'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('division_id', 'text')
    .addColumn('principal_id', 'text')
    .addColumn('payload', t.json, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('delivered_at', t.timestamp)
    .addPrimaryKeyConstraint('events_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('events_entity_idx')
    .on('events')
    .columns(['org_id', 'entity_type', 'entity_id'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('principal_type', 'text')
    .addColumn('principal_id', 'text')
    .addColumn('before', t.json)
    .addColumn('after', t.json)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_log_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('audit_log_entity_idx')
    .on('audit_log')
    .columns(['org_id', 'entity_type', 'entity_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_log',
    'events',
    'contacts',
    'tokens',
    'grants',
    'users',
    'clients',
    'roles',
    'divisions',
    'orgs',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
