import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { DB, ImportCsvSettingsTable, ImportSettingsTable } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import type { CsvMapping, CsvSettings, ImportField, ImportSettings } from './import-settings.js';
import type { MatchingCriterion, SortOrder } from './import-settings.js';

function rowToImportSettings(row: ImportSettingsTable): ImportSettings {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    matchingCriteria: parseJson<MatchingCriterion[]>(row.matching_criteria),
    mergeContacts: row.merge_contacts === 1,
    externalSourceId: row.external_source_id,
    importFields: parseJson<ImportField[]>(row.import_fields),
    dateCreated: row.created_at,
  };
}

function rowToCsvSettings(row: ImportCsvSettingsTable): CsvSettings {
  return {
    id: row.id,
    orgId: row.org_id,
    externalSettingsId: row.external_settings_id,
    mappings: parseJson<CsvMapping[]>(row.mappings),
    dateCreated: row.created_at,
  };
}

/** Whether a driver error is a foreign-key violation, on either dialect. */
export function isForeignKeyViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** `column LIKE '%part%'` with the part taken literally, on both dialects. */
function contains(column: Expression<unknown>, part: string): Expression<SqlBool> {
  const literal = part.replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<SqlBool>`${column} like ${`%${literal}%`} escape '\\'`;
}

/** The stored import settings `id` of the organization (what the import engine reads). */
export async function findImportSettings(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<ImportSettings | undefined> {
  const row = await db
    .selectFrom('import_settings')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToImportSettings(row);
}

/** The import settings whose name is `name` in any case. */
export async function findImportSettingsByName(
  db: Kysely<DB>,
  orgId: string,
  name: string,
): Promise<ImportSettings | undefined> {
  const row = await db
    .selectFrom('import_settings')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  return row && rowToImportSettings(row);
}

export async function insertImportSettings(
  db: Kysely<DB>,
  settings: ImportSettings,
  modifiedAt: string,
): Promise<void> {
  await db
    .insertInto('import_settings')
    .values({
      org_id: settings.orgId,
      id: settings.id,
      name: settings.name,
      name_key: settings.name.toLowerCase(),
      matching_criteria: JSON.stringify(settings.matchingCriteria),
      merge_contacts: settings.mergeContacts ? 1 : 0,
      external_source_id: settings.externalSourceId,
      import_fields: JSON.stringify(settings.importFields),
      created_at: settings.dateCreated,
      modified_at: modifiedAt,
    })
    .execute();
}

export async function updateImportSettings(
  db: Kysely<DB>,
  settings: ImportSettings,
  modifiedAt: string,
): Promise<void> {
  await db
    .updateTable('import_settings')
    .set({
      name: settings.name,
      name_key: settings.name.toLowerCase(),
      matching_criteria: JSON.stringify(settings.matchingCriteria),
      merge_contacts: settings.mergeContacts ? 1 : 0,
      external_source_id: settings.externalSourceId,
      import_fields: JSON.stringify(settings.importFields),
      modified_at: modifiedAt,
    })
    .where('org_id', '=', settings.orgId)
    .where('id', '=', settings.id)
    .execute();
}

export async function deleteImportSettings(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<void> {
  await db.deleteFrom('import_settings').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/**
 * One page of import settings ordered by name (in any case, unique in the organization), after
 * the name key `afterKey`, optionally only those whose name contains `name` in any case.
 */
export async function listImportSettings(
  db: Kysely<DB>,
  orgId: string,
  options: {
    afterKey?: string | undefined;
    limit: number;
    sortOrder: SortOrder;
    name?: string | undefined;
  },
): Promise<ImportSettings[]> {
  const descending = options.sortOrder === 'Descending';
  let query = db.selectFrom('import_settings').selectAll().where('org_id', '=', orgId);
  if (options.afterKey !== undefined)
    query = query.where('name_key', descending ? '<' : '>', options.afterKey);
  if (options.name !== undefined && options.name !== '') {
    const part = options.name.toLowerCase();
    query = query.where((eb) => contains(eb.ref('name_key'), part));
  }
  const rows = await query
    .orderBy('name_key', descending ? 'desc' : 'asc')
    .limit(options.limit)
    .execute();
  return rows.map(rowToImportSettings);
}

/** The stored CSV settings `id` of the organization (what the import engine reads). */
export async function findCsvSettings(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<CsvSettings | undefined> {
  const row = await db
    .selectFrom('import_csv_settings')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToCsvSettings(row);
}

/** The ids of the CSV settings that go with the import settings `settingsId`, at most `limit`. */
export async function csvSettingsIdsUsing(
  db: Kysely<DB>,
  orgId: string,
  settingsId: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('import_csv_settings')
    .select('id')
    .where('org_id', '=', orgId)
    .where('external_settings_id', '=', settingsId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function insertCsvSettings(
  db: Kysely<DB>,
  settings: CsvSettings,
  modifiedAt: string,
): Promise<void> {
  await db
    .insertInto('import_csv_settings')
    .values({
      org_id: settings.orgId,
      id: settings.id,
      external_settings_id: settings.externalSettingsId,
      mappings: JSON.stringify(settings.mappings),
      created_at: settings.dateCreated,
      modified_at: modifiedAt,
    })
    .execute();
}

export async function updateCsvSettings(
  db: Kysely<DB>,
  settings: CsvSettings,
  modifiedAt: string,
): Promise<void> {
  await db
    .updateTable('import_csv_settings')
    .set({
      external_settings_id: settings.externalSettingsId,
      mappings: JSON.stringify(settings.mappings),
      modified_at: modifiedAt,
    })
    .where('org_id', '=', settings.orgId)
    .where('id', '=', settings.id)
    .execute();
}

export async function deleteCsvSettings(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db
    .deleteFrom('import_csv_settings')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** One page of CSV settings ordered by id, after `afterId`, optionally of one import settings. */
export async function listCsvSettings(
  db: Kysely<DB>,
  orgId: string,
  options: { afterId?: string | undefined; limit: number; externalSettingsId?: string | undefined },
): Promise<CsvSettings[]> {
  let query = db.selectFrom('import_csv_settings').selectAll().where('org_id', '=', orgId);
  if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
  if (options.externalSettingsId !== undefined)
    query = query.where('external_settings_id', '=', options.externalSettingsId);
  const rows = await query.orderBy('id').limit(options.limit).execute();
  return rows.map(rowToCsvSettings);
}
