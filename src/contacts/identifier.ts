import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { toE164 } from './phone.js';

/** The identifier types of SPEC §4, as Genesys names them. */
export const IDENTIFIER_TYPES = [
  'Phone',
  'Email',
  'Cookie',
  'ExternalId',
  'AppleOpaqueId',
  'SocialWhatsapp',
  'SocialFacebook',
  'SocialInstagram',
  'SocialTwitter',
  'SocialLine',
] as const;

export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export function isIdentifierType(value: string): value is IdentifierType {
  return (IDENTIFIER_TYPES as readonly string[]).includes(value);
}

export const IDENTIFIER_VALUE_MAX_LENGTH = 255;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Lower-cases and trims an email, or null when it is not an address. */
export function normalizeEmail(value: string): string | null {
  const email = value.trim().toLowerCase();
  return email.length <= 256 && EMAIL.test(email) ? email : null;
}

export type NormalizedValue = { ok: true; value: string } | { ok: false; message: string };

/**
 * Normalizes an identifier value per its type: phones to E.164 (they must already carry their
 * country code, as Genesys requires for lookups), emails trimmed and lower-cased, WhatsApp
 * numbers to E.164 digits, the rest exact.
 */
export function normalizeIdentifierValue(type: IdentifierType, raw: string): NormalizedValue {
  const value = raw.trim();
  if (value === '') return { ok: false, message: 'the identifier value is empty' };
  if (value.length > IDENTIFIER_VALUE_MAX_LENGTH) {
    return {
      ok: false,
      message: `the identifier value has ${value.length} characters; the limit is ${IDENTIFIER_VALUE_MAX_LENGTH}`,
    };
  }
  switch (type) {
    case 'Phone': {
      const e164 = value.startsWith('+') ? toE164(value) : null;
      return e164 === null
        ? {
            ok: false,
            message: `"${value}" is not an E.164 phone number: give the country code with a leading +, e.g. +13175550123`,
          }
        : { ok: true, value: e164 };
    }
    case 'SocialWhatsapp': {
      const e164 = toE164(value.startsWith('+') ? value : `+${value}`);
      return e164 === null
        ? { ok: false, message: `"${value}" is not a WhatsApp number in E.164 form` }
        : { ok: true, value: e164 };
    }
    case 'Email': {
      const email = normalizeEmail(value);
      return email === null
        ? { ok: false, message: `"${value}" is not a valid email address` }
        : { ok: true, value: email };
    }
    case 'SocialTwitter':
    case 'SocialLine':
    case 'SocialFacebook':
    case 'SocialInstagram':
    case 'AppleOpaqueId':
    case 'Cookie':
    case 'ExternalId':
      return { ok: true, value };
  }
}

/** The blocklist every organization starts with: values too common to identify anyone. */
export const DEFAULT_BLOCKLIST: readonly string[] = [
  '',
  '0',
  'null',
  'unknown',
  'anonymous',
  '-1',
  'none',
  'undefined',
  'n/a',
];

/**
 * Whether a normalized identifier value is junk that must never be claimed, matched or merged
 * on: a blocklisted value (case-insensitive), or a phone number whose national digits are all
 * zero or all the same digit.
 */
export function isBlockedValue(
  type: IdentifierType | 'PhoneDigits',
  value: string,
  blocklist: readonly string[],
): boolean {
  const lowered = value.trim().toLowerCase();
  if (blocklist.includes(lowered)) return true;
  if (type === 'Phone' || type === 'SocialWhatsapp' || type === 'PhoneDigits') {
    const digits = lowered.replace(/\D/g, '');
    if (digits.length === 0) return true;
    // Judge the national number (the country code differs from the rest in +1 000 000 0000);
    // for typed digits, whose country code is unknown, the last ten digits stand for it.
    const parsed = lowered.startsWith('+') ? parsePhoneNumberFromString(lowered) : undefined;
    const candidates = [
      parsed?.nationalNumber ?? digits,
      digits.length > 10 ? digits.slice(-10) : digits,
    ];
    if (candidates.some((national) => /^(\d)\1*$/.test(national))) return true;
  }
  return false;
}
