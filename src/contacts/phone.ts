import {
  parsePhoneNumberFromString,
  type CountryCode,
  type PhoneNumber as PhoneNumberObject,
} from 'libphonenumber-js/max';
import { getCountries } from 'libphonenumber-js/max';

/** The Genesys `PhoneNumber` shape. */
export interface PhoneNumber {
  display?: string;
  extension?: number;
  acceptsSMS?: boolean;
  normalizationCountryCode?: string;
  userInput?: string;
  e164?: string;
  countryCode?: string;
}

export const DEFAULT_COUNTRY = 'US';
export const PHONE_DISPLAY_MAX_LENGTH = 512;

const COUNTRIES = new Set<string>(getCountries());

export function isCountryCode(value: string): boolean {
  return COUNTRIES.has(value.toUpperCase());
}

/** The result of reading a phone number: the E.164 form and region when it is a real number. */
export interface ParsedPhone {
  readonly e164: string;
  readonly countryCode: string;
  readonly international: string;
  readonly extension?: number;
}

const E164 = /^\+[1-9]\d{6,14}$/;

function regionOf(country: string): CountryCode {
  return (isCountryCode(country) ? country.toUpperCase() : DEFAULT_COUNTRY) as CountryCode;
}

/** The valid number `text` (trimmed) is in `region`, or null. */
function validNumber(text: string, region: CountryCode): PhoneNumberObject | null {
  if (text === '') return null;
  // Letters make a vanity or free-form entry, which stays as typed rather than being decoded.
  if (/[A-Za-z]/.test(text.replace(/\s*(?:ext\.?|x|#)\s*\d+\s*$/i, ''))) return null;
  const parsed = parsePhoneNumberFromString(text, region);
  return parsed !== undefined && parsed.isValid() ? parsed : null;
}

/**
 * Reads `input` as a phone number: with a leading `+` as international, otherwise in
 * `country` (default US). Returns null for anything that is not a valid number (short codes,
 * vanity letters, internal extensions): such input is kept as typed, as a non-E.164 number.
 */
export function parsePhone(input: string, country: string = DEFAULT_COUNTRY): ParsedPhone | null {
  const text = input.trim();
  const region = regionOf(country);
  const parsed = validNumber(text, region);
  if (parsed === null) return null;
  const result: ParsedPhone = {
    e164: parsed.number,
    countryCode: parsed.country ?? region,
    international: parsed.formatInternational(),
  };
  if (parsed.ext !== undefined && /^\d{1,9}$/.test(parsed.ext))
    return { ...result, extension: Number(parsed.ext) };
  return result;
}

/**
 * Normalizes a phone value to E.164 for matching (identifiers, lookups, search), or null when
 * it is not a valid number. E.164 input takes a fast path that skips full formatting.
 */
export function toE164(input: string, country: string = DEFAULT_COUNTRY): string | null {
  const text = input.trim();
  if (E164.test(text)) {
    const parsed = parsePhoneNumberFromString(text);
    return parsed !== undefined && parsed.isValid() ? parsed.number : null;
  }
  // Only the number: formatting the international display costs as much as parsing.
  return validNumber(text, regionOf(country))?.number ?? null;
}

/** The digits of a value, for finding non-E.164 numbers by what was typed. */
export function phoneDigits(input: string): string {
  return input.replace(/\D/g, '');
}

/**
 * Whether a phone-like search term: digits with the usual punctuation, at least 3 digits, and
 * nothing that makes it a word.
 */
export function looksLikePhone(term: string): boolean {
  return /^[+()\d\s.\-/]+$/.test(term) && phoneDigits(term).length >= 3;
}

/** Why a phone number is refused, or null when it can be stored. */
export type PhoneProblem = { field: string; message: string };

/**
 * Turns a submitted `PhoneNumber` into the stored one: `userInput` keeps what was typed,
 * `display` becomes the international format of a valid number (else stays as typed), `e164`
 * and `countryCode` are computed. Read-only fields sent back from a GET are ignored.
 * @returns the stored number, or a problem naming the field.
 */
export function normalizePhoneNumber(
  input: PhoneNumber,
  field: string,
  defaultCountry: string = DEFAULT_COUNTRY,
): PhoneNumber | PhoneProblem {
  const typed = (input.display ?? input.userInput ?? '').trim();
  if (typed === '') {
    return {
      field: `${field}.display`,
      message: `${field}.display is required for a phone number`,
    };
  }
  if (typed.length > PHONE_DISPLAY_MAX_LENGTH) {
    return {
      field: `${field}.display`,
      message: `${field}.display has ${typed.length} characters; the limit is ${PHONE_DISPLAY_MAX_LENGTH}`,
    };
  }
  const country = input.normalizationCountryCode?.trim() || defaultCountry;
  if (!isCountryCode(country)) {
    return {
      field: `${field}.normalizationCountryCode`,
      message: `${field}.normalizationCountryCode "${country}" is not an ISO 3166-1 country code such as US or GB`,
    };
  }
  // A GET-modify-PUT sends display back in international form next to the original userInput:
  // keep that userInput when it is the same number, so the round trip changes nothing.
  const parsed = parsePhone(typed, country);
  const sameNumber =
    input.userInput !== undefined &&
    (parsed === null
      ? input.userInput.trim() === typed
      : parsePhone(input.userInput, country)?.e164 === parsed.e164);
  const stored: PhoneNumber = {
    display: parsed?.international ?? typed,
    userInput: sameNumber && input.userInput !== undefined ? input.userInput.trim() : typed,
  };
  if (input.normalizationCountryCode !== undefined)
    stored.normalizationCountryCode = country.toUpperCase();
  const extension = input.extension ?? parsed?.extension;
  if (extension !== undefined) stored.extension = extension;
  if (parsed !== null) {
    stored.e164 = parsed.e164;
    stored.countryCode = parsed.countryCode;
  }
  if (input.acceptsSMS !== undefined) {
    if (input.acceptsSMS && parsed === null) {
      return {
        field: `${field}.acceptsSMS`,
        message:
          `${field} "${typed}" has no country code (it is not an E.164 number), and SMS needs one: ` +
          'enter it with its country code (for example +13175550123) or set acceptsSMS to false',
      };
    }
    stored.acceptsSMS = input.acceptsSMS;
  }
  return stored;
}

export function isPhoneProblem(value: PhoneNumber | PhoneProblem): value is PhoneProblem {
  return 'message' in value && 'field' in value;
}
