import { AppError, type ErrorDetail } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { normalizeEmail } from './identifier.js';
import { isPhoneProblem, normalizePhoneNumber, type PhoneNumber } from './phone.js';
import {
  EMAIL_FIELDS,
  NAME_FIELDS,
  PHONE_FIELDS,
  type ContactAddress,
  type ContactFields,
  type ExternalIdRef,
} from './contact.js';

export const LIMITS = {
  name: 1000,
  email: 256,
  address: { address1: 200, address2: 200, city: 100, state: 50, postalCode: 25, countryCode: 25 },
  socialId: 255,
  displayName: 100,
  appleOpaqueIds: 10,
  externalIds: 10,
  externalIdValue: 255,
  externalSystemUrl: 1000,
} as const;

/** Collects every problem of one input, so that a 400 names them all at once. */
export class Problems {
  readonly list: { field: string; message: string }[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  /** @throws AppError 400 naming every field when there is any problem. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const details: ErrorDetail[] = this.list.map((p) => ({
      errorCode: ErrorCode.invalidValue,
      fieldName: p.field,
    }));
    throw new AppError(
      ErrorCode.badRequest,
      this.list.map((p) => p.message).join('; '),
      400,
      details,
    );
  }
}

/** The loosely typed body of a contact write, after the route schema checked its JSON types. */
export type ContactInput = Partial<Record<keyof ContactFields, unknown>> & Record<string, unknown>;

/** Trims a string; empty becomes undefined; over `max` is a problem naming the limit. */
export function cleanText(
  value: unknown,
  field: string,
  max: number,
  problems: Problems,
): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.add(field, `${field} must be a string`);
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed.length > max) {
    problems.add(field, `${field} has ${trimmed.length} characters; the limit is ${max}`);
    return undefined;
  }
  return trimmed === '' ? undefined : trimmed;
}

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectField(
  value: unknown,
  field: string,
  problems: Problems,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    problems.add(field, `${field} must be an object`);
    return undefined;
  }
  return value;
}

/**
 * The array at `field`, or undefined when absent (undefined or null); adds a problem and returns
 * undefined when it is not an array or has more than `max` items.
 */
export function arrayField(
  value: unknown,
  field: string,
  max: number,
  problems: Problems,
): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.add(field, `${field} must be an array`);
    return undefined;
  }
  if (value.length > max) {
    problems.add(field, `${field} has ${value.length} items; the limit is ${max}`);
    return undefined;
  }
  return value as unknown[];
}

/** Drops undefined members so stored JSON and round trips stay minimal. */
function compact<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

export function cleanAddress(
  value: unknown,
  field: string,
  problems: Problems,
): ContactAddress | undefined {
  const input = objectField(value, field, problems);
  if (input === undefined) return undefined;
  const address: ContactAddress = {};
  for (const [key, max] of Object.entries(LIMITS.address) as [keyof ContactAddress, number][]) {
    const text = cleanText(input[key], `${field}.${key}`, max, problems);
    if (text !== undefined) address[key] = text;
  }
  return compact(address);
}

export function cleanPhone(
  value: unknown,
  field: string,
  defaultCountry: string,
  problems: Problems,
): PhoneNumber | undefined {
  const input = objectField(value, field, problems);
  if (input === undefined) return undefined;
  const display = input.display ?? input.userInput;
  if (
    display === undefined ||
    display === null ||
    (typeof display === 'string' && display.trim() === '')
  ) {
    return undefined; // an empty phone slot
  }
  const result = normalizePhoneNumber(input, field, defaultCountry);
  if (isPhoneProblem(result)) {
    problems.add(result.field, result.message);
    return undefined;
  }
  return result;
}

export function cleanUrl(
  value: unknown,
  field: string,
  max: number,
  problems: Problems,
): string | undefined {
  const text = cleanText(value, field, max, problems);
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    problems.add(field, `${field} "${text}" is not a valid http(s) URL`);
    return undefined;
  }
  return text;
}

function cleanIds<K extends 'userId' | 'scopedId'>(
  value: unknown,
  field: string,
  key: K,
  problems: Problems,
): Record<K, string>[] | undefined {
  const items = arrayField(value, field, 1, problems);
  if (items === undefined) return undefined;
  const ids: Record<K, string>[] = [];
  items.forEach((item, i) => {
    const id = cleanText(
      isObject(item) ? item[key] : undefined,
      `${field}[${i}].${key}`,
      LIMITS.socialId,
      problems,
    );
    if (id === undefined)
      problems.add(`${field}[${i}].${key}`, `${field}[${i}].${key} is required`);
    else ids.push({ [key]: id } as Record<K, string>);
  });
  return ids;
}

const SCREEN_NAME = /^@?[A-Za-z0-9_]+$/;

/** Validates and normalizes the external ids; source existence is checked by the service. */
export function cleanExternalIds(
  value: unknown,
  field: string,
  problems: Problems,
): ExternalIdRef[] | undefined {
  const items = arrayField(value, field, LIMITS.externalIds, problems);
  if (items === undefined) return undefined;
  const result: ExternalIdRef[] = [];
  items.forEach((item, i) => {
    const source =
      isObject(item) && isObject(item.externalSource) ? item.externalSource.id : undefined;
    const sourceId = cleanText(source, `${field}[${i}].externalSource.id`, 100, problems);
    const v = cleanText(
      isObject(item) ? item.value : undefined,
      `${field}[${i}].value`,
      LIMITS.externalIdValue,
      problems,
    );
    if (sourceId === undefined)
      problems.add(
        `${field}[${i}].externalSource.id`,
        `${field}[${i}].externalSource.id is required`,
      );
    if (v === undefined) problems.add(`${field}[${i}].value`, `${field}[${i}].value is required`);
    if (sourceId !== undefined && v !== undefined)
      result.push({ externalSource: { id: sourceId }, value: v });
  });
  return result.length === 0 ? undefined : result;
}

/**
 * Validates a contact body against the limits of SPEC §3 and normalizes it: names trimmed,
 * phones parsed (`defaultCountry` when a number has no country code), emails lower-cased.
 * Read-only fields (id, dates, type, merge links, identifiers) are ignored, so a GET-modify-PUT
 * round trip is accepted.
 * @throws AppError 400 naming every field that breaks a rule.
 */
export function normalizeContactFields(input: ContactInput, defaultCountry: string): ContactFields {
  const problems = new Problems();
  const fields: ContactFields = {};
  for (const name of NAME_FIELDS) {
    const text = cleanText(input[name], name, LIMITS.name, problems);
    if (text !== undefined) fields[name] = text;
  }
  for (const slot of PHONE_FIELDS) {
    const phone = cleanPhone(input[slot], slot, defaultCountry, problems);
    if (phone !== undefined) fields[slot] = phone;
  }
  for (const slot of EMAIL_FIELDS) {
    const text = cleanText(input[slot], slot, LIMITS.email, problems);
    if (text === undefined) continue;
    const email = normalizeEmail(text);
    if (email === null) problems.add(slot, `${slot} "${text}" is not a valid email address`);
    else fields[slot] = email;
  }
  const address = cleanAddress(input.address, 'address', problems);
  if (address !== undefined) fields.address = address;

  const twitter = objectField(input.twitterId, 'twitterId', problems);
  if (twitter !== undefined) {
    const t = compact({
      id: cleanText(twitter.id, 'twitterId.id', LIMITS.socialId, problems),
      name: cleanText(twitter.name, 'twitterId.name', LIMITS.socialId, problems),
      screenName: cleanText(twitter.screenName, 'twitterId.screenName', LIMITS.socialId, problems),
      verified: typeof twitter.verified === 'boolean' ? twitter.verified : undefined,
      profileUrl: cleanText(
        twitter.profileUrl,
        'twitterId.profileUrl',
        LIMITS.externalSystemUrl,
        problems,
      ),
    });
    if (t?.screenName !== undefined && !SCREEN_NAME.test(t.screenName)) {
      problems.add(
        'twitterId.screenName',
        'twitterId.screenName may hold only letters, digits and _, with an optional leading @',
      );
    }
    if (t !== undefined) fields.twitterId = t;
  }
  const line = objectField(input.lineId, 'lineId', problems);
  if (line !== undefined) {
    const ids = cleanIds(line.ids, 'lineId.ids', 'userId', problems) ?? [];
    const displayName = cleanText(
      line.displayName,
      'lineId.displayName',
      LIMITS.displayName,
      problems,
    );
    if (ids.length > 0 || displayName !== undefined)
      fields.lineId = compact({ ids, displayName }) ?? { ids };
  }
  const facebook = objectField(input.facebookId, 'facebookId', problems);
  if (facebook !== undefined) {
    const ids = cleanIds(facebook.ids, 'facebookId.ids', 'scopedId', problems) ?? [];
    const displayName = cleanText(
      facebook.displayName,
      'facebookId.displayName',
      LIMITS.displayName,
      problems,
    );
    if (ids.length > 0 || displayName !== undefined)
      fields.facebookId = compact({ ids, displayName }) ?? { ids };
  }
  const instagram = objectField(input.instagramId, 'instagramId', problems);
  if (instagram !== undefined) {
    const ids = cleanIds(instagram.ids, 'instagramId.ids', 'scopedId', problems) ?? [];
    const displayName = cleanText(
      instagram.displayName,
      'instagramId.displayName',
      LIMITS.displayName,
      problems,
    );
    const handle = cleanText(instagram.handle, 'instagramId.handle', LIMITS.displayName, problems);
    if (ids.length > 0 || displayName !== undefined || handle !== undefined) {
      fields.instagramId = compact({ ids, displayName, handle }) ?? { ids };
    }
  }
  const whatsApp = objectField(input.whatsAppId, 'whatsAppId', problems);
  if (whatsApp !== undefined) {
    const phone = cleanPhone(
      whatsApp.phoneNumber,
      'whatsAppId.phoneNumber',
      defaultCountry,
      problems,
    );
    const displayName = cleanText(
      whatsApp.displayName,
      'whatsAppId.displayName',
      LIMITS.displayName,
      problems,
    );
    if (phone !== undefined && phone.e164 === undefined) {
      problems.add(
        'whatsAppId.phoneNumber',
        'whatsAppId.phoneNumber must be a valid number with its country code (E.164)',
      );
    } else if (phone !== undefined) {
      fields.whatsAppId =
        displayName === undefined ? { phoneNumber: phone } : { phoneNumber: phone, displayName };
    } else if (displayName !== undefined) {
      problems.add('whatsAppId.phoneNumber', 'whatsAppId.phoneNumber is required');
    }
  }
  const apple = arrayField(input.appleOpaqueIds, 'appleOpaqueIds', LIMITS.appleOpaqueIds, problems);
  if (apple !== undefined) {
    const ids: { value: string }[] = [];
    apple.forEach((item, i) => {
      const v = cleanText(
        isObject(item) ? item.value : undefined,
        `appleOpaqueIds[${i}].value`,
        LIMITS.socialId,
        problems,
      );
      if (v !== undefined) ids.push({ value: v });
    });
    if (ids.length > 0) fields.appleOpaqueIds = ids;
  }
  const externalIds = cleanExternalIds(input.externalIds, 'externalIds', problems);
  if (externalIds !== undefined) fields.externalIds = externalIds;

  const organization = objectField(input.externalOrganization, 'externalOrganization', problems);
  if (organization !== undefined) {
    const id = cleanText(organization.id, 'externalOrganization.id', 100, problems);
    if (id === undefined)
      problems.add(
        'externalOrganization.id',
        'externalOrganization.id is required to link an organization',
      );
    else fields.externalOrganization = { id };
  }
  if (input.surveyOptOut !== undefined && input.surveyOptOut !== null) {
    if (typeof input.surveyOptOut !== 'boolean')
      problems.add('surveyOptOut', 'surveyOptOut must be true or false');
    else fields.surveyOptOut = input.surveyOptOut;
  }
  const url = cleanUrl(
    input.externalSystemUrl,
    'externalSystemUrl',
    LIMITS.externalSystemUrl,
    problems,
  );
  if (url !== undefined) fields.externalSystemUrl = url;

  const schema = objectField(input.schema, 'schema', problems);
  if (schema !== undefined && schema.id !== undefined) {
    const id = cleanText(schema.id, 'schema.id', 100, problems);
    const version = schema.version;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      problems.add('schema.version', 'schema.version must be a positive whole number');
    } else if (id !== undefined) fields.schema = { id, version };
  }
  const custom = objectField(input.customFields, 'customFields', problems);
  if (custom !== undefined && Object.keys(custom).length > 0) fields.customFields = custom;

  problems.throwIfAny();
  return fields;
}
