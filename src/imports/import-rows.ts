import { createHash } from 'node:crypto';
import {
  IMPORT_TARGET_NAMES,
  isImportTarget,
  targetWriter,
  unescapeFormula,
  type RowInput,
} from '../csv/columns.js';
import type { ContactFields } from '../contacts/contact.js';
import type { PhoneNumber } from '../contacts/phone.js';
import type { OrganizationFields } from '../organizations/organization.js';
import { CsvFileError } from './csv-file.js';
import type { CsvMapping } from './import-settings.js';

/*
 * The pure half of an import: which column feeds which field, what a row becomes, and how an
 * imported row is folded into the contact it matched. No I/O here.
 */

/** A column of the file that feeds a field. */
export interface MappedColumn {
  readonly index: number;
  readonly header: string;
  readonly target: string;
  readonly write: (input: RowInput, cell: string) => void;
}

function headerKey(header: string): string {
  return header.trim().toLowerCase();
}

/**
 * Decides which columns feed which fields. With settings, each mapping's sourceField must be a
 * column of the header (compared case-insensitively); without, every column named like a field
 * (`firstName`, `address.city`, `customFields.tier_enum`) feeds it and the others are ignored.
 * @throws CsvFileError when a mapped column is missing, or when no column names a field at all
 * (most often: the file has no header line).
 */
export function mapColumns(header: readonly string[], mappings: readonly CsvMapping[] | null) {
  const positions = new Map<string, number>();
  header.forEach((name, index) => {
    const key = headerKey(name);
    if (!positions.has(key)) positions.set(key, index);
  });
  const columns: MappedColumn[] = [];
  if (mappings !== null && mappings.length > 0) {
    const missing = mappings.filter((m) => !positions.has(headerKey(m.sourceField)));
    if (missing.length > 0) {
      throw new CsvFileError(
        `the header has no column ${missing.map((m) => `"${m.sourceField}"`).join(', ')} that the ` +
          `import settings map; its columns are ${header.map((h) => `"${h}"`).join(', ')}`,
        1,
      );
    }
    for (const m of mappings) {
      const index = positions.get(headerKey(m.sourceField)) as number;
      columns.push({
        index,
        header: header[index] ?? m.sourceField,
        target: m.targetField,
        write: targetWriter(m.targetField),
      });
    }
    return columns;
  }
  header.forEach((name, index) => {
    const target = name.trim();
    if (positions.get(headerKey(name)) === index && isImportTarget(target))
      columns.push({ index, header: name, target, write: targetWriter(target) });
  });
  if (columns.length === 0) {
    throw new CsvFileError(
      `no column of the first line names a field Kith imports (the first line is ` +
        `${header
          .slice(0, 5)
          .map((h) => `"${h.slice(0, 40)}"`)
          .join(', ')}${header.length > 5 ? ', …' : ''}): is the header line missing? ` +
        `Name the columns as the sample file does (${IMPORT_TARGET_NAMES.slice(1, 5).join(', ')}, …) ` +
        'or map them with import settings',
      1,
    );
  }
  return columns;
}

/** What a row asks for, read through the mapping; empty cells give nothing. */
export function rowInput(cells: readonly string[], columns: readonly MappedColumn[]): RowInput {
  const input: RowInput = { contact: {} };
  for (const column of columns) {
    const raw = cells[column.index];
    if (raw === undefined) continue;
    const cell = unescapeFormula(raw.trim());
    if (cell === '') continue;
    column.write(input, cell);
  }
  return input;
}

/**
 * A digest of what a row would write, scoped to where it is written: the same row imported again
 * into the same division with the same mapping has the same fingerprint.
 */
export function rowFingerprint(
  scope: string,
  cells: readonly string[],
  columns: readonly MappedColumn[],
): string {
  const hash = createHash('sha1').update(scope);
  for (const column of columns) {
    hash.update('\u0001');
    hash.update(column.target);
    hash.update('\u0002');
    hash.update(cells[column.index]?.trim() ?? '');
  }
  return hash.digest('base64url');
}

/** Whether two phones are the same number (then the current one keeps the format it was typed in). */
function samePhone(current: PhoneNumber | undefined, row: PhoneNumber | undefined): boolean {
  return current?.e164 !== undefined && current.e164 === row?.e164;
}

const PHONE_SLOTS = ['workPhone', 'cellPhone', 'homePhone', 'otherPhone'] as const;

/**
 * The contact an imported row leaves behind when it matched `current`: every field the row
 * gives replaces the current one (the file wins, as Genesys merges), the others stay; an address
 * or custom fields are merged field by field, external ids united. A phone that is the number
 * the contact already has stays as it is, so that an export (which writes E.164) imports back
 * unchanged.
 */
export function mergeImportedFields(current: ContactFields, row: ContactFields): ContactFields {
  const merged: ContactFields = { ...current, ...row };
  for (const slot of PHONE_SLOTS)
    if (samePhone(current[slot], row[slot])) merged[slot] = current[slot];
  const whatsApp = current.whatsAppId;
  if (whatsApp !== undefined && row.whatsAppId !== undefined)
    if (samePhone(whatsApp.phoneNumber, row.whatsAppId.phoneNumber))
      merged.whatsAppId = { ...row.whatsAppId, phoneNumber: whatsApp.phoneNumber };
  if (current.address !== undefined && row.address !== undefined)
    merged.address = { ...current.address, ...row.address };
  if (current.customFields !== undefined && row.customFields !== undefined)
    merged.customFields = { ...current.customFields, ...row.customFields };
  if (current.externalIds !== undefined && row.externalIds !== undefined) {
    const seen = new Set(current.externalIds.map((id) => `${id.externalSource.id}/${id.value}`));
    merged.externalIds = [
      ...current.externalIds,
      ...row.externalIds.filter((id) => !seen.has(`${id.externalSource.id}/${id.value}`)),
    ];
  }
  return merged;
}

/** mergeImportedFields for organizations. */
export function mergeImportedOrganization(
  current: OrganizationFields,
  row: Partial<OrganizationFields>,
): OrganizationFields {
  const merged: OrganizationFields = { ...current, ...row, name: row.name ?? current.name };
  if (samePhone(current.phoneNumber, row.phoneNumber)) merged.phoneNumber = current.phoneNumber;
  if (current.address !== undefined && row.address !== undefined)
    merged.address = { ...current.address, ...row.address };
  return merged;
}

/** Whether a row gives any field of the contact itself (not only its organization). */
export function hasContactFields(input: RowInput): boolean {
  return (
    Object.keys(input.contact).length > 0 ||
    input.id !== undefined ||
    input.externalId !== undefined
  );
}
