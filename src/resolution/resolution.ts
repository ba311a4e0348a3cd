import type { ContactInput } from '../contacts/contact-validation.js';
import type { ContactType } from '../contacts/contact.js';
import type { IdentifierType } from '../contacts/identifier.js';

/*
 * The rules of identity resolution (SPEC §5) that need no I/O: which identifiers a channel
 * matches on and in what order, what kind of contact an unknown customer becomes, and what that
 * contact holds.
 */

export const CHANNELS = [
  'voice',
  'sms',
  'email',
  'webmessaging',
  'openmessaging',
  'whatsapp',
  'facebook',
  'instagram',
  'twitter',
  'line',
  'apple',
] as const;

export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

/** The identifier types a channel matches on, highest priority first (SPEC §5 rule 1). */
const PRIORITIES: Record<Channel, readonly IdentifierType[]> = {
  voice: ['Phone'],
  sms: ['Phone'],
  email: ['Email'],
  // An external id on the web is the customer's login: it only counts when authenticated.
  webmessaging: ['Cookie', 'ExternalId', 'Email', 'Phone'],
  // The opaque id of the integration, stored as an external id of its external source.
  openmessaging: ['ExternalId', 'Phone', 'Email'],
  whatsapp: ['SocialWhatsapp', 'Phone'],
  facebook: ['SocialFacebook', 'Phone'],
  instagram: ['SocialInstagram', 'Phone'],
  twitter: ['SocialTwitter', 'Phone'],
  line: ['SocialLine', 'Phone'],
  apple: ['AppleOpaqueId', 'Phone'],
};

export function channelPriority(channel: Channel): readonly IdentifierType[] {
  return PRIORITIES[channel];
}

/** A normalized identifier of an interaction. */
export interface InteractionIdentifier {
  readonly type: IdentifierType;
  readonly value: string;
  /** The external source of an ExternalId; '' for other types. */
  readonly sourceKey: string;
}

/** Why an identifier of the request takes no part in resolution. */
export interface DroppedIdentifier {
  readonly type: string;
  readonly value: string;
  readonly reason: string;
}

/**
 * The identifiers to try, in the channel's priority order (by type, then as sent), each once.
 * Types the channel does not match on are dropped with a reason, as is a web messaging external
 * id of an unauthenticated customer.
 */
export function prioritize(
  channel: Channel,
  identifiers: readonly InteractionIdentifier[],
  authenticated: boolean,
): { ordered: InteractionIdentifier[]; dropped: DroppedIdentifier[] } {
  const priority = PRIORITIES[channel];
  const dropped: DroppedIdentifier[] = [];
  const seen = new Set<string>();
  const usable: InteractionIdentifier[] = [];
  for (const identifier of identifiers) {
    const key = `${identifier.type}\u0000${identifier.sourceKey}\u0000${identifier.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!priority.includes(identifier.type)) {
      dropped.push({
        ...identifier,
        reason: `the ${channel} channel does not match on ${identifier.type}`,
      });
    } else if (channel === 'webmessaging' && identifier.type === 'ExternalId' && !authenticated) {
      dropped.push({
        ...identifier,
        reason: 'a web messaging external id is matched only when the customer is authenticated',
      });
    } else usable.push(identifier);
  }
  const rank = (i: InteractionIdentifier) => priority.indexOf(i.type);
  // Array.prototype.sort is stable: identifiers of one type keep the order they were sent in.
  return { ordered: usable.sort((a, b) => rank(a) - rank(b)), dropped };
}

/** A visible contact found for identifier `index` of the ordered identifiers. */
export interface IdentifierMatch {
  readonly index: number;
  readonly via: 'claim' | 'contactPoint';
  readonly contactId: string;
  readonly createDate: string;
}

export type MatchChoice =
  | { kind: 'single'; index: number; via: IdentifierMatch['via']; contactId: string }
  | {
      kind: 'several';
      index: number;
      via: IdentifierMatch['via'];
      /** First-created first: the interaction links to the first (the peer behaviour). */
      contactIds: string[];
    }
  | { kind: 'none' };

/**
 * SPEC §5 rules 2 and 3: the first identifier, in priority order, that yields exactly one
 * contact (its claim holder first, else its single contact point) decides; when none does, the
 * first identifier that yields several makes the result ambiguous, with every candidate.
 */
export function chooseMatch(count: number, matches: readonly IdentifierMatch[]): MatchChoice {
  let several: MatchChoice = { kind: 'none' };
  for (let index = 0; index < count; index += 1) {
    for (const via of ['claim', 'contactPoint'] as const) {
      const found = matches
        .filter((m) => m.index === index && m.via === via)
        .sort(
          (a, b) =>
            a.createDate.localeCompare(b.createDate) || a.contactId.localeCompare(b.contactId),
        );
      const ids = [...new Set(found.map((m) => m.contactId))];
      if (ids.length === 1) return { kind: 'single', index, via, contactId: ids[0] as string };
      if (ids.length > 1) {
        if (several.kind === 'none') several = { kind: 'several', index, via, contactIds: ids };
        // A claim holder outranks contact points of the same identifier, even when several.
        break;
      }
    }
  }
  return several;
}

/**
 * What an unknown customer becomes (SPEC §3): Identified when the interaction carries a known
 * identifier (a phone, an email, an external id of a known source, or any identifier of an
 * authenticated customer), otherwise Ephemeral (a cookie, an unauthenticated messaging id).
 */
export function newContactType(
  identifiers: readonly InteractionIdentifier[],
  authenticated: boolean,
): Extract<ContactType, 'Identified' | 'Ephemeral'> {
  const known = identifiers.some(
    (i) =>
      i.type === 'Phone' ||
      i.type === 'Email' ||
      i.type === 'ExternalId' ||
      (authenticated && i.type !== 'Cookie'),
  );
  return known ? 'Identified' : 'Ephemeral';
}

/**
 * The fields of a contact made for an unknown customer: the first identifier of each kind in
 * the slot Genesys keeps it in, and the display name split into first and last name. Cookies
 * have no field: they are held as claims only.
 */
export function newContactInput(
  identifiers: readonly InteractionIdentifier[],
  name: string | undefined,
): ContactInput {
  const input: ContactInput = {};
  const words =
    name
      ?.trim()
      .split(/\s+/)
      .filter((w) => w !== '') ?? [];
  if (words.length > 0) input.firstName = words[0];
  if (words.length > 1) input.lastName = words.slice(1).join(' ');
  const first = (type: IdentifierType) => identifiers.find((i) => i.type === type)?.value;
  const phones = identifiers.filter((i) => i.type === 'Phone').map((i) => i.value);
  const slots = ['cellPhone', 'homePhone', 'workPhone', 'otherPhone'] as const;
  phones.slice(0, slots.length).forEach((e164, k) => {
    input[slots[k] as string] = { display: e164 };
  });
  const emails = identifiers.filter((i) => i.type === 'Email').map((i) => i.value);
  (['personalEmail', 'workEmail', 'otherEmail'] as const).forEach((slot, k) => {
    if (emails[k] !== undefined) input[slot] = emails[k];
  });
  const externalIds = identifiers
    .filter((i) => i.type === 'ExternalId')
    .slice(0, 10)
    .map((i) => ({ externalSource: { id: i.sourceKey }, value: i.value }));
  if (externalIds.length > 0) input.externalIds = externalIds;
  const twitter = first('SocialTwitter');
  if (twitter !== undefined) input.twitterId = { id: twitter };
  const facebook = first('SocialFacebook');
  if (facebook !== undefined) input.facebookId = { ids: [{ scopedId: facebook }] };
  const instagram = first('SocialInstagram');
  if (instagram !== undefined) input.instagramId = { ids: [{ scopedId: instagram }] };
  const line = first('SocialLine');
  if (line !== undefined) input.lineId = { ids: [{ userId: line }] };
  const whatsapp = first('SocialWhatsapp');
  if (whatsapp !== undefined) input.whatsAppId = { phoneNumber: { display: whatsapp } };
  const apple = identifiers.filter((i) => i.type === 'AppleOpaqueId').slice(0, 10);
  if (apple.length > 0) input.appleOpaqueIds = apple.map((i) => ({ value: i.value }));
  return input;
}
