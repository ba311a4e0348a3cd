import type { PhoneNumber } from './phone.js';

/** How a contact came to be, which decides whether it expires (SPEC §3). */
export type ContactType = 'Ephemeral' | 'Identified' | 'Curated' | 'Canonical';

export interface ContactAddress {
  address1?: string;
  address2?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  countryCode?: string;
}

export interface TwitterId {
  id?: string;
  name?: string;
  screenName?: string;
  verified?: boolean;
  profileUrl?: string;
}

export interface LineId {
  ids: { userId: string }[];
  displayName?: string;
}

export interface WhatsAppId {
  phoneNumber: PhoneNumber;
  displayName?: string;
}

export interface FacebookId {
  ids: { scopedId: string }[];
  displayName?: string;
}

export interface InstagramId {
  ids: { scopedId: string }[];
  displayName?: string;
  handle?: string;
}

export interface ExternalIdRef {
  externalSource: { id: string };
  value: string;
}

/** The writable fields of a contact, normalized; absent fields are not set. */
export interface ContactFields {
  firstName?: string;
  middleName?: string;
  lastName?: string;
  salutation?: string;
  title?: string;
  workPhone?: PhoneNumber;
  cellPhone?: PhoneNumber;
  homePhone?: PhoneNumber;
  otherPhone?: PhoneNumber;
  workEmail?: string;
  personalEmail?: string;
  otherEmail?: string;
  address?: ContactAddress;
  twitterId?: TwitterId;
  lineId?: LineId;
  whatsAppId?: WhatsAppId;
  facebookId?: FacebookId;
  instagramId?: InstagramId;
  appleOpaqueIds?: { value: string }[];
  externalIds?: ExternalIdRef[];
  externalOrganization?: { id: string };
  surveyOptOut?: boolean;
  externalSystemUrl?: string;
  schema?: { id: string; version: number };
  customFields?: Record<string, unknown>;
}

/** An external contact, as services see it. */
export interface Contact {
  id: string;
  orgId: string;
  /** null: unassigned (`*` on the wire). */
  divisionId: string | null;
  type: ContactType;
  fields: ContactFields;
  version: number;
  createDate: string;
  modifyDate: string;
  /** Set on a contact merged away: the contact it was merged into (SPEC §6). */
  mergedTo?: string;
}

export const CONTACTS_PATH = '/api/v2/externalcontacts/contacts';
export const UNASSIGNED = '*';

export const NAME_FIELDS = ['firstName', 'middleName', 'lastName', 'salutation', 'title'] as const;
export const PHONE_FIELDS = ['workPhone', 'cellPhone', 'homePhone', 'otherPhone'] as const;
export const EMAIL_FIELDS = ['workEmail', 'personalEmail', 'otherEmail'] as const;
export type PhoneField = (typeof PHONE_FIELDS)[number];
export type EmailField = (typeof EMAIL_FIELDS)[number];

/** The `division` of the wire shape: `*` stands for unassigned. */
export function divisionRef(
  divisionId: string | null,
  names?: ReadonlyMap<string, string>,
): { id: string; name?: string; selfUri?: string } {
  if (divisionId === null) return { id: UNASSIGNED };
  const ref: { id: string; name?: string; selfUri?: string } = {
    id: divisionId,
    selfUri: `/api/v2/authorization/divisions/${divisionId}`,
  };
  const name = names?.get(divisionId);
  if (name !== undefined) ref.name = name;
  return ref;
}

/** The division id a request names: `*`, empty or absent mean unassigned (null). */
export function requestedDivisionId(
  division: { id?: string | undefined } | undefined | null,
): string | null | undefined {
  if (division === undefined || division === null) return undefined;
  const id = division.id?.trim();
  return id === undefined || id === '' || id === UNASSIGNED ? null : id;
}

export function contactSelfUri(id: string): string {
  return `${CONTACTS_PATH}/${id}`;
}

/** Lower-cases and strips accents, so that "Zoë" is found by "zoe". */
export function searchKey(value: string | undefined): string | null {
  if (value === undefined) return null;
  const key = value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
  return key === '' ? null : key;
}

/** The full-name key: first and last names joined, for "ada lovelace" style queries. */
export function fullNameKey(fields: ContactFields): string | null {
  return searchKey([fields.firstName, fields.lastName].filter((n) => n !== undefined).join(' '));
}

/** A claimed identifier in the Genesys `ContactIdentifier` shape. */
export interface ContactIdentifierView {
  division: { id: string; name?: string; selfUri?: string };
  type: string;
  value: string;
  dateCreated: string;
  externalSource?: { id: string; selfUri: string };
}

/** What a read asked to expand, already loaded by the service. */
export interface ContactViewOptions {
  readonly divisionNames?: ReadonlyMap<string, string>;
  readonly identifiers?: readonly ContactIdentifierView[];
  /** The linked organization in full, when `expand=externalOrganization`. */
  readonly organization?: Record<string, unknown>;
  /** The contact's place in a merge tree, when it is part of one. */
  readonly merge?: MergeLinks;
}

/** Where a contact stands in a merge tree (the Genesys merge fields), as ids. */
export interface MergeLinks {
  /** The head of the tree: the contact that is current. */
  readonly canonicalContactId: string;
  /** Every contact of the tree, the head included. */
  readonly mergeSet: readonly string[];
  /** The inputs of the merge that made this contact; empty when no merge made it. */
  readonly mergedFrom: readonly string[];
  readonly mergedTo?: string;
}

function contactRef(id: string): { id: string; selfUri: string } {
  return { id, selfUri: contactSelfUri(id) };
}

/** The Genesys `ExternalContact` shape. */
export type ContactView = Record<string, unknown> & {
  id: string;
  type: ContactType;
  selfUri: string;
};

/** One mapping from the domain contact to the wire shape. */
export function toContactView(contact: Contact, options: ContactViewOptions = {}): ContactView {
  const { externalOrganization, ...fields } = contact.fields;
  const view: ContactView = {
    id: contact.id,
    division: divisionRef(contact.divisionId, options.divisionNames),
    ...fields,
    type: contact.type,
    createDate: contact.createDate,
    modifyDate: contact.modifyDate,
    selfUri: contactSelfUri(contact.id),
  };
  if (externalOrganization !== undefined) {
    view.externalOrganization = options.organization ?? {
      id: externalOrganization.id,
      selfUri: `/api/v2/externalcontacts/organizations/${externalOrganization.id}`,
    };
  }
  if (options.identifiers !== undefined) view.identifiers = [...options.identifiers];
  const merge = options.merge;
  if (merge !== undefined) {
    view.canonicalContact = contactRef(merge.canonicalContactId);
    view.mergeSet = merge.mergeSet.map(contactRef);
    if (merge.mergedFrom.length > 0) view.mergedFrom = merge.mergedFrom.map(contactRef);
    if (merge.mergedTo !== undefined) view.mergedTo = contactRef(merge.mergedTo);
  } else if (contact.mergedTo !== undefined) {
    view.mergedTo = contactRef(contact.mergedTo);
  }
  return view;
}
