import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { conflictOnDuplicate } from '../db/errors.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { badRequest, conflict, notFound } from '../errors/app-error.js';
import { recordChange } from '../events/change.repository.js';
import type { ChangeKind } from '../events/change.js';
import { Problems } from '../contacts/contact-validation.js';
import {
  CORE_TYPES,
  CORE_TYPE_NAMES,
  SCHEMA_LIMITS,
  checkSchemaInput,
  fieldsOf,
  type CoreTypeName,
  type FieldProblem,
  type SchemaEntity,
} from './custom-field-schema.js';
import { compileCustomFieldsCheck, type CustomFieldsCheck } from './custom-field-values.js';
import {
  countSchemas,
  deleteSchema as deleteSchemaRows,
  findSchema,
  findSchemaByName,
  findSchemaVersion,
  insertSchema,
  insertSchemaVersion,
  isSchemaInUse,
  listCurrentSchemas,
  listSchemaVersions as listVersionRows,
  updateSchema as updateSchemaRow,
} from './schema.repository.js';
import {
  schemasPath,
  schemaTopic,
  toCoretypeView,
  toDataSchemaView,
  type CoretypeView,
  type CustomFieldSchema,
  type SchemaRef,
  type SchemaVersion,
} from './schema.js';

const VIEW = 'externalContacts:customFields:view';
const ADD = 'externalContacts:customFields:add';
const EDIT = 'externalContacts:customFields:edit';
const DELETE = 'externalContacts:customFields:delete';

const RECORDS: Record<SchemaEntity, string> = { contact: 'contact', organization: 'organization' };

async function recordSchemaChange(
  db: Kysely<DB>,
  principal: Principal,
  kind: ChangeKind,
  before: SchemaVersion | null,
  after: SchemaVersion | null,
): Promise<void> {
  const subject = (after ?? before) as SchemaVersion;
  await recordChange(db, {
    orgId: principal.orgId,
    topic: schemaTopic(subject.entity, subject.schemaId),
    kind,
    entityType: 'schema',
    entityId: subject.schemaId,
    divisionId: null,
    principal,
    before: before && toDataSchemaView(before),
    after: after && toDataSchemaView(after),
  });
}

function throwProblems(problems: readonly FieldProblem[]): void {
  const all = new Problems();
  for (const p of problems) all.add(p.field, p.message);
  all.throwIfAny();
}

/** The schema of these records, or 404 (one of the other kind, or another tenant, is missing). */
async function requireSchema(
  db: Kysely<DB>,
  orgId: string,
  entity: SchemaEntity,
  id: string,
): Promise<CustomFieldSchema> {
  const schema = await findSchema(db, orgId, id);
  if (schema === undefined || schema.entity !== entity) throw notFound('Schema', id);
  return schema;
}

async function currentVersion(db: Kysely<DB>, schema: CustomFieldSchema): Promise<SchemaVersion> {
  const version = await findSchemaVersion(db, schema.orgId, schema.id, schema.version);
  if (version === undefined) throw notFound('Schema', schema.id);
  return version;
}

/** The current version of every schema of these records, by name. */
export async function listSchemas(
  db: Kysely<DB>,
  principal: Principal,
  entity: SchemaEntity,
): Promise<SchemaVersion[]> {
  requirePermission(principal, VIEW);
  return listCurrentSchemas(db, principal.orgId, entity);
}

/** @throws AppError 404 for a schema that is not one of these records' of the organization. */
export async function getSchema(
  db: Kysely<DB>,
  principal: Principal,
  entity: SchemaEntity,
  id: string,
): Promise<SchemaVersion> {
  requirePermission(principal, VIEW);
  return currentVersion(db, await requireSchema(db, principal.orgId, entity, id));
}

/** Every version of a schema, oldest first. @throws AppError 404. */
export async function listSchemaVersions(
  db: Kysely<DB>,
  principal: Principal,
  entity: SchemaEntity,
  id: string,
): Promise<SchemaVersion[]> {
  requirePermission(principal, VIEW);
  await requireSchema(db, principal.orgId, entity, id);
  return listVersionRows(db, principal.orgId, id);
}

/** One version of a schema; `versionId` is its number. @throws AppError 404. */
export async function getSchemaVersion(
  db: Kysely<DB>,
  principal: Principal,
  entity: SchemaEntity,
  id: string,
  versionId: string,
): Promise<SchemaVersion> {
  requirePermission(principal, VIEW);
  await requireSchema(db, principal.orgId, entity, id);
  const number = /^[1-9]\d{0,8}$/.test(versionId) ? Number(versionId) : undefined;
  const version =
    number === undefined ? undefined : await findSchemaVersion(db, principal.orgId, id, number);
  if (version === undefined) throw notFound(`Version ${versionId} of schema`, id);
  return version;
}

/**
 * Creates a schema, at version 1 (SPEC §7).
 * @throws AppError 400 naming every broken rule of the body (the document's, and the limit of
 * 20 schemas per organization, contact and organization schemas together); 409 for a name
 * another schema of these records has.
 */
export async function createSchema(
  db: Kysely<DB>,
  principal: Principal,
  entity: SchemaEntity,
  body: Record<string, unknown>,
): Promise<SchemaVersion> {
  requirePermission(principal, ADD);
  const { input, problems } = checkSchemaInput(body);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const count = await countSchemas(trx, principal.orgId);
        const all = [...problems];
        if (count >= SCHEMA_LIMITS.schemasPerOrg)
          all.push({
            field: 'name',
            message: `The organization has ${count} schemas; it can have at most ${SCHEMA_LIMITS.schemasPerOrg}, contact and organization schemas together. Disabled schemas count; delete one that no record uses`,
          });
        throwProblems(all);
        const checked = input as NonNullable<typeof input>;
        if (await findSchemaByName(trx, principal.orgId, entity, checked.name))
          throw conflict(`A ${RECORDS[entity]} schema named "${checked.name}" already exists`);
        const now = nowIso();
        const schema: CustomFieldSchema = {
          orgId: principal.orgId,
          id: newId(),
          entity,
          name: checked.name,
          enabled: checked.enabled ?? true,
          version: 1,
          createdBy: principal.id,
          createdAt: now,
          modifiedAt: now,
        };
        const version = versionOf(schema, checked.document);
        await insertSchema(trx, schema);
        await insertSchemaVersion(trx, version);
        await recordSchemaChange(trx, principal, 'created', null, version);
        return version;
      }),
    `A ${RECORDS[entity]} schema with that name already exists`,
  );
}

function versionOf(
  schema: CustomFieldSchema,
  jsonSchema: SchemaVersion['jsonSchema'],
): SchemaVersion {
  return {
    orgId: schema.orgId,
    schemaId: schema.id,
    entity: schema.entity,
    version: schema.version,
    name: schema.name,
    enabled: schema.enabled,
    jsonSchema,
    createdBy: schema.createdBy,
    createdAt: schema.modifiedAt,
  };
}

/**
 * Updates a schema: the body names the version it was made from, which must be the current
 * one, and becomes version n+1. Fields and enum options of the current version stay with their
 * types (they are disabled, never removed). `enabled: false` disables the schema: records that
 * have it keep it, no record is newly given it.
 * @throws AppError 400 naming every broken rule; 404; 409 when `version` is not the current
 * version (someone changed the schema since it was read) or the name is another schema's.
 */
export async function updateSchema(
  db: Kysely<DB>,
  principal: Principal,
  entity: SchemaEntity,
  id: string,
  body: Record<string, unknown>,
): Promise<SchemaVersion> {
  requirePermission(principal, EDIT);
  const named = body.version;
  if (typeof named !== 'number' || !Number.isInteger(named) || named < 1)
    throw badRequest(
      'version must name the current version of the schema, which this change is made to (GET the schema to read it)',
      'version',
    );
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const current = await requireSchema(trx, principal.orgId, entity, id);
        if (named !== current.version)
          throw conflict(
            `Schema ${current.name} is at version ${current.version}, not ${named}: it was changed since it was read. GET it, make the change again and PUT it with version ${current.version}`,
          );
        const before = await currentVersion(trx, current);
        const { input, problems } = checkSchemaInput(body, before.jsonSchema);
        throwProblems(problems);
        const checked = input as NonNullable<typeof input>;
        const holder = await findSchemaByName(trx, principal.orgId, entity, checked.name);
        if (holder !== undefined && holder.id !== id)
          throw conflict(`A ${RECORDS[entity]} schema named "${holder.name}" already exists`);
        const updated: CustomFieldSchema = {
          ...current,
          name: checked.name,
          enabled: checked.enabled ?? current.enabled,
          version: current.version + 1,
          modifiedAt: nowIso(),
        };
        if (!(await updateSchemaRow(trx, updated, current.version)))
          throw conflict(
            `Schema ${current.name} was changed by another request at the same time; try again`,
          );
        const version = { ...versionOf(updated, checked.document), createdBy: principal.id };
        await insertSchemaVersion(trx, version);
        await recordSchemaChange(trx, principal, 'updated', before, version);
        return version;
      }),
    `A ${RECORDS[entity]} schema with that name already exists`,
  );
}

/**
 * Deletes a schema that no record uses, with all its versions. A schema in use is disabled,
 * never deleted (SPEC §7).
 * @throws AppError 404; 409 when a contact or organization is assigned the schema.
 */
export async function deleteSchema(
  db: Kysely<DB>,
  principal: Principal,
  entity: SchemaEntity,
  id: string,
): Promise<void> {
  requirePermission(principal, DELETE);
  await db.transaction().execute(async (trx) => {
    const schema = await requireSchema(trx, principal.orgId, entity, id);
    if (await isSchemaInUse(trx, principal.orgId, id))
      throw conflict(
        `Schema ${schema.name} is assigned to ${RECORDS[entity]}s and cannot be deleted; disable it instead (PUT it with enabled: false): the records keep their custom fields and no record is newly given it`,
      );
    const before = await currentVersion(trx, schema);
    await deleteSchemaRows(trx, principal.orgId, id);
    await recordSchemaChange(trx, principal, 'deleted', before, null);
  });
}

/** The core types every schema is built from. */
export function listCoreTypes(principal: Principal, entity: SchemaEntity): CoretypeView[] {
  requirePermission(principal, VIEW);
  return CORE_TYPE_NAMES.map((name) => toCoretypeView(CORE_TYPES[name], entity));
}

/** @throws AppError 404 for a name that is not a core type. */
export function getCoreType(
  principal: Principal,
  entity: SchemaEntity,
  name: string,
): CoretypeView {
  requirePermission(principal, VIEW);
  if (!(CORE_TYPE_NAMES as readonly string[]).includes(name)) throw notFound('Core type', name);
  return toCoretypeView(CORE_TYPES[name as CoreTypeName], entity);
}

/** Requires the permission to read the schema limits. */
export function requireSchemaReader(principal: Principal): void {
  requirePermission(principal, VIEW);
}

/*
 * Compiled checks, one per (organization, schema, version). A version never changes once
 * written, so an entry is never stale; whether the schema is still enabled is read each time.
 * Least recently used entries go first past the cap.
 */
const MAX_COMPILED = 1000;
const compiled = new Map<string, CustomFieldsCheck>();

function cachedCheck(key: string): CustomFieldsCheck | undefined {
  const check = compiled.get(key);
  if (check !== undefined) {
    compiled.delete(key);
    compiled.set(key, check);
  }
  return check;
}

function cacheCheck(key: string, check: CustomFieldsCheck): void {
  compiled.set(key, check);
  if (compiled.size > MAX_COMPILED) {
    const oldest = compiled.keys().next().value;
    if (oldest !== undefined) compiled.delete(oldest);
  }
}

/**
 * The check of one schema version's custom fields, compiled once per process.
 * @throws AppError 400 naming `schema` when the schema is not one of these records' schemas,
 * has no such version, or is disabled (unless `allowDisabled`: a record keeping the schema it
 * already has).
 */
export async function loadCustomFieldsCheck(
  db: Kysely<DB>,
  orgId: string,
  kind: SchemaEntity,
  ref: SchemaRef,
  options: { allowDisabled?: boolean } = {},
): Promise<CustomFieldsCheck> {
  const schema = await findSchema(db, orgId, ref.id);
  if (schema === undefined || schema.entity !== kind)
    throw badRequest(
      `Schema ${ref.id} is not a ${RECORDS[kind]} schema of this organization (GET ${schemasPath(kind)} lists them)`,
      'schema',
    );
  if (!schema.enabled && options.allowDisabled !== true)
    throw badRequest(
      `Schema ${schema.name} (${schema.id}) is disabled and cannot be assigned; enable it (PUT it with enabled: true) or name another schema`,
      'schema',
    );
  const key = `${orgId}\u0000${kind}\u0000${ref.id}\u0000${ref.version}`;
  const cached = cachedCheck(key);
  if (cached !== undefined) return cached;
  const version = await findSchemaVersion(db, orgId, ref.id, ref.version);
  if (version === undefined)
    throw badRequest(
      `Schema ${schema.name} has no version ${ref.version}; its current version is ${schema.version}`,
      'schema',
    );
  const check = compileCustomFieldsCheck(
    `${version.name} (version ${version.version})`,
    fieldsOf(version.jsonSchema),
    version.jsonSchema.required ?? [],
  );
  cacheCheck(key, check);
  return check;
}

/**
 * The validator of one schema version's custom fields, for callers that check many records (the
 * import engine): load it once, call it for each record. The returned function is pure and
 * gives a human-readable problem per violation, each naming the field ("customFields.tier_enum
 * must be one of gold, silver"); an empty array means the values are valid. Null values count
 * as not set.
 * @throws AppError 400 naming `schema` when the schema or the version does not exist (or is a
 * schema of the other records), or the schema is disabled (a disabled schema cannot be newly
 * assigned; `allowDisabled` is for a record that keeps the schema it has).
 */
export async function loadCustomFieldsValidator(
  db: Kysely<DB>,
  orgId: string,
  kind: SchemaEntity,
  ref: SchemaRef,
  options: { allowDisabled?: boolean } = {},
): Promise<(customFields: Record<string, unknown>) => string[]> {
  const check = await loadCustomFieldsCheck(db, orgId, kind, ref, options);
  return (customFields) => check(customFields).map((problem) => problem.message);
}

/**
 * The current version of a schema of these records, to assign it by id alone.
 * @throws AppError 400 naming `schema` when there is no such schema.
 */
export async function latestSchemaRef(
  db: Kysely<DB>,
  orgId: string,
  kind: SchemaEntity,
  schemaId: string,
): Promise<SchemaRef> {
  const schema = await findSchema(db, orgId, schemaId);
  if (schema === undefined || schema.entity !== kind)
    throw badRequest(
      `Schema ${schemaId} is not a ${RECORDS[kind]} schema of this organization (GET ${schemasPath(kind)} lists them)`,
      'schema',
    );
  return { id: schema.id, version: schema.version };
}

/**
 * Checks a record's custom fields against the schema version it names (SPEC §7): custom fields
 * need a schema; a schema may be named without custom fields. A record that keeps the schema
 * version it had (`previous`) may keep a schema disabled since.
 * @throws AppError 400 naming `customFields` without a schema, `schema` for an unknown or
 * disabled schema, and every custom field that breaks a rule.
 */
export async function checkCustomFields(
  db: Kysely<DB>,
  orgId: string,
  kind: SchemaEntity,
  fields: {
    schema?: SchemaRef | undefined;
    customFields?: Record<string, unknown> | undefined;
  },
  previous?: { schema?: SchemaRef | undefined },
): Promise<void> {
  const { schema, customFields } = fields;
  if (schema === undefined) {
    if (customFields !== undefined && Object.keys(customFields).length > 0)
      throw badRequest(
        `customFields need a schema: name it with schema {id, version} (GET ${schemasPath(kind)} lists them)`,
        'customFields',
      );
    return;
  }
  const kept = previous?.schema?.id === schema.id && previous.schema.version === schema.version;
  const check = await loadCustomFieldsCheck(db, orgId, kind, schema, { allowDisabled: kept });
  if (customFields !== undefined) throwProblems(check(customFields));
}

/**
 * The custom field names of an organization's schemas for `entity`, in schema name order, each
 * once: of the enabled schemas (the import sample's columns), or of all of them (an export, whose
 * records may still carry the fields of a schema disabled since).
 */
export async function listCustomFieldNames(
  db: Kysely<DB>,
  orgId: string,
  entity: SchemaEntity,
  which: 'enabled' | 'all',
): Promise<string[]> {
  const names = new Set<string>();
  for (const version of await listCurrentSchemas(db, orgId, entity)) {
    if (which === 'enabled' && !version.enabled) continue;
    for (const field of fieldsOf(version.jsonSchema)) names.add(field.name);
  }
  return [...names];
}
