import { normalizeEmail } from './identifier.js';
import { looksLikePhone, phoneDigits, toE164 } from './phone.js';
import { twitterScreenNameKey, type ContactPoint } from './contact-points.js';
import { searchKey } from './contact.js';

/** What a `q` asks for: contact points to match exactly and/or a name prefix. */
export interface SearchTerms {
  readonly points: readonly ContactPoint[];
  /** A lower-cased name prefix, matched against first, last and full names. */
  readonly namePrefix?: string;
}

/** The custom-field point a query matches: identifier values and tags, by their search key. */
function customFieldPoint(text: string): ContactPoint[] {
  const key = searchKey(text);
  return key === null ? [] : [{ kind: 'CustomField', value: key }];
}

/**
 * Reads a search query (SPEC §9): an email is matched exactly; a phone-like term is normalized
 * to E.164 (and its digits find non-E.164 numbers); a quoted term is matched as typed (its
 * digits, not converted); anything else is a name prefix, also tried as a Twitter handle. Every
 * query is also matched, whole and case-insensitively, against identifier and tag custom fields.
 */
export function parseSearchQuery(q: string, defaultCountry = 'US'): SearchTerms {
  const text = q.trim();
  const quoted = /^"(.*)"$/.exec(text);
  if (quoted) {
    const inner = (quoted[1] ?? '').trim();
    const digits = phoneDigits(inner);
    const points: ContactPoint[] = [];
    if (looksLikePhone(inner)) points.push({ kind: 'PhoneDigits', value: digits });
    const email = normalizeEmail(inner);
    if (email !== null) points.push({ kind: 'Email', value: email });
    const typed = points.length > 0;
    points.push(...customFieldPoint(inner));
    const name = searchKey(inner);
    return name === null || typed ? { points } : { points, namePrefix: name };
  }
  const email = normalizeEmail(text);
  if (email !== null)
    return { points: [{ kind: 'Email', value: email }, ...customFieldPoint(text)] };
  if (looksLikePhone(text)) {
    const points: ContactPoint[] = [{ kind: 'PhoneDigits', value: phoneDigits(text) }];
    const e164 = toE164(text, defaultCountry);
    if (e164 !== null) points.push({ kind: 'Phone', value: e164 });
    points.push(...customFieldPoint(text));
    return { points };
  }
  const name = searchKey(text);
  const points: ContactPoint[] = [];
  if (/^@?[A-Za-z0-9_]+$/.test(text))
    points.push({ kind: 'TwitterScreenName', value: twitterScreenNameKey(text) });
  points.push(...customFieldPoint(text));
  return name === null ? { points } : { points, namePrefix: name };
}
