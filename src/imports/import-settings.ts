import { isImportTarget } from '../csv/columns.js';
import { badRequest } from '../errors/app-error.js';
import { Problems } from '../contacts/contact-validation.js';

/*
 * The two settings an import runs with (SPEC §8, Genesys `/import/settings` and
 * `/import/csv/settings`): how it matches and merges contacts, and how the columns of a CSV file
 * map to fields. The rules here need no I/O; the service checks what needs the database (unique
 * names, existing external sources and settings).
 */

/**
 * A way an import finds the contact a row is about. The engine always tries `ExternalId` first
 * (the external id of the settings' external source), whether the criteria list it or not, and
 * then the others in the order the criteria give them.
 */
export type MatchingCriterion = 'ExternalId' | 'Email' | 'Phone';

export const MATCHING_CRITERIA: readonly MatchingCriterion[] = ['ExternalId', 'Email', 'Phone'];

/** One field an import writes or leaves alone. */
export interface ImportField {
  name: string;
  included: boolean;
}

/** How an import matches and merges contacts (Genesys `ContactImportSettings`). */
export interface ImportSettings {
  id: string;
  orgId: string;
  /** 1 to 200 characters, unique in the organization in any case. */
  name: string;
  /**
   * The criteria after the external id, in the order they are tried, each at most once. The
   * engine tries the external id first whether it is listed here or not.
   */
  matchingCriteria: MatchingCriterion[];
  /**
   * true: merge and update all matched contacts (a conflict takes the CSV's value); false:
   * update the first matched contact only.
   */
  mergeContacts: boolean;
  /** The external source whose external ids the imported records carry; it must exist. */
  externalSourceId: string;
  /** Names unique (as mapping targets are: `customFields.*` exactly, others in any case). */
  importFields: ImportField[];
  dateCreated: string;
}

/** A CSV column and the field it is imported into. */
export interface CsvMapping {
  /** A CSV header, matched against the file's headers case-insensitively. */
  sourceField: string;
  /** A field an import can write (`firstName`, `address.city`, `customFields.tier_enum`). */
  targetField: string;
}

/** How the columns of a CSV file map to fields (Genesys `CsvSettings`). */
export interface CsvSettings {
  id: string;
  orgId: string;
  /** The import settings these go with, or null. */
  externalSettingsId: string | null;
  /** 1 to 200, each source and each target at most once. */
  mappings: CsvMapping[];
  dateCreated: string;
}

export const IMPORT_SETTINGS_PATH = '/api/v2/externalcontacts/import/settings';
export const CSV_SETTINGS_PATH = '/api/v2/externalcontacts/import/csv/settings';

export const LIMITS = {
  name: 200,
  externalSourceId: 100,
  importFields: 200,
  importFieldName: 200,
  mappings: 200,
  sourceField: 500,
  targetField: 200,
  externalSettingsId: 100,
  pageSize: 200,
} as const;

/** The body of a ContactImportSettings write, after the route schema checked its JSON types. */
export interface ImportSettingsInput {
  name: string;
  matchingCriteria?: readonly string[] | null | undefined;
  mergeContacts: boolean;
  externalSourceId: string;
  importFields: readonly { name: string; included: boolean }[];
}

/** What a ContactImportSettings write sets, once its rules are checked. */
export type ImportSettingsFields = Pick<
  ImportSettings,
  'name' | 'matchingCriteria' | 'mergeContacts' | 'externalSourceId' | 'importFields'
>;

/** The body of a CsvSettings write, after the route schema checked its JSON types. */
export interface CsvSettingsInput {
  externalSettingsId?: string | null | undefined;
  mappings: readonly { sourceField: string; targetField: string }[];
}

/** What a CsvSettings write sets, once its rules are checked. */
export type CsvSettingsFields = Pick<CsvSettings, 'externalSettingsId' | 'mappings'>;

const CUSTOM_FIELDS_PREFIX = 'customFields.';

/**
 * The key two field names are the same under: a custom field's name is exact (`customFields.Tier`
 * and `customFields.tier` are two fields), the other fields are named in any case.
 */
export function fieldKey(name: string): string {
  return name.startsWith(CUSTOM_FIELDS_PREFIX) ? name : name.toLowerCase();
}

/** The canonical criterion a name spells in any case (`email` → `Email`), or undefined. */
export function matchingCriterion(name: string): MatchingCriterion | undefined {
  const key = name.trim().toLowerCase();
  return MATCHING_CRITERIA.find((c) => c.toLowerCase() === key);
}

/**
 * Checks a ContactImportSettings body: name 1 to 200 characters (trimmed); each matching
 * criterion one of ExternalId, Email, Phone in any case (kept canonical and in order), none
 * twice; an external source id; import field names non-empty and unique (see fieldKey).
 * Whether the name is free and the external source exists is the service's to check.
 * @throws AppError 400 naming every field that breaks a rule.
 */
export function checkImportSettings(input: ImportSettingsInput): ImportSettingsFields {
  const problems = new Problems();
  const name = input.name.trim();
  if (name === '' || name.length > LIMITS.name)
    problems.add('name', `name has ${name.length} characters; it has 1 to ${LIMITS.name}`);

  const matchingCriteria: MatchingCriterion[] = [];
  (input.matchingCriteria ?? []).forEach((given, i) => {
    const field = `matchingCriteria[${i}]`;
    const criterion = matchingCriterion(given);
    if (criterion === undefined)
      problems.add(field, `${field} "${given}" is not one of ${MATCHING_CRITERIA.join(', ')}`);
    else if (matchingCriteria.includes(criterion))
      problems.add(field, `${field} repeats ${criterion}; each criterion is listed at most once`);
    else matchingCriteria.push(criterion);
  });

  const externalSourceId = input.externalSourceId.trim();
  if (externalSourceId === '' || externalSourceId.length > LIMITS.externalSourceId)
    problems.add(
      'externalSourceId',
      `externalSourceId names an external source (1 to ${LIMITS.externalSourceId} characters)`,
    );

  if (input.importFields.length > LIMITS.importFields)
    problems.add(
      'importFields',
      `importFields has ${input.importFields.length} entries; the limit is ${LIMITS.importFields}`,
    );
  const importFields: ImportField[] = [];
  const fieldNames = new Map<string, number>();
  input.importFields.forEach((entry, i) => {
    const field = `importFields[${i}].name`;
    const fieldName = entry.name.trim();
    if (fieldName === '' || fieldName.length > LIMITS.importFieldName) {
      problems.add(field, `${field} has 1 to ${LIMITS.importFieldName} characters`);
      return;
    }
    const first = fieldNames.get(fieldKey(fieldName));
    if (first !== undefined) {
      problems.add(field, `${field} "${fieldName}" is already importFields[${first}]`);
      return;
    }
    fieldNames.set(fieldKey(fieldName), i);
    importFields.push({ name: fieldName, included: entry.included });
  });

  problems.throwIfAny();
  return {
    name,
    matchingCriteria,
    mergeContacts: input.mergeContacts,
    externalSourceId,
    importFields,
  };
}

/**
 * Checks a CsvSettings body: 1 to 200 mappings; each source field a non-empty CSV header
 * (trimmed), no two the same in any case; each target field one an import can write
 * (isImportTarget), no two the same (see fieldKey). An empty externalSettingsId is none; whether
 * a given one exists is the service's to check.
 * @throws AppError 400 naming every field that breaks a rule.
 */
export function checkCsvSettings(input: CsvSettingsInput): CsvSettingsFields {
  const problems = new Problems();
  const externalSettingsId = input.externalSettingsId?.trim() ?? '';
  if (externalSettingsId.length > LIMITS.externalSettingsId)
    problems.add(
      'externalSettingsId',
      `externalSettingsId has ${externalSettingsId.length} characters; the limit is ${LIMITS.externalSettingsId}`,
    );

  const count = input.mappings.length;
  if (count === 0 || count > LIMITS.mappings)
    problems.add('mappings', `mappings has ${count} entries; it has 1 to ${LIMITS.mappings}`);
  const mappings: CsvMapping[] = [];
  const sources = new Map<string, number>();
  const targets = new Map<string, number>();
  input.mappings.forEach((entry, i) => {
    const sourceName = `mappings[${i}].sourceField`;
    const targetName = `mappings[${i}].targetField`;
    const sourceField = entry.sourceField.trim();
    const targetField = entry.targetField.trim();
    let valid = true;
    if (sourceField === '' || sourceField.length > LIMITS.sourceField) {
      problems.add(
        sourceName,
        `${sourceName} is a CSV header of 1 to ${LIMITS.sourceField} characters`,
      );
      valid = false;
    } else {
      const first = sources.get(sourceField.toLowerCase());
      if (first === undefined) sources.set(sourceField.toLowerCase(), i);
      else {
        problems.add(
          sourceName,
          `${sourceName} "${sourceField}" is already mappings[${first}].sourceField (headers are compared in any case)`,
        );
        valid = false;
      }
    }
    if (targetField.length > LIMITS.targetField || !isImportTarget(targetField)) {
      problems.add(
        targetName,
        `${targetName} "${targetField}" is not a field an import can write; see GET /api/v2/externalcontacts/import/csv/sample`,
      );
      valid = false;
    } else {
      const first = targets.get(fieldKey(targetField));
      if (first === undefined) targets.set(fieldKey(targetField), i);
      else {
        problems.add(
          targetName,
          `${targetName} "${targetField}" is already mapped by mappings[${first}]; a field takes one column`,
        );
        valid = false;
      }
    }
    if (valid) mappings.push({ sourceField, targetField });
  });

  problems.throwIfAny();
  return { externalSettingsId: externalSettingsId === '' ? null : externalSettingsId, mappings };
}

export type SortOrder = 'Ascending' | 'Descending';

/**
 * The sort order of an import settings listing, `Ascending` (the default) or `Descending` in any
 * case.
 * @throws AppError 400 naming sortOrder.
 */
export function parseSortOrder(value: string | undefined): SortOrder {
  if (value === undefined || value.trim() === '') return 'Ascending';
  const key = value.trim().toLowerCase();
  if (key === 'ascending') return 'Ascending';
  if (key === 'descending') return 'Descending';
  throw badRequest(`sortOrder is Ascending or Descending, not "${value}"`, 'sortOrder');
}

/**
 * A listing's page size, 1 to 200.
 * @throws AppError 400 naming pageSize.
 */
export function checkPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > LIMITS.pageSize)
    throw badRequest(`pageSize must be between 1 and ${LIMITS.pageSize}`, 'pageSize');
  return pageSize;
}

/** The Genesys `ContactImportSettings` shape. */
export interface ImportSettingsView {
  id: string;
  name: string;
  matchingCriteria: MatchingCriterion[];
  mergeContacts: boolean;
  externalSourceId: string;
  importFields: ImportField[];
  dateCreated: string;
  selfUri: string;
}

export function toImportSettingsView(settings: ImportSettings): ImportSettingsView {
  return {
    id: settings.id,
    name: settings.name,
    matchingCriteria: settings.matchingCriteria,
    mergeContacts: settings.mergeContacts,
    externalSourceId: settings.externalSourceId,
    importFields: settings.importFields,
    dateCreated: settings.dateCreated,
    selfUri: `${IMPORT_SETTINGS_PATH}/${settings.id}`,
  };
}

/** The Genesys `CsvSettings` shape (no externalSettingsId when there is none). */
export interface CsvSettingsView {
  id: string;
  externalSettingsId?: string;
  mappings: CsvMapping[];
  selfUri: string;
}

export function toCsvSettingsView(settings: CsvSettings): CsvSettingsView {
  return {
    id: settings.id,
    ...(settings.externalSettingsId === null
      ? {}
      : { externalSettingsId: settings.externalSettingsId }),
    mappings: settings.mappings,
    selfUri: `${CSV_SETTINGS_PATH}/${settings.id}`,
  };
}
