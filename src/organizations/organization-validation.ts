import {
  LIMITS as CONTACT_LIMITS,
  Problems,
  arrayField,
  cleanAddress,
  cleanExternalIds,
  cleanPhone,
  cleanText,
  cleanUrl,
  isObject,
} from '../contacts/contact-validation.js';
import type { TwitterId } from '../contacts/contact.js';
import type { OrganizationFields, Ticker } from './organization.js';

/**
 * The limits of an organization's fields. Genesys documents the name (≤1000) and external ids
 * (≤10); the others are Kith's, generous enough for any real company and bounded so that one
 * record cannot grow without end.
 */
export const ORGANIZATION_LIMITS = {
  name: 1000,
  companyType: 255,
  industry: 255,
  tags: 50,
  tag: 100,
  websites: 20,
  website: 1000,
  tickers: 20,
  tickerSymbol: 20,
  tickerExchange: 100,
  socialId: CONTACT_LIMITS.socialId,
  externalSystemUrl: CONTACT_LIMITS.externalSystemUrl,
} as const;

/** The loosely typed body of an organization write, after the route schema checked its JSON types. */
export type OrganizationInput = Partial<Record<keyof OrganizationFields, unknown>> &
  Record<string, unknown>;

/** A whole number from 0 up; absent stays absent. */
function cleanCount(value: unknown, field: string, problems: Problems): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < 0 ||
    Object.is(value, -0)
  ) {
    problems.add(field, `${field} must be a whole number of 0 or more`);
    return undefined;
  }
  return value;
}

/** Trimmed, non-empty, distinct strings (first spelling kept), in the order given. */
function cleanStrings(
  value: unknown,
  field: string,
  maxItems: number,
  maxLength: number,
  problems: Problems,
  clean: (item: unknown, itemField: string) => string | undefined = (item, itemField) =>
    cleanText(item, itemField, maxLength, problems),
): string[] | undefined {
  const items = arrayField(value, field, maxItems, problems);
  if (items === undefined) return undefined;
  const seen = new Set<string>();
  const result: string[] = [];
  items.forEach((item, i) => {
    const text = clean(item, `${field}[${i}]`);
    if (text === undefined || seen.has(text.toLowerCase())) return;
    seen.add(text.toLowerCase());
    result.push(text);
  });
  return result.length === 0 ? undefined : result;
}

function cleanTickers(value: unknown, problems: Problems): Ticker[] | undefined {
  const items = arrayField(value, 'tickers', ORGANIZATION_LIMITS.tickers, problems);
  if (items === undefined) return undefined;
  const tickers: Ticker[] = [];
  items.forEach((item, i) => {
    const field = `tickers[${i}]`;
    if (!isObject(item)) {
      problems.add(field, `${field} must be an object {symbol, exchange}`);
      return;
    }
    const symbol = cleanText(
      item.symbol,
      `${field}.symbol`,
      ORGANIZATION_LIMITS.tickerSymbol,
      problems,
    );
    const exchange = cleanText(
      item.exchange,
      `${field}.exchange`,
      ORGANIZATION_LIMITS.tickerExchange,
      problems,
    );
    if (symbol === undefined) problems.add(`${field}.symbol`, `${field}.symbol is required`);
    if (exchange === undefined) problems.add(`${field}.exchange`, `${field}.exchange is required`);
    if (symbol !== undefined && exchange !== undefined) tickers.push({ symbol, exchange });
  });
  return tickers.length === 0 ? undefined : tickers;
}

const SCREEN_NAME = /^@?[A-Za-z0-9_]+$/;

function cleanTwitterId(value: unknown, problems: Problems): TwitterId | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    problems.add('twitterId', 'twitterId must be an object');
    return undefined;
  }
  const max = ORGANIZATION_LIMITS.socialId;
  const twitter: TwitterId = {};
  const id = cleanText(value.id, 'twitterId.id', max, problems);
  const name = cleanText(value.name, 'twitterId.name', max, problems);
  const screenName = cleanText(value.screenName, 'twitterId.screenName', max, problems);
  const profileUrl = cleanText(
    value.profileUrl,
    'twitterId.profileUrl',
    ORGANIZATION_LIMITS.externalSystemUrl,
    problems,
  );
  if (id !== undefined) twitter.id = id;
  if (name !== undefined) twitter.name = name;
  if (screenName !== undefined) {
    if (SCREEN_NAME.test(screenName)) twitter.screenName = screenName;
    else
      problems.add(
        'twitterId.screenName',
        'twitterId.screenName may hold only letters, digits and _, with an optional leading @',
      );
  }
  if (typeof value.verified === 'boolean') twitter.verified = value.verified;
  if (profileUrl !== undefined) twitter.profileUrl = profileUrl;
  return Object.keys(twitter).length === 0 ? undefined : twitter;
}

/**
 * Validates an organization body against its limits and normalizes it: texts trimmed, phone and
 * fax parsed (`defaultCountry` when a number has no country code), duplicate tags and websites
 * dropped. Read-only fields (id, dates, identifiers, selfUri) and the division are ignored here,
 * so a GET-modify-PUT round trip is accepted; external sources are checked by the service.
 * @throws AppError 400 naming every field that breaks a rule.
 */
export function normalizeOrganizationFields(
  input: OrganizationInput,
  defaultCountry: string,
): OrganizationFields {
  const problems = new Problems();
  const name = cleanText(input.name, 'name', ORGANIZATION_LIMITS.name, problems);
  if (name === undefined && !problems.list.some((p) => p.field === 'name'))
    problems.add('name', 'name is required: an organization has a name');
  const fields: OrganizationFields = { name: name ?? '' };

  const companyType = cleanText(
    input.companyType,
    'companyType',
    ORGANIZATION_LIMITS.companyType,
    problems,
  );
  if (companyType !== undefined) fields.companyType = companyType;
  const industry = cleanText(input.industry, 'industry', ORGANIZATION_LIMITS.industry, problems);
  if (industry !== undefined) fields.industry = industry;

  const address = cleanAddress(input.address, 'address', problems);
  if (address !== undefined) fields.address = address;
  const phoneNumber = cleanPhone(input.phoneNumber, 'phoneNumber', defaultCountry, problems);
  if (phoneNumber !== undefined) fields.phoneNumber = phoneNumber;
  const faxNumber = cleanPhone(input.faxNumber, 'faxNumber', defaultCountry, problems);
  if (faxNumber !== undefined) fields.faxNumber = faxNumber;

  const employeeCount = cleanCount(input.employeeCount, 'employeeCount', problems);
  if (employeeCount !== undefined) fields.employeeCount = employeeCount;
  const revenue = cleanCount(input.revenue, 'revenue', problems);
  if (revenue !== undefined) fields.revenue = revenue;

  const tags = cleanStrings(
    input.tags,
    'tags',
    ORGANIZATION_LIMITS.tags,
    ORGANIZATION_LIMITS.tag,
    problems,
  );
  if (tags !== undefined) fields.tags = tags;
  const websites = cleanStrings(
    input.websites,
    'websites',
    ORGANIZATION_LIMITS.websites,
    ORGANIZATION_LIMITS.website,
    problems,
    (item, itemField) => cleanUrl(item, itemField, ORGANIZATION_LIMITS.website, problems),
  );
  if (websites !== undefined) fields.websites = websites;
  const tickers = cleanTickers(input.tickers, problems);
  if (tickers !== undefined) fields.tickers = tickers;

  const twitterId = cleanTwitterId(input.twitterId, problems);
  if (twitterId !== undefined) fields.twitterId = twitterId;
  const url = cleanUrl(
    input.externalSystemUrl,
    'externalSystemUrl',
    ORGANIZATION_LIMITS.externalSystemUrl,
    problems,
  );
  if (url !== undefined) fields.externalSystemUrl = url;
  const externalIds = cleanExternalIds(input.externalIds, 'externalIds', problems);
  if (externalIds !== undefined) fields.externalIds = externalIds;

  if (input.schema !== undefined && input.schema !== null) {
    const schema = input.schema;
    if (!isObject(schema)) problems.add('schema', 'schema must be an object {id, version}');
    else if (schema.id !== undefined) {
      const id = cleanText(schema.id, 'schema.id', 100, problems);
      const version = schema.version;
      if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
        problems.add('schema.version', 'schema.version must be a positive whole number');
      else if (id !== undefined) fields.schema = { id, version };
    }
  }
  if (input.customFields !== undefined && input.customFields !== null) {
    if (!isObject(input.customFields))
      problems.add('customFields', 'customFields must be an object');
    else if (Object.keys(input.customFields).length > 0) fields.customFields = input.customFields;
  }

  problems.throwIfAny();
  return fields;
}
