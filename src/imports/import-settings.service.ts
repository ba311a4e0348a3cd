import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { conflictOnDuplicate } from '../db/errors.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { badRequest, conflict, notFound, type AppError } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { recordChange } from '../events/change.repository.js';
import type { ChangeKind } from '../events/change.js';
import { existingExternalSourceIds } from '../external-sources/external-source.repository.js';
import {
  checkCsvSettings,
  checkImportSettings,
  checkPageSize,
  parseSortOrder,
  toCsvSettingsView,
  toImportSettingsView,
  type CsvSettings,
  type CsvSettingsInput,
  type ImportSettings,
  type ImportSettingsInput,
} from './import-settings.js';
import {
  csvSettingsIdsUsing,
  deleteCsvSettings as deleteCsvRow,
  deleteImportSettings as deleteSettingsRow,
  findCsvSettings,
  findImportSettings,
  findImportSettingsByName,
  insertCsvSettings,
  insertImportSettings,
  isForeignKeyViolation,
  listCsvSettings as listCsvRows,
  listImportSettings as listSettingsRows,
  updateCsvSettings as updateCsvRow,
  updateImportSettings as updateSettingsRow,
} from './import-settings.repository.js';

/**
 * The lookups the import engine makes, without a principal: the job that names the settings was
 * authorized when it was created.
 */
export { findCsvSettings, findImportSettings };

const DUPLICATE_NAME = 'Import settings with that name already exist';

function nameTaken(name: string): AppError {
  return conflict(`Import settings named "${name}" already exist; names are unique in any case`, [
    { errorCode: ErrorCode.conflict, fieldName: 'name', entityName: name },
  ]);
}

function missingSettings(id: string): AppError {
  return badRequest(
    `Import settings ${id} do not exist; create them with POST /api/v2/externalcontacts/import/settings`,
    'externalSettingsId',
  );
}

async function recordSettingsChange(
  db: Kysely<DB>,
  principal: Principal,
  kind: ChangeKind,
  before: ImportSettings | null,
  after: ImportSettings | null,
): Promise<void> {
  const subject = (after ?? before) as ImportSettings;
  await recordChange(db, {
    orgId: principal.orgId,
    topic: `v2.externalcontacts.import.settings.${subject.id}`,
    kind,
    entityType: 'importSettings',
    entityId: subject.id,
    divisionId: null,
    principal,
    before: before && toImportSettingsView(before),
    after: after && toImportSettingsView(after),
  });
}

async function recordCsvChange(
  db: Kysely<DB>,
  principal: Principal,
  kind: ChangeKind,
  before: CsvSettings | null,
  after: CsvSettings | null,
): Promise<void> {
  const subject = (after ?? before) as CsvSettings;
  await recordChange(db, {
    orgId: principal.orgId,
    topic: `v2.externalcontacts.import.csv.settings.${subject.id}`,
    kind,
    entityType: 'csvSettings',
    entityId: subject.id,
    divisionId: null,
    principal,
    before: before && toCsvSettingsView(before),
    after: after && toCsvSettingsView(after),
  });
}

/** @throws AppError 400 naming externalSourceId when the organization has no such source. */
async function checkExternalSource(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  const known = await existingExternalSourceIds(db, orgId, [id]);
  if (!known.has(id))
    throw badRequest(
      `External source ${id} does not exist; create it with POST /api/v2/externalcontacts/externalsources`,
      'externalSourceId',
    );
}

/**
 * Fetches import settings.
 * @throws AppError 403 without importSettings:view, 404 when the organization has none by `id`.
 */
export async function getImportSettings(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<ImportSettings> {
  requirePermission(principal, 'externalContacts:importSettings:view');
  const settings = await findImportSettings(db, principal.orgId, id);
  if (!settings) throw notFound('Import settings', id);
  return settings;
}

/**
 * A page of import settings ordered by name (`sortOrder` Ascending, the default, or
 * Descending), `pageSize` 1 to 200, optionally only those whose name contains `name` in any
 * case; and the cursor of the next page.
 * @throws AppError 403 without importSettings:viewAll; 400 naming pageSize, sortOrder or after.
 */
export async function listImportSettings(
  db: Kysely<DB>,
  principal: Principal,
  options: {
    after?: string | undefined;
    pageSize: number;
    sortOrder?: string | undefined;
    name?: string | undefined;
  },
): Promise<{ settings: ImportSettings[]; next?: string }> {
  requirePermission(principal, 'externalContacts:importSettings:viewAll');
  const pageSize = checkPageSize(options.pageSize);
  const sortOrder = parseSortOrder(options.sortOrder);
  // The cursor carries its order: replayed with the other order it would skip or repeat.
  const scope = `importsettings:${sortOrder}`;
  const afterKey =
    options.after === undefined || options.after === ''
      ? undefined
      : decodeCursorAs(options.after, scope);
  const rows = await listSettingsRows(db, principal.orgId, {
    afterKey,
    limit: pageSize + 1,
    sortOrder,
    name: options.name?.trim(),
  });
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  return rows.length > pageSize && last !== undefined
    ? { settings: page, next: encodeCursor(last.name.toLowerCase(), scope) }
    : { settings: page };
}

/** decodeCursor, naming `after`, the parameter these listings take their cursor in. */
function decodeCursorAs(cursor: string, scope: string): string {
  try {
    return decodeCursor(cursor, scope);
  } catch {
    throw badRequest('after is not a cursor this listing issued (or it has expired)', 'after');
  }
}

/**
 * Creates import settings (rules: checkImportSettings).
 * @throws AppError 403 without importSettings:add; 400 naming the field that breaks a rule,
 *   externalSourceId when the source does not exist; 409 naming `name` when it is taken.
 */
export async function createImportSettings(
  db: Kysely<DB>,
  principal: Principal,
  input: ImportSettingsInput,
): Promise<ImportSettings> {
  requirePermission(principal, 'externalContacts:importSettings:add');
  const fields = checkImportSettings(input);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        await checkExternalSource(trx, principal.orgId, fields.externalSourceId);
        const holder = await findImportSettingsByName(trx, principal.orgId, fields.name);
        if (holder) throw nameTaken(holder.name);
        const now = nowIso();
        const settings: ImportSettings = {
          id: newId(),
          orgId: principal.orgId,
          ...fields,
          dateCreated: now,
        };
        await insertImportSettings(trx, settings, now);
        await recordSettingsChange(trx, principal, 'created', null, settings);
        return settings;
      }),
    DUPLICATE_NAME,
  );
}

/**
 * Replaces import settings (rules: checkImportSettings); id and dateCreated are kept, so a
 * GET-modify-PUT round trip works.
 * @throws AppError 403 without importSettings:edit; 404; 400 as createImportSettings; 409 naming
 *   `name` when other settings have it.
 */
export async function updateImportSettings(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: ImportSettingsInput,
): Promise<ImportSettings> {
  requirePermission(principal, 'externalContacts:importSettings:edit');
  const fields = checkImportSettings(input);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const current = await findImportSettings(trx, principal.orgId, id);
        if (!current) throw notFound('Import settings', id);
        await checkExternalSource(trx, principal.orgId, fields.externalSourceId);
        const holder = await findImportSettingsByName(trx, principal.orgId, fields.name);
        if (holder && holder.id !== id) throw nameTaken(holder.name);
        const updated: ImportSettings = { ...current, ...fields };
        await updateSettingsRow(trx, updated, nowIso());
        await recordSettingsChange(trx, principal, 'updated', current, updated);
        return updated;
      }),
    DUPLICATE_NAME,
  );
}

const USERS_NAMED = 10;

function settingsInUse(id: string, csvSettingsIds: readonly string[]): AppError {
  const named = csvSettingsIds.slice(0, USERS_NAMED);
  const more = csvSettingsIds.length > USERS_NAMED ? ' and others' : '';
  return conflict(
    `Import settings ${id} are used by CSV settings ${named.join(', ')}${more}; delete those or point them at other settings first`,
    named.map((csvId) => ({
      errorCode: ErrorCode.conflict,
      entityId: csvId,
      entityName: 'CsvSettings',
    })),
  );
}

/**
 * Deletes import settings that no CSV settings use.
 * @throws AppError 403 without importSettings:delete; 404; 409 naming the CSV settings that use
 *   them.
 */
export async function deleteImportSettings(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<void> {
  requirePermission(principal, 'externalContacts:importSettings:delete');
  try {
    await db.transaction().execute(async (trx) => {
      const current = await findImportSettings(trx, principal.orgId, id);
      if (!current) throw notFound('Import settings', id);
      const users = await csvSettingsIdsUsing(trx, principal.orgId, id, USERS_NAMED + 1);
      if (users.length > 0) throw settingsInUse(id, users);
      await deleteSettingsRow(trx, principal.orgId, id);
      await recordSettingsChange(trx, principal, 'deleted', current, null);
    });
  } catch (error) {
    // CSV settings made for these at the same moment, or another record that uses them.
    if (isForeignKeyViolation(error)) {
      const users = await csvSettingsIdsUsing(db, principal.orgId, id, USERS_NAMED + 1);
      if (users.length > 0) throw settingsInUse(id, users);
      throw conflict(`Import settings ${id} are in use and cannot be deleted`);
    }
    throw error;
  }
}

/**
 * Fetches CSV settings.
 * @throws AppError 403 without importCsvSettings:view, 404 when the organization has none by `id`.
 */
export async function getCsvSettings(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<CsvSettings> {
  requirePermission(principal, 'externalContacts:importCsvSettings:view');
  const settings = await findCsvSettings(db, principal.orgId, id);
  if (!settings) throw notFound('CSV settings', id);
  return settings;
}

/**
 * A page of CSV settings, oldest first, `pageSize` 1 to 200, optionally only those of the import
 * settings `externalSettingsId`; and the cursor of the next page.
 * @throws AppError 403 without importCsvSettings:view; 400 naming pageSize or after.
 */
export async function listCsvSettings(
  db: Kysely<DB>,
  principal: Principal,
  options: {
    after?: string | undefined;
    pageSize: number;
    externalSettingsId?: string | undefined;
  },
): Promise<{ settings: CsvSettings[]; next?: string }> {
  requirePermission(principal, 'externalContacts:importCsvSettings:view');
  const pageSize = checkPageSize(options.pageSize);
  const afterId =
    options.after === undefined || options.after === ''
      ? undefined
      : decodeCursorAs(options.after, 'csvsettings');
  const filter = options.externalSettingsId?.trim();
  const rows = await listCsvRows(db, principal.orgId, {
    afterId,
    limit: pageSize + 1,
    externalSettingsId: filter === '' ? undefined : filter,
  });
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  return rows.length > pageSize && last !== undefined
    ? { settings: page, next: encodeCursor(last.id, 'csvsettings') }
    : { settings: page };
}

/** Runs a CSV settings write, answering a reference to settings deleted meanwhile with 400. */
async function writingCsvSettings<T>(
  externalSettingsId: string | null,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isForeignKeyViolation(error) && externalSettingsId !== null)
      throw missingSettings(externalSettingsId);
    throw error;
  }
}

/**
 * Creates CSV settings (rules: checkCsvSettings).
 * @throws AppError 403 without importCsvSettings:add; 400 naming the field that breaks a rule,
 *   externalSettingsId when the import settings do not exist.
 */
export async function createCsvSettings(
  db: Kysely<DB>,
  principal: Principal,
  input: CsvSettingsInput,
): Promise<CsvSettings> {
  requirePermission(principal, 'externalContacts:importCsvSettings:add');
  const fields = checkCsvSettings(input);
  return writingCsvSettings(fields.externalSettingsId, () =>
    db.transaction().execute(async (trx) => {
      if (
        fields.externalSettingsId !== null &&
        !(await findImportSettings(trx, principal.orgId, fields.externalSettingsId))
      )
        throw missingSettings(fields.externalSettingsId);
      const now = nowIso();
      const settings: CsvSettings = {
        id: newId(),
        orgId: principal.orgId,
        ...fields,
        dateCreated: now,
      };
      await insertCsvSettings(trx, settings, now);
      await recordCsvChange(trx, principal, 'created', null, settings);
      return settings;
    }),
  );
}

/**
 * Replaces CSV settings (rules: checkCsvSettings); an absent externalSettingsId unties them.
 * @throws AppError 403 without importCsvSettings:edit; 404; 400 as createCsvSettings.
 */
export async function updateCsvSettings(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: CsvSettingsInput,
): Promise<CsvSettings> {
  requirePermission(principal, 'externalContacts:importCsvSettings:edit');
  const fields = checkCsvSettings(input);
  return writingCsvSettings(fields.externalSettingsId, () =>
    db.transaction().execute(async (trx) => {
      const current = await findCsvSettings(trx, principal.orgId, id);
      if (!current) throw notFound('CSV settings', id);
      if (
        fields.externalSettingsId !== null &&
        !(await findImportSettings(trx, principal.orgId, fields.externalSettingsId))
      )
        throw missingSettings(fields.externalSettingsId);
      const updated: CsvSettings = { ...current, ...fields };
      await updateCsvRow(trx, updated, nowIso());
      await recordCsvChange(trx, principal, 'updated', current, updated);
      return updated;
    }),
  );
}

/**
 * Deletes CSV settings.
 * @throws AppError 403 without importCsvSettings:delete; 404.
 */
export async function deleteCsvSettings(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<void> {
  requirePermission(principal, 'externalContacts:importCsvSettings:delete');
  await db.transaction().execute(async (trx) => {
    const current = await findCsvSettings(trx, principal.orgId, id);
    if (!current) throw notFound('CSV settings', id);
    await deleteCsvRow(trx, principal.orgId, id);
    await recordCsvChange(trx, principal, 'deleted', current, null);
  });
}
