import { isBlockedValue, type IdentifierType } from './identifier.js';
import { phoneDigits } from './phone.js';
import { EMAIL_FIELDS, PHONE_FIELDS, searchKey, type ContactFields } from './contact.js';
import { searchableValues } from '../schemas/custom-field-schema.js';

/**
 * How a contact point was recorded: an identifier type, or a search-only kind. `CustomField`
 * holds the search key of an identifier custom field's value or of a tag (SPEC §7).
 */
export type PointKind = IdentifierType | 'PhoneDigits' | 'TwitterScreenName' | 'CustomField';

/** A place a contact can be found: not unique, a household may share one. */
export interface ContactPoint {
  readonly kind: PointKind;
  readonly value: string;
}

/** An external id's contact-point value: unique per (source, value). */
export function externalIdPointValue(sourceId: string, value: string): string {
  return `${sourceId}/${value}`;
}

export function twitterScreenNameKey(screenName: string): string {
  return screenName.replace(/^@/, '').toLowerCase();
}

/**
 * The contact points of a contact's fields: phones as E.164 (and the typed digits, so non-E.164
 * numbers are found too), emails, social ids, Apple ids and external ids. Blocked junk values
 * are left out, so nothing ever matches on them. Identifier and tag custom fields are points
 * too (their search keys), for search.
 */
export function contactPoints(fields: ContactFields, blocklist: readonly string[]): ContactPoint[] {
  const points = new Map<string, ContactPoint>();
  const add = (kind: Exclude<PointKind, 'CustomField'>, value: string | undefined): void => {
    if (
      value === undefined ||
      value === '' ||
      isBlockedValue(kind === 'TwitterScreenName' ? 'SocialTwitter' : kind, value, blocklist)
    ) {
      return;
    }
    points.set(`${kind}\u0000${value}`, { kind, value });
  };
  for (const slot of PHONE_FIELDS) {
    const phone = fields[slot];
    if (phone === undefined) continue;
    add('Phone', phone.e164);
    const digits = phoneDigits(phone.userInput ?? phone.display ?? '');
    if (digits.length >= 3) add('PhoneDigits', digits);
  }
  for (const slot of EMAIL_FIELDS) add('Email', fields[slot]);
  add('SocialTwitter', fields.twitterId?.id);
  const screenName = fields.twitterId?.screenName;
  if (screenName !== undefined) add('TwitterScreenName', twitterScreenNameKey(screenName));
  for (const id of fields.lineId?.ids ?? []) add('SocialLine', id.userId);
  for (const id of fields.facebookId?.ids ?? []) add('SocialFacebook', id.scopedId);
  for (const id of fields.instagramId?.ids ?? []) add('SocialInstagram', id.scopedId);
  add('SocialWhatsapp', fields.whatsAppId?.phoneNumber.e164);
  for (const id of fields.appleOpaqueIds ?? []) add('AppleOpaqueId', id.value);
  for (const id of fields.externalIds ?? [])
    add('ExternalId', externalIdPointValue(id.externalSource.id, id.value));
  // Custom fields are searched for, never matched on: the identifier blocklist is not theirs.
  for (const value of searchableValues(fields.customFields)) {
    const key = searchKey(value);
    if (key !== null) points.set(`CustomField\u0000${key}`, { kind: 'CustomField', value: key });
  }
  return [...points.values()];
}
