import type { Contact, ContactFields } from '../contacts/contact.js';
import type { PhoneNumber } from '../contacts/phone.js';
import type { Organization, OrganizationFields } from '../organizations/organization.js';
import type { Note } from '../notes/note.js';
import type { Relationship } from '../relationships/relationship.js';

/*
 * The CSV columns of contacts and organizations (SPEC §8): one vocabulary for the sample file,
 * exports, and the targets an import maps its columns to. A column's name is the JSON path of
 * the field it holds (`firstName`, `address.city`, `customFields.tier_enum`), so an export's
 * header maps onto the import without settings and reads as the API does.
 *
 * Cells: a phone is its E.164 form (as typed when it has none); a list is its values joined
 * with `;` (a JSON array when a value holds a `;`); external ids are `sourceId=value`; a
 * checkbox is `true` or `false`. An empty cell is no value: an import leaves the field alone.
 */

/** What an import makes of a row: the wire-shaped inputs the API's validation reads. */
export interface RowInput {
  contact: Record<string, unknown>;
  /** The organization the row names (fields of `externalOrganization.*`), when it names one. */
  organization?: Record<string, unknown>;
  /** The value of the `id` column: the contact this row is about. */
  id?: string;
  /** The value of `externalId`: an external id of the import's external source. */
  externalId?: string;
  /** The value of `externalOrganization.externalId`, likewise for the organization. */
  organizationExternalId?: string;
}

type Reader<F> = (fields: F) => string | undefined;
type Writer = (input: RowInput, cell: string) => void;

interface Column<F> {
  readonly path: string;
  readonly read?: Reader<F>;
  /** Absent: the column is written by exports but not read by imports (ids, dates, type). */
  readonly write?: Writer;
}

const LIST_SEPARATOR = ';';

/** A list as one cell: joined with `;`, or as JSON when a value holds a `;`. */
export function listCell(values: readonly string[] | undefined): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  return values.some((v) => v.includes(LIST_SEPARATOR))
    ? JSON.stringify(values)
    : values.join(LIST_SEPARATOR);
}

/** The values of a list cell (the inverse of listCell). */
export function listValues(cell: string): string[] {
  const text = cell.trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return parsed;
    } catch {
      // Not JSON: a value that merely starts with "[".
    }
  }
  return text
    .split(LIST_SEPARATOR)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** A checkbox cell: true/false, yes/no, 1/0 in any case; anything else is kept as typed. */
export function booleanValue(cell: string): boolean | string {
  const key = cell.trim().toLowerCase();
  if (TRUE.has(key)) return true;
  if (FALSE.has(key)) return false;
  return cell;
}

/** A number cell, kept as typed when it is not a number so that validation names it. */
export function numberValue(cell: string): number | string {
  const text = cell.trim();
  const value = Number(text);
  return text !== '' && Number.isFinite(value) ? value : cell;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next === 'object' && next !== null) at = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      at[key] = created;
      at = created;
    }
  }
  at[path[path.length - 1] as string] = value;
}

function phoneCell(phone: PhoneNumber | undefined): string | undefined {
  return phone?.e164 ?? phone?.display;
}

function organizationInput(input: RowInput): Record<string, unknown> {
  input.organization ??= {};
  return input.organization;
}

const toContact =
  (path: string, convert: (cell: string) => unknown = (cell) => cell): Writer =>
  (input, cell) =>
    setPath(input.contact, path.split('.'), convert(cell));

const toOrganization =
  (path: string, convert: (cell: string) => unknown = (cell) => cell): Writer =>
  (input, cell) =>
    setPath(organizationInput(input), path.split('.'), convert(cell));

const phoneInput = (cell: string): PhoneNumber => ({ display: cell });

/** `sourceId=value;…`, the external ids of a contact or an organization. */
function externalIdsCell(ids: readonly { externalSource: { id: string }; value: string }[] = []) {
  return listCell(ids.map((id) => `${id.externalSource.id}=${id.value}`));
}

function externalIdsInput(cell: string): unknown[] {
  return listValues(cell).map((entry) => {
    const at = entry.indexOf('=');
    return at <= 0
      ? { externalSource: { id: '' }, value: entry }
      : { externalSource: { id: entry.slice(0, at) }, value: entry.slice(at + 1) };
  });
}

const ADDRESS_PARTS = [
  'address1',
  'address2',
  'city',
  'state',
  'postalCode',
  'countryCode',
] as const;

function addressColumns<F extends { address?: ContactFields['address'] }>(
  prefix: string,
  write?: (path: string) => Writer,
): Column<F>[] {
  return ADDRESS_PARTS.map((part) => ({
    path: `${prefix}address.${part}`,
    read: (f: F) => f.address?.[part],
    ...(write === undefined ? {} : { write: write(`address.${part}`) }),
  }));
}

/** The columns of a contact's own fields, in the order exports write them. */
const CONTACT_FIELD_COLUMNS: Column<ContactFields>[] = [
  ...(['firstName', 'middleName', 'lastName', 'salutation', 'title'] as const).map((name) => ({
    path: name,
    read: (f: ContactFields) => f[name],
    write: toContact(name),
  })),
  ...(['workPhone', 'cellPhone', 'homePhone', 'otherPhone'] as const).map((slot) => ({
    path: slot,
    read: (f: ContactFields) => phoneCell(f[slot]),
    write: toContact(slot, phoneInput),
  })),
  ...(['workEmail', 'personalEmail', 'otherEmail'] as const).map((slot) => ({
    path: slot,
    read: (f: ContactFields) => f[slot],
    write: toContact(slot),
  })),
  ...addressColumns<ContactFields>('', (path) => toContact(path)),
  { path: 'twitterId.id', read: (f) => f.twitterId?.id, write: toContact('twitterId.id') },
  {
    path: 'twitterId.screenName',
    read: (f) => f.twitterId?.screenName,
    write: toContact('twitterId.screenName'),
  },
  {
    path: 'whatsAppId.phoneNumber',
    read: (f) => phoneCell(f.whatsAppId?.phoneNumber),
    write: toContact('whatsAppId.phoneNumber', phoneInput),
  },
  {
    path: 'whatsAppId.displayName',
    read: (f) => f.whatsAppId?.displayName,
    write: toContact('whatsAppId.displayName'),
  },
  {
    path: 'lineId.ids',
    read: (f) => listCell(f.lineId?.ids.map((id) => id.userId)),
    write: toContact('lineId.ids', (cell) => listValues(cell).map((userId) => ({ userId }))),
  },
  {
    path: 'facebookId.ids',
    read: (f) => listCell(f.facebookId?.ids.map((id) => id.scopedId)),
    write: toContact('facebookId.ids', (cell) =>
      listValues(cell).map((scopedId) => ({ scopedId })),
    ),
  },
  {
    path: 'instagramId.ids',
    read: (f) => listCell(f.instagramId?.ids.map((id) => id.scopedId)),
    write: toContact('instagramId.ids', (cell) =>
      listValues(cell).map((scopedId) => ({ scopedId })),
    ),
  },
  {
    path: 'instagramId.handle',
    read: (f) => f.instagramId?.handle,
    write: toContact('instagramId.handle'),
  },
  {
    path: 'appleOpaqueIds',
    read: (f) => listCell(f.appleOpaqueIds?.map((id) => id.value)),
    write: toContact('appleOpaqueIds', (cell) => listValues(cell).map((value) => ({ value }))),
  },
  {
    path: 'externalIds',
    read: (f) => externalIdsCell(f.externalIds),
    write: toContact('externalIds', externalIdsInput),
  },
  {
    path: 'externalId',
    write: (input, cell) => {
      input.externalId = cell.trim();
    },
  },
  {
    path: 'surveyOptOut',
    read: (f) => (f.surveyOptOut === undefined ? undefined : String(f.surveyOptOut)),
    write: toContact('surveyOptOut', booleanValue),
  },
  {
    path: 'externalSystemUrl',
    read: (f) => f.externalSystemUrl,
    write: toContact('externalSystemUrl'),
  },
  {
    path: 'externalOrganization.id',
    read: (f) => f.externalOrganization?.id,
    write: toContact('externalOrganization.id'),
  },
];

/** Organization fields a contact row may carry: the row's contact works there. */
const ROW_ORGANIZATION_COLUMNS: Column<never>[] = [
  { path: 'externalOrganization.name', write: toOrganization('name') },
  {
    path: 'externalOrganization.externalId',
    write: (input, cell) => {
      organizationInput(input);
      input.organizationExternalId = cell.trim();
    },
  },
  { path: 'externalOrganization.companyType', write: toOrganization('companyType') },
  { path: 'externalOrganization.industry', write: toOrganization('industry') },
  { path: 'externalOrganization.phoneNumber', write: toOrganization('phoneNumber', phoneInput) },
  { path: 'externalOrganization.websites', write: toOrganization('websites', listValues) },
  { path: 'externalOrganization.tags', write: toOrganization('tags', listValues) },
  ...addressColumns<never>('externalOrganization.', (path) => toOrganization(path)),
];

const SCHEMA_COLUMNS: Column<ContactFields>[] = [
  { path: 'schema.id', read: (f) => f.schema?.id, write: toContact('schema.id') },
  {
    path: 'schema.version',
    read: (f) => (f.schema === undefined ? undefined : String(f.schema.version)),
    write: toContact('schema.version', numberValue),
  },
];

const CUSTOM_PREFIX = 'customFields.';

/** The core type a custom field's name ends with (`tier_enum` → `enum`), as SPEC §7 names them. */
export function customFieldType(name: string): string {
  const at = name.lastIndexOf('_');
  return at === -1 ? '' : name.slice(at + 1);
}

/** A custom field's value as one cell. */
export function customFieldCell(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return listCell(value.map(String));
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A custom field's cell read back by its core type: tags are lists, numbers and checkboxes typed. */
export function customFieldValue(name: string, cell: string): unknown {
  switch (customFieldType(name)) {
    case 'tag':
      return listValues(cell);
    case 'checkbox':
      return booleanValue(cell);
    case 'integer':
    case 'number':
      return numberValue(cell);
    default:
      return cell;
  }
}

const IMPORT_TARGETS = new Map<string, Writer>(
  [...CONTACT_FIELD_COLUMNS, ...ROW_ORGANIZATION_COLUMNS, ...SCHEMA_COLUMNS]
    .filter((c) => c.write !== undefined)
    .map((c) => [c.path.toLowerCase(), c.write as Writer]),
);
IMPORT_TARGETS.set('id', (input, cell) => {
  input.id = cell.trim();
});

const CUSTOM_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Whether an import can map a column to `target` (case-insensitive; `customFields.<name>` too). */
export function isImportTarget(target: string): boolean {
  if (target.startsWith(CUSTOM_PREFIX))
    return CUSTOM_FIELD_NAME.test(target.slice(CUSTOM_PREFIX.length));
  return IMPORT_TARGETS.has(target.toLowerCase());
}

/** Every target an import reads, in the order of the sample file (custom fields not included). */
export const IMPORT_TARGET_NAMES: readonly string[] = [
  'id',
  ...[...CONTACT_FIELD_COLUMNS, ...SCHEMA_COLUMNS, ...ROW_ORGANIZATION_COLUMNS]
    .filter((c) => c.write !== undefined)
    .map((c) => c.path),
];

/**
 * The writer of one target: puts a cell's value where the API would expect it.
 * @throws Error for a target isImportTarget refuses (settings are checked before a job runs).
 */
export function targetWriter(target: string): Writer {
  if (target.startsWith(CUSTOM_PREFIX)) {
    const name = target.slice(CUSTOM_PREFIX.length);
    return (input, cell) => {
      const custom = (input.contact.customFields ??= {}) as Record<string, unknown>;
      custom[name] = customFieldValue(name, cell);
    };
  }
  const writer = IMPORT_TARGETS.get(target.toLowerCase());
  if (writer === undefined) throw new Error(`not an import target: ${target}`);
  return writer;
}

/** The readers of a contacts export's field columns, in header order. */
const CONTACT_READS: readonly Reader<ContactFields>[] = [
  ...CONTACT_FIELD_COLUMNS,
  ...SCHEMA_COLUMNS,
].flatMap((c) => (c.read === undefined ? [] : [c.read]));

/** The header of a contacts export: every column, then one per custom field named. */
export function contactHeader(customFieldNames: readonly string[]): string[] {
  return [
    'id',
    'divisionId',
    'type',
    ...CONTACT_FIELD_COLUMNS.filter((c) => c.read !== undefined).map((c) => c.path),
    ...SCHEMA_COLUMNS.map((c) => c.path),
    ...customFieldNames.map((name) => `${CUSTOM_PREFIX}${name}`),
    'createDate',
    'modifyDate',
  ];
}

/** A contact as the cells of contactHeader(customFieldNames), unescaped (see escapeFormula). */
export function contactCells(contact: Contact, customFieldNames: readonly string[]): string[] {
  const f = contact.fields;
  const cells: string[] = [contact.id, contact.divisionId ?? '*', contact.type];
  for (const column of CONTACT_READS) cells.push(column(f) ?? '');
  for (const name of customFieldNames) cells.push(customFieldCell(f.customFields?.[name]) ?? '');
  cells.push(contact.createDate, contact.modifyDate);
  return cells;
}

const ORGANIZATION_COLUMNS: Column<OrganizationFields>[] = [
  { path: 'name', read: (f) => f.name },
  { path: 'companyType', read: (f) => f.companyType },
  { path: 'industry', read: (f) => f.industry },
  ...addressColumns<OrganizationFields>(''),
  { path: 'phoneNumber', read: (f) => phoneCell(f.phoneNumber) },
  { path: 'faxNumber', read: (f) => phoneCell(f.faxNumber) },
  { path: 'employeeCount', read: (f) => f.employeeCount?.toString() },
  { path: 'revenue', read: (f) => f.revenue?.toString() },
  { path: 'tags', read: (f) => listCell(f.tags) },
  { path: 'websites', read: (f) => listCell(f.websites) },
  {
    path: 'tickers',
    read: (f) => listCell(f.tickers?.map((t) => `${t.exchange}:${t.symbol}`)),
  },
  { path: 'twitterId.screenName', read: (f) => f.twitterId?.screenName },
  { path: 'externalSystemUrl', read: (f) => f.externalSystemUrl },
  { path: 'externalIds', read: (f) => externalIdsCell(f.externalIds) },
  { path: 'schema.id', read: (f) => f.schema?.id },
  { path: 'schema.version', read: (f) => f.schema?.version.toString() },
];

/** The header of an organizations export. */
export function organizationHeader(customFieldNames: readonly string[]): string[] {
  return [
    'id',
    'divisionId',
    ...ORGANIZATION_COLUMNS.map((c) => c.path),
    ...customFieldNames.map((name) => `${CUSTOM_PREFIX}${name}`),
    'createDate',
    'modifyDate',
  ];
}

/** An organization as the cells of organizationHeader(customFieldNames), unescaped. */
export function organizationCells(
  organization: Organization,
  customFieldNames: readonly string[],
): string[] {
  const f = organization.fields;
  const cells: (string | undefined)[] = [organization.id, organization.divisionId ?? '*'];
  for (const column of ORGANIZATION_COLUMNS) cells.push(column.read?.(f));
  for (const name of customFieldNames) cells.push(customFieldCell(f.customFields?.[name]));
  cells.push(organization.createDate, organization.modifyDate);
  return cells.map((cell) => cell ?? '');
}

/** The header of a notes export. */
export const NOTE_HEADER: readonly string[] = [
  'id',
  'divisionId',
  'entityType',
  'entityId',
  'noteText',
  'createdBy.type',
  'createdBy.id',
  'createDate',
  'modifyDate',
];

/** A note as the cells of NOTE_HEADER, unescaped. */
export function noteCells(note: Note): string[] {
  return [
    note.id,
    note.divisionId ?? '*',
    note.entityType,
    note.entityId,
    note.noteText,
    note.createdBy?.type ?? '',
    note.createdBy?.id ?? '',
    note.createDate,
    note.modifyDate,
  ];
}

/** The header of a relationships export. */
export const RELATIONSHIP_HEADER: readonly string[] = [
  'id',
  'divisionId',
  'user.id',
  'externalOrganization.id',
  'relationship',
  'createDate',
  'modifyDate',
];

/** A relationship as the cells of RELATIONSHIP_HEADER, unescaped. */
export function relationshipCells(relationship: Relationship): string[] {
  return [
    relationship.id,
    relationship.divisionId ?? '*',
    relationship.userId,
    relationship.organizationId,
    relationship.relationship,
    relationship.createDate,
    relationship.modifyDate,
  ];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): one that starts
 * with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
 */
export function escapeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** The inverse of escapeFormula, applied by imports so that an export reads back unchanged. */
export function unescapeFormula(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV line (RFC 4180, CRLF-terminated) of cells escaped against formulas: a cell holding a
 * comma, a quote or a line break is quoted, its quotes doubled. Exports write millions of these,
 * so this is a loop rather than a stream transform per row.
 */
export function csvLine(cells: readonly string[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += ',';
    const raw = cells[i] as string;
    // Most cells of a wide export are empty: nothing to escape or quote.
    if (raw === '') continue;
    const cell = escapeFormula(raw);
    line += NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
  }
  return `${line}\r\n`;
}
