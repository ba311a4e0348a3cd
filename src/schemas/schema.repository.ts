import type { Kysely } from 'kysely';
import type { CustomFieldSchemaTable, CustomFieldSchemaVersionTable, DB } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import type { SchemaDocument, SchemaEntity } from './custom-field-schema.js';
import type { CustomFieldSchema, SchemaVersion } from './schema.js';

function rowToSchema(row: CustomFieldSchemaTable): CustomFieldSchema {
  return {
    orgId: row.org_id,
    id: row.id,
    entity: row.entity_type as SchemaEntity,
    name: row.name,
    enabled: row.enabled === 1,
    version: row.version,
    createdBy: row.created_by,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

function schemaToRow(s: CustomFieldSchema): CustomFieldSchemaTable {
  return {
    org_id: s.orgId,
    id: s.id,
    entity_type: s.entity,
    name: s.name,
    name_key: s.name.toLowerCase(),
    enabled: s.enabled ? 1 : 0,
    version: s.version,
    created_by: s.createdBy,
    created_at: s.createdAt,
    modified_at: s.modifiedAt,
  };
}

function rowToVersion(row: CustomFieldSchemaVersionTable, entity: string): SchemaVersion {
  return {
    orgId: row.org_id,
    schemaId: row.schema_id,
    entity: entity as SchemaEntity,
    version: row.version,
    name: row.name,
    enabled: row.enabled === 1,
    jsonSchema: parseJson<SchemaDocument>(row.json_schema),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

const VERSION_COLUMNS = [
  'v.org_id',
  'v.schema_id',
  'v.version',
  'v.name',
  'v.enabled',
  'v.json_schema',
  'v.created_by',
  'v.created_at',
  's.entity_type',
] as const;

export async function insertSchema(db: Kysely<DB>, schema: CustomFieldSchema): Promise<void> {
  await db.insertInto('custom_field_schemas').values(schemaToRow(schema)).execute();
}

/** Writes a version; versions are never changed afterwards. */
export async function insertSchemaVersion(db: Kysely<DB>, version: SchemaVersion): Promise<void> {
  await db
    .insertInto('custom_field_schema_versions')
    .values({
      org_id: version.orgId,
      schema_id: version.schemaId,
      version: version.version,
      name: version.name,
      enabled: version.enabled ? 1 : 0,
      json_schema: JSON.stringify(version.jsonSchema),
      created_by: version.createdBy,
      created_at: version.createdAt,
    })
    .execute();
}

/**
 * Moves a schema to its new current version if it is still at `expectedVersion`.
 * @returns false when another update got there first.
 */
export async function updateSchema(
  db: Kysely<DB>,
  schema: CustomFieldSchema,
  expectedVersion: number,
): Promise<boolean> {
  const { org_id: orgId, id, created_at: _c, created_by: _b, ...changes } = schemaToRow(schema);
  const result = await db
    .updateTable('custom_field_schemas')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findSchema(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<CustomFieldSchema | undefined> {
  const row = await db
    .selectFrom('custom_field_schemas')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToSchema(row);
}

export async function findSchemaByName(
  db: Kysely<DB>,
  orgId: string,
  entity: SchemaEntity,
  name: string,
): Promise<CustomFieldSchema | undefined> {
  const row = await db
    .selectFrom('custom_field_schemas')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('entity_type', '=', entity)
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  return row && rowToSchema(row);
}

/** The versions of one schema, with the columns a SchemaVersion is read from. */
function versionsOf(db: Kysely<DB>, orgId: string, schemaId: string) {
  return db
    .selectFrom('custom_field_schema_versions as v')
    .innerJoin('custom_field_schemas as s', (j) =>
      j.onRef('s.org_id', '=', 'v.org_id').onRef('s.id', '=', 'v.schema_id'),
    )
    .select(VERSION_COLUMNS)
    .where('v.org_id', '=', orgId)
    .where('v.schema_id', '=', schemaId);
}

export async function findSchemaVersion(
  db: Kysely<DB>,
  orgId: string,
  schemaId: string,
  version: number,
): Promise<SchemaVersion | undefined> {
  const row = await versionsOf(db, orgId, schemaId)
    .where('v.version', '=', version)
    .executeTakeFirst();
  return row && rowToVersion(row, row.entity_type);
}

/** Every version of a schema, oldest first. */
export async function listSchemaVersions(
  db: Kysely<DB>,
  orgId: string,
  schemaId: string,
): Promise<SchemaVersion[]> {
  const rows = await versionsOf(db, orgId, schemaId).orderBy('v.version').execute();
  return rows.map((row) => rowToVersion(row, row.entity_type));
}

/** The current version of every schema for these records, by name. */
export async function listCurrentSchemas(
  db: Kysely<DB>,
  orgId: string,
  entity: SchemaEntity,
): Promise<SchemaVersion[]> {
  const rows = await db
    .selectFrom('custom_field_schemas as s')
    .innerJoin('custom_field_schema_versions as v', (j) =>
      j
        .onRef('v.org_id', '=', 's.org_id')
        .onRef('v.schema_id', '=', 's.id')
        .onRef('v.version', '=', 's.version'),
    )
    .select(VERSION_COLUMNS)
    .where('s.org_id', '=', orgId)
    .where('s.entity_type', '=', entity)
    .orderBy('s.name_key')
    .orderBy('s.id')
    .execute();
  return rows.map((row) => rowToVersion(row, row.entity_type));
}

/** How many schemas the organization has, for contacts and organizations together. */
export async function countSchemas(db: Kysely<DB>, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('custom_field_schemas')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Whether any contact or organization (merged-away history included) is assigned the schema:
 * one probe of a partial index per table.
 */
export async function isSchemaInUse(db: Kysely<DB>, orgId: string, id: string): Promise<boolean> {
  const contact = await db
    .selectFrom('contacts')
    .select('id')
    .where('org_id', '=', orgId)
    .where('schema_id', '=', id)
    .limit(1)
    .executeTakeFirst();
  if (contact !== undefined) return true;
  const organization = await db
    .selectFrom('organizations')
    .select('id')
    .where('org_id', '=', orgId)
    .where('schema_id', '=', id)
    .limit(1)
    .executeTakeFirst();
  return organization !== undefined;
}

/** Deletes a schema with every version of it. */
export async function deleteSchema(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db
    .deleteFrom('custom_field_schema_versions')
    .where('org_id', '=', orgId)
    .where('schema_id', '=', id)
    .execute();
  await db
    .deleteFrom('custom_field_schemas')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}
