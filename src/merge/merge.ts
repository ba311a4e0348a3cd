import type { Contact, ContactFields, EmailField, PhoneField } from '../contacts/contact.js';
import { EMAIL_FIELDS, PHONE_FIELDS } from '../contacts/contact.js';
import { phoneDigits, type PhoneNumber } from '../contacts/phone.js';

/*
 * Reconciliation of a merge (SPEC §6), pure: which value each field of the merged contact takes,
 * and from where. `valueOverride` wins; otherwise a field comes from the most recently modified
 * input that has it; phones and emails that lose their slot move to a free slot of their kind;
 * apple opaque ids and external ids are united; custom fields are taken per field by recency.
 */

export const MAX_MERGE_INPUTS = 25;
/** Genesys: "Merge operation may fail if the resulting mergeset exceeds our default limit of 52." */
export const MAX_MERGE_SET = 52;
const MAX_LIST_ITEMS = 10;

/** Where a field of the merged contact came from: an input's id, or the request's override. */
export const OVERRIDE = 'valueOverride';
export type FieldSources = Record<string, string | string[]>;

export interface Reconciled {
  readonly fields: ContactFields;
  readonly sources: FieldSources;
  /** Values that found no room (a fifth distinct phone, an eleventh external id), by field. */
  readonly dropped: Record<string, unknown[]>;
}

const SINGLE_FIELDS = [
  'firstName',
  'middleName',
  'lastName',
  'salutation',
  'title',
  'address',
  'twitterId',
  'lineId',
  'whatsAppId',
  'facebookId',
  'instagramId',
  'externalOrganization',
  'surveyOptOut',
  'externalSystemUrl',
  'schema',
] as const satisfies readonly (keyof ContactFields)[];

/** Most recently modified first; among equals the later created, then the greater id. */
export function byRecency(contacts: readonly Contact[]): Contact[] {
  return [...contacts].sort(
    (a, b) =>
      b.modifyDate.localeCompare(a.modifyDate) ||
      b.createDate.localeCompare(a.createDate) ||
      b.id.localeCompare(a.id),
  );
}

function phoneKey(phone: PhoneNumber): string {
  return phone.e164 ?? phoneDigits(phone.userInput ?? phone.display ?? '');
}

/**
 * Fills slots of one kind: each slot from the override or the most recent input that has it,
 * then every other distinct value of the inputs into the free slots, in slot order.
 */
function fillSlots<S extends string, V>(
  slots: readonly S[],
  override: Partial<Record<S, V>>,
  inputs: readonly { id: string; values: Partial<Record<S, V>> }[],
  keyOf: (value: V) => string,
  out: { fields: Partial<Record<S, V>>; sources: FieldSources; dropped: Record<string, unknown[]> },
  droppedField: string,
): void {
  const seen = new Set<string>();
  for (const slot of slots) {
    const own = override[slot];
    if (own !== undefined) {
      out.fields[slot] = own;
      out.sources[slot] = OVERRIDE;
      seen.add(keyOf(own));
      continue;
    }
    const from = inputs.find((input) => input.values[slot] !== undefined);
    if (from === undefined) continue;
    const value = from.values[slot] as V;
    if (seen.has(keyOf(value))) continue;
    out.fields[slot] = value;
    out.sources[slot] = from.id;
    seen.add(keyOf(value));
  }
  for (const input of inputs) {
    for (const slot of slots) {
      const value = input.values[slot];
      if (value === undefined || seen.has(keyOf(value))) continue;
      seen.add(keyOf(value));
      const free = slots.find((s) => out.fields[s] === undefined);
      if (free === undefined) {
        (out.dropped[droppedField] ??= []).push(value);
        continue;
      }
      out.fields[free] = value;
      out.sources[free] = input.id;
    }
  }
}

/** The union of a list field over override and inputs (by recency), each item once, at most 10. */
function unite<T>(
  field: 'appleOpaqueIds' | 'externalIds',
  override: readonly T[] | undefined,
  inputs: readonly { id: string; items: readonly T[] | undefined }[],
  keyOf: (item: T) => string,
  out: { sources: FieldSources; dropped: Record<string, unknown[]> },
): T[] | undefined {
  const items: T[] = [];
  const from: string[] = [];
  const seen = new Set<string>();
  for (const [source, list] of [
    [OVERRIDE, override] as const,
    ...inputs.map((i) => [i.id, i.items] as const),
  ]) {
    for (const item of list ?? []) {
      const key = keyOf(item);
      if (seen.has(key)) continue;
      seen.add(key);
      if (items.length === MAX_LIST_ITEMS) {
        (out.dropped[field] ??= []).push(item);
        continue;
      }
      items.push(item);
      if (!from.includes(source)) from.push(source);
    }
  }
  if (items.length === 0) return undefined;
  out.sources[field] = from;
  return items;
}

/**
 * The fields of the contact that merging `inputs` makes, with the source of every field.
 * @param override the normalized `valueOverride` (fields it leaves out come from the inputs).
 */
export function reconcile(inputs: readonly Contact[], override: ContactFields = {}): Reconciled {
  const ordered = byRecency(inputs);
  const fields: ContactFields = {};
  const sources: FieldSources = {};
  const dropped: Record<string, unknown[]> = {};
  const target = fields as Record<string, unknown>;
  for (const name of SINGLE_FIELDS) {
    if (override[name] !== undefined) {
      target[name] = override[name];
      sources[name] = OVERRIDE;
      continue;
    }
    const from = ordered.find((c) => c.fields[name] !== undefined);
    if (from === undefined) continue;
    target[name] = from.fields[name];
    sources[name] = from.id;
  }
  fillSlots<PhoneField, PhoneNumber>(
    PHONE_FIELDS,
    override,
    ordered.map((c) => ({ id: c.id, values: c.fields })),
    phoneKey,
    { fields, sources, dropped },
    'phones',
  );
  fillSlots<EmailField, string>(
    EMAIL_FIELDS,
    override,
    ordered.map((c) => ({ id: c.id, values: c.fields })),
    (email) => email.toLowerCase(),
    { fields, sources, dropped },
    'emails',
  );
  const apple = unite(
    'appleOpaqueIds',
    override.appleOpaqueIds,
    ordered.map((c) => ({ id: c.id, items: c.fields.appleOpaqueIds })),
    (a) => a.value,
    { sources, dropped },
  );
  if (apple !== undefined) fields.appleOpaqueIds = apple;
  const external = unite(
    'externalIds',
    override.externalIds,
    ordered.map((c) => ({ id: c.id, items: c.fields.externalIds })),
    (e) => `${e.externalSource.id}\u0000${e.value}`,
    { sources, dropped },
  );
  if (external !== undefined) fields.externalIds = external;

  const custom: Record<string, unknown> = {};
  const keys = new Set([
    ...Object.keys(override.customFields ?? {}),
    ...ordered.flatMap((c) => Object.keys(c.fields.customFields ?? {})),
  ]);
  for (const key of keys) {
    const own = override.customFields?.[key];
    if (own !== undefined) {
      custom[key] = own;
      sources[`customFields.${key}`] = OVERRIDE;
      continue;
    }
    const from = ordered.find((c) => c.fields.customFields?.[key] !== undefined);
    if (from === undefined) continue;
    custom[key] = from.fields.customFields?.[key];
    sources[`customFields.${key}`] = from.id;
  }
  if (Object.keys(custom).length > 0) fields.customFields = custom;
  return { fields, sources, dropped };
}

/** Why the contacts cannot be merged, or null. Inputs are the loaded contacts, in request order. */
export function mergeProblem(
  inputs: readonly Contact[],
): { message: string; field: string } | null {
  const merged = inputs.find((c) => c.mergedTo !== undefined);
  if (merged !== undefined)
    return {
      message: `Contact ${merged.id} was merged into ${merged.mergedTo} already; merge ${merged.mergedTo} instead`,
      field: 'contactIds',
    };
  const divisions = new Set(inputs.map((c) => c.divisionId ?? '*'));
  if (divisions.size > 1)
    return {
      message: `Contacts in different divisions cannot be merged, since a contact has one division (${inputs
        .map((c) => `${c.id} is in ${c.divisionId ?? 'no division (*)'}`)
        .join(', ')}); move them into one division first`,
      field: 'contactIds',
    };
  return null;
}

/** Which fields differ between two versions of a contact's fields. */
export function changedFields(before: ContactFields, after: ContactFields): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .filter(
      (name) =>
        JSON.stringify(before[name as keyof ContactFields]) !==
        JSON.stringify(after[name as keyof ContactFields]),
    )
    .sort();
}
