import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { findExternalSource } from '../external-sources/external-source.repository.js';
import { externalSourceRef } from '../external-sources/external-source.js';
import { loadBlocklist } from '../settings/org-settings.repository.js';
import { nowIso } from '../common/time.js';
import { badRequest, conflict, notFound } from '../errors/app-error.js';
import { conflictOnDuplicate } from '../db/errors.js';
import { recordChange } from '../events/change.repository.js';
import { contactTopic } from '../events/change.js';
import {
  deleteClaim,
  findClaim,
  findClaimsInDivisions,
  insertClaim,
  listClaimsOf,
  type Claim,
  type ClaimKey,
} from './claim.repository.js';
import { findContact, findContactsByPoint } from './contact.repository.js';
import { externalIdPointValue, twitterScreenNameKey, type ContactPoint } from './contact-points.js';
import { contactReadFilter, getContact, requireNotMerged, VIEW } from './contact.service.js';
import {
  isBlockedValue,
  isIdentifierType,
  normalizeEmail,
  normalizeIdentifierValue,
  type IdentifierType,
} from './identifier.js';
import { divisionRef, UNASSIGNED, type Contact, type ContactIdentifierView } from './contact.js';
import { toE164 } from './phone.js';

/** An identifier as a request carries it. */
export interface IdentifierInput {
  type: string;
  value: string;
  externalSource?: { id?: string | undefined } | undefined;
}

/** A checked and normalized identifier. */
export interface Identifier {
  type: IdentifierType;
  value: string;
  /** '' when the type takes no source. */
  sourceKey: string;
}

/**
 * Validates and normalizes an identifier: known type, value normalized per type, an external
 * source (required for ExternalId) that exists, and not a blocked junk value.
 * @throws AppError 400 naming the field.
 */
export async function checkIdentifier(
  db: Kysely<DB>,
  orgId: string,
  input: IdentifierInput,
  field = 'identifier',
): Promise<Identifier> {
  if (!isIdentifierType(input.type)) {
    throw badRequest(`${field}.type "${input.type}" is not an identifier type`, `${field}.type`);
  }
  const normalized = normalizeIdentifierValue(input.type, input.value);
  if (!normalized.ok) throw badRequest(`${field}.value: ${normalized.message}`, `${field}.value`);
  const sourceId = input.externalSource?.id?.trim();
  if (input.type === 'ExternalId' && (sourceId === undefined || sourceId === '')) {
    throw badRequest(
      `${field}.externalSource.id is required for an ExternalId`,
      `${field}.externalSource.id`,
    );
  }
  if (
    sourceId !== undefined &&
    sourceId !== '' &&
    !(await findExternalSource(db, orgId, sourceId))
  ) {
    throw badRequest(`External source ${sourceId} does not exist`, `${field}.externalSource.id`);
  }
  if (isBlockedValue(input.type, normalized.value, await loadBlocklist(db, orgId))) {
    throw badRequest(
      `${field}.value "${normalized.value}" is on the organization's blocklist of junk identifiers and is never claimed or matched`,
      `${field}.value`,
    );
  }
  return {
    type: input.type,
    value: normalized.value,
    sourceKey: input.type === 'ExternalId' ? (sourceId ?? '') : '',
  };
}

export function toIdentifierView(
  claim: Claim,
  divisionNames?: ReadonlyMap<string, string>,
): ContactIdentifierView {
  const view: ContactIdentifierView = {
    division: divisionRef(
      claim.divisionKey === UNASSIGNED ? null : claim.divisionKey,
      divisionNames,
    ),
    type: claim.type,
    value: claim.value,
    dateCreated: claim.createdAt,
  };
  if (claim.sourceKey !== '') view.externalSource = externalSourceRef(claim.sourceKey);
  return view;
}

/** The identifiers a contact claims. */
export async function listIdentifiers(
  db: Kysely<DB>,
  principal: Principal,
  contactId: string,
): Promise<ContactIdentifierView[]> {
  const contact = await getContact(db, principal, contactId);
  return (await listClaimsOf(db, principal.orgId, 'contact', [contact.id])).map((c) =>
    toIdentifierView(c),
  );
}

/**
 * Claims an identifier for a contact in the contact's division. Claiming one the contact holds
 * already is a no-op.
 * @throws AppError 409 naming the contact that holds it.
 */
export async function claimIdentifier(
  db: Kysely<DB>,
  principal: Principal,
  contactId: string,
  input: IdentifierInput,
): Promise<ContactIdentifierView> {
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const contact = await getContact(trx, principal, contactId);
        requireAccess(principal, 'externalContacts:contact:edit', contact.divisionId);
        requireNotMerged(contact);
        const identifier = await checkIdentifier(trx, principal.orgId, input);
        return insertOwnClaim(trx, principal, contactOwner(contact), identifier);
      }),
    `The identifier was claimed by another contact at the same moment; read it again`,
  );
}

/**
 * Releases an identifier the contact claims.
 * @throws AppError 404 when the contact does not claim it.
 */
export async function releaseIdentifier(
  db: Kysely<DB>,
  principal: Principal,
  contactId: string,
  input: IdentifierInput,
): Promise<ContactIdentifierView> {
  return db.transaction().execute(async (trx) => {
    const contact = await getContact(trx, principal, contactId);
    requireAccess(principal, 'externalContacts:contact:edit', contact.divisionId);
    requireNotMerged(contact);
    if (!isIdentifierType(input.type))
      throw badRequest(
        `identifier.type "${input.type}" is not an identifier type`,
        'identifier.type',
      );
    const normalized = normalizeIdentifierValue(input.type, input.value);
    if (!normalized.ok)
      throw badRequest(`identifier.value: ${normalized.message}`, 'identifier.value');
    const sourceKey = input.type === 'ExternalId' ? (input.externalSource?.id?.trim() ?? '') : '';
    return deleteOwnClaim(trx, principal, contactOwner(contact), {
      type: input.type,
      sourceKey,
      value: normalized.value,
    });
  });
}

/** A contact or organization as the owner of identifier claims. */
export interface ClaimOwner {
  entityType: Claim['entityType'];
  /** How a 404 names the owner: `Contact`, `Organization`. */
  label: string;
  id: string;
  divisionId: string | null;
  topic: string;
}

function contactOwner(contact: Contact): ClaimOwner {
  return {
    entityType: 'contact',
    label: 'Contact',
    id: contact.id,
    divisionId: contact.divisionId,
    topic: contactTopic(contact.id),
  };
}

/** The key of an identifier claim by `owner`, in its division. */
function ownClaimKey(
  principal: Principal,
  owner: ClaimOwner,
  identifier: Pick<Claim, 'type' | 'sourceKey' | 'value'>,
): ClaimKey {
  return {
    orgId: principal.orgId,
    entityType: owner.entityType,
    divisionKey: owner.divisionId ?? UNASSIGNED,
    ...identifier,
  };
}

/**
 * Claims a checked identifier for `owner` in its division and records the change. Claiming one
 * the owner holds already is a no-op.
 * @throws AppError 409 naming the record of the same type that holds it.
 */
export async function insertOwnClaim(
  trx: Kysely<DB>,
  principal: Principal,
  owner: ClaimOwner,
  identifier: Pick<Claim, 'type' | 'sourceKey' | 'value'>,
): Promise<ContactIdentifierView> {
  const key = ownClaimKey(principal, owner, identifier);
  const holder = await findClaim(trx, key);
  if (holder !== undefined) {
    if (holder.entityId === owner.id) return toIdentifierView(holder);
    throw conflict(
      `${identifier.type} ${identifier.value} is already claimed by ${owner.entityType} ${holder.entityId} in this division; release it there first`,
      [
        {
          errorCode: 'identifier.claimed',
          entityId: holder.entityId,
          entityName: owner.entityType,
        },
      ],
    );
  }
  const claim: Claim = { ...key, entityId: owner.id, createdAt: nowIso() };
  await insertClaim(trx, claim);
  await recordChange(trx, {
    orgId: principal.orgId,
    topic: owner.topic,
    kind: 'updated',
    entityType: owner.entityType,
    entityId: owner.id,
    divisionId: owner.divisionId,
    principal,
    before: null,
    after: { identifierClaimed: toIdentifierView(claim) },
  });
  return toIdentifierView(claim);
}

/**
 * Releases a normalized identifier `owner` claims in its division and records the change.
 * @throws AppError 404 when the owner does not claim it.
 */
export async function deleteOwnClaim(
  trx: Kysely<DB>,
  principal: Principal,
  owner: ClaimOwner,
  identifier: Pick<Claim, 'type' | 'sourceKey' | 'value'>,
): Promise<ContactIdentifierView> {
  const key = ownClaimKey(principal, owner, identifier);
  const claim = await findClaim(trx, key);
  if (claim === undefined || claim.entityId !== owner.id) {
    throw notFound(
      `${owner.label} ${owner.id} does not claim ${identifier.type} ${identifier.value}; identifier`,
    );
  }
  await deleteClaim(trx, key);
  await recordChange(trx, {
    orgId: principal.orgId,
    topic: owner.topic,
    kind: 'updated',
    entityType: owner.entityType,
    entityId: owner.id,
    divisionId: owner.divisionId,
    principal,
    before: { identifierReleased: toIdentifierView(claim) },
    after: null,
  });
  return toIdentifierView(claim);
}

/** The contact point an identifier is indexed as. */
export function pointOf(identifier: Identifier): ContactPoint {
  return identifier.type === 'ExternalId'
    ? { kind: 'ExternalId', value: externalIdPointValue(identifier.sourceKey, identifier.value) }
    : { kind: identifier.type, value: identifier.value };
}

/**
 * The visible contacts an identifier finds (SPEC §4): those that claim it (the earliest claim
 * first, when several divisions hold it), else those whose contact point matches, oldest first,
 * at most `limit`.
 */
export async function contactsByIdentifier(
  db: Kysely<DB>,
  principal: Principal,
  identifier: Identifier,
  limit: number,
): Promise<{ via: 'claim' | 'contactPoint'; contacts: Contact[] }> {
  const filter = contactReadFilter(principal);
  const divisionKeys =
    filter.divisionIds === 'all'
      ? 'all'
      : [...filter.divisionIds, ...(filter.includeUnassigned ? [UNASSIGNED] : [])];
  const claims = await findClaimsInDivisions(
    db,
    {
      orgId: principal.orgId,
      entityType: 'contact',
      type: identifier.type,
      sourceKey: identifier.sourceKey,
      value: identifier.value,
    },
    divisionKeys,
  );
  const claimants: Contact[] = [];
  for (const claim of claims.slice(0, limit)) {
    const contact = await findContact(db, principal.orgId, claim.entityId);
    if (contact && canAccess(principal, VIEW, contact.divisionId)) claimants.push(contact);
  }
  if (claimants.length > 0) return { via: 'claim', contacts: claimants };
  const byPoint = await findContactsByPoint(
    db,
    principal.orgId,
    pointOf(identifier),
    filter,
    limit,
  );
  return { via: 'contactPoint', contacts: byPoint };
}

/**
 * Finds the contact an identifier belongs to (SPEC §4): the visible contact that claims it (the
 * earliest claim when several divisions hold it), else the single visible contact whose contact
 * point matches.
 * @throws AppError 404 when none or several contacts match; 400 for a malformed identifier.
 */
export async function lookupContact(
  db: Kysely<DB>,
  principal: Principal,
  input: IdentifierInput,
): Promise<Contact> {
  contactReadFilter(principal);
  const identifier = await checkIdentifier(db, principal.orgId, input);
  const found = await contactsByIdentifier(db, principal, identifier, 2);
  const [first] = found.contacts;
  if (first !== undefined && (found.via === 'claim' || found.contacts.length === 1)) return first;
  throw notFound(`No single contact has ${identifier.type} ${identifier.value}; contact`);
}

export const REVERSE_LOOKUP_LIMIT = 25;

/**
 * Reverse white pages: the visible contacts with an email, an E.164 phone or a Twitter screen
 * name, at most 25, oldest first.
 * @throws AppError 400 when the value is none of those.
 */
export async function reverseLookup(
  db: Kysely<DB>,
  principal: Principal,
  lookupVal: string,
  divisionId?: string,
): Promise<Contact[]> {
  const filter = contactReadFilter(principal, divisionId === undefined ? undefined : [divisionId]);
  const value = lookupVal.trim();
  let point: { kind: 'Email' | 'Phone' | 'TwitterScreenName'; value: string } | null = null;
  const email = normalizeEmail(value);
  if (email !== null) point = { kind: 'Email', value: email };
  else if (value.startsWith('+')) {
    const e164 = toE164(value);
    if (e164 !== null) point = { kind: 'Phone', value: e164 };
  } else if (/^@?[A-Za-z0-9_]+$/.test(value))
    point = { kind: 'TwitterScreenName', value: twitterScreenNameKey(value) };
  if (point === null) {
    throw badRequest(
      'lookupVal must be an email address, an E.164 phone number (+13175550123) or a Twitter screen name',
      'lookupVal',
    );
  }
  if (
    isBlockedValue(
      point.kind === 'TwitterScreenName' ? 'SocialTwitter' : point.kind,
      point.value,
      await loadBlocklist(db, principal.orgId),
    )
  )
    return [];
  return findContactsByPoint(db, principal.orgId, point, filter, REVERSE_LOOKUP_LIMIT);
}

/** The claims of several contacts, grouped by contact (for `expand=identifiers`). */
export async function identifiersByContact(
  db: Kysely<DB>,
  orgId: string,
  contactIds: readonly string[],
): Promise<Map<string, ContactIdentifierView[]>> {
  const result = new Map<string, ContactIdentifierView[]>(contactIds.map((id) => [id, []]));
  for (const claim of await listClaimsOf(db, orgId, 'contact', contactIds)) {
    result.get(claim.entityId)?.push(toIdentifierView(claim));
  }
  return result;
}
