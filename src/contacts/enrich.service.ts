import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { loadBlocklist } from '../settings/org-settings.repository.js';
import { nowIso } from '../common/time.js';
import { badRequest, changedMeanwhile, conflict, notFound } from '../errors/app-error.js';
import { mergeWithin } from '../merge/merge.service.js';
import { claimFreeIdentifiers } from './claim.repository.js';
import { updateContact as updateContactRow } from './contact.repository.js';
import { contactPoints } from './contact-points.js';
import { normalizeContactFields, type ContactInput } from './contact-validation.js';
import { DEFAULT_COUNTRY } from './phone.js';
import { checkCustomFields } from '../schemas/schema.service.js';
import {
  checkReferences,
  getContact,
  insertCuratedContact,
  recordContactChange,
  requireNotMerged,
} from './contact.service.js';
import {
  checkIdentifier,
  contactsByIdentifier,
  type Identifier,
  type IdentifierInput,
} from './identifier.service.js';
import { requestedDivisionId, type Contact } from './contact.js';
import {
  checkAction,
  checkFieldRules,
  enrichFields,
  MAX_MATCHING_IDENTIFIERS,
  CONTACT_ENRICH_SHAPE,
  inTransaction,
  type FieldRulesInput,
} from '../common/enrich.js';

export const ENRICH = 'externalContacts:contact:enrich';
const MERGE = 'externalContacts:identity:merge';
/** The most contacts one identifier may find for Merge: a merge takes at most 25. */
const MATCH_LIMIT = 25;

/** A Genesys `ContactEnrichRequest`. */
export interface EnrichRequest {
  id?: string | undefined;
  division?: { id?: string | undefined } | undefined;
  matchingIdentifiers?: IdentifierInput[] | undefined;
  action?: string | undefined;
  contact?: ContactInput | undefined;
  fieldRules?: FieldRulesInput | undefined;
  options?: { promote?: boolean | undefined } | undefined;
}

export interface EnrichOutcome {
  readonly contact: Contact;
  /** A new contact was (or, in a dry run, would be) made: 201. */
  readonly created: boolean;
}

/**
 * Enriches a contact (Genesys `POST /contacts/enrich`): finds it by `id` or by the first
 * matching identifier that finds any contact, then by `action` creates one (Insert, or Upsert and
 * Merge when nothing matched), changes the one found under `fieldRules` (Update, Upsert, Merge),
 * or merges those found first (Merge, several matches). A new contact claims the matching
 * identifiers, a found one the identifier that found it, where nobody holds them in its division. With `dryRun` nothing is kept: the work is done in
 * a transaction that is rolled back, so the answer is exactly what would be written.
 * @throws AppError 400 for a malformed request, 404 when Update finds nothing, 409 when Insert
 * finds a contact or Update/Upsert find several, 403 without enrich permission.
 */
export async function enrichContact(
  db: Kysely<DB>,
  principal: Principal,
  request: EnrichRequest,
  options: { dryRun?: boolean } = {},
): Promise<EnrichOutcome> {
  const action = checkAction(request.action);
  const rules = checkFieldRules(request.fieldRules, CONTACT_ENRICH_SHAPE);
  const matching = request.matchingIdentifiers ?? [];
  if (
    request.id === undefined &&
    (matching.length < 1 || matching.length > MAX_MATCHING_IDENTIFIERS)
  )
    throw badRequest(
      `matchingIdentifiers lists 1 to ${MAX_MATCHING_IDENTIFIERS} identifiers to find the contact by, got ${matching.length}`,
      'matchingIdentifiers',
    );
  if (matching.length > MAX_MATCHING_IDENTIFIERS)
    throw badRequest(
      `matchingIdentifiers lists at most ${MAX_MATCHING_IDENTIFIERS} identifiers`,
      'matchingIdentifiers',
    );
  const provided = normalizeContactFields(request.contact ?? {}, DEFAULT_COUNTRY);
  const run = async (trx: Kysely<DB>): Promise<EnrichOutcome> => {
    const identifiers: Identifier[] = [];
    for (const [k, input] of matching.entries())
      identifiers.push(
        await checkIdentifier(trx, principal.orgId, input, `matchingIdentifiers[${k}]`),
      );
    let matches: Contact[] = [];
    // The identifier that found the contact: the one it claims (others may be another's).
    let foundBy: Identifier[] = [];
    if (request.id !== undefined) {
      matches = [await getContact(trx, principal, request.id)];
    } else {
      for (const identifier of identifiers) {
        const found = await contactsByIdentifier(trx, principal, identifier, MATCH_LIMIT);
        matches = found.contacts.filter((c) => c.mergedTo === undefined);
        foundBy = [identifier];
        if (matches.length > 0) break;
      }
    }
    const described = matches.map((c) => c.id).join(', ');
    if (matches.length === 0) {
      if (action === 'Update')
        throw notFound(
          'No contact matches the matchingIdentifiers (Update changes an existing contact; Upsert makes one); contact',
        );
      return {
        contact: await create(trx, principal, request, provided, identifiers),
        created: true,
      };
    }
    if (action === 'Insert')
      throw conflict(
        `Contact ${described} matches already; Insert only makes new contacts (Update or Upsert change one)`,
      );
    let target = matches[0] as Contact;
    if (matches.length > 1) {
      if (action !== 'Merge')
        throw conflict(
          `${matches.length} contacts match (${described}); ${action} changes one: name it by id, or use action Merge`,
        );
      requireAccess(principal, MERGE, target.divisionId);
      target = (
        await mergeWithin(
          trx,
          principal,
          matches.map((c) => c.id),
          {},
          false,
        )
      ).contact;
    }
    return {
      contact: await update(trx, principal, target, request, provided, rules, foundBy),
      created: false,
    };
  };
  return inTransaction(db, options.dryRun === true, run);
}

async function create(
  trx: Kysely<DB>,
  principal: Principal,
  request: EnrichRequest,
  fields: Contact['fields'],
  identifiers: readonly Identifier[],
): Promise<Contact> {
  const contact = await insertCuratedContact(
    trx,
    principal,
    requestedDivisionId(request.division) ?? null,
    ENRICH,
    () => fields,
  );
  await claimFreeIdentifiers(
    trx,
    { ...contact, entityType: 'contact' },
    identifiers,
    contact.createDate,
  );
  return contact;
}

async function update(
  trx: Kysely<DB>,
  principal: Principal,
  current: Contact,
  request: EnrichRequest,
  provided: Contact['fields'],
  rules: ReturnType<typeof checkFieldRules>,
  identifiers: readonly Identifier[],
): Promise<Contact> {
  requireAccess(principal, ENRICH, current.divisionId);
  requireNotMerged(current);
  // The combined fields are checked as a whole, so that Extend cannot pass a limit.
  const fields = normalizeContactFields(
    enrichFields(current.fields, provided, rules, CONTACT_ENRICH_SHAPE) as ContactInput,
    DEFAULT_COUNTRY,
  );
  await checkReferences(trx, principal, fields, current.fields);
  await checkCustomFields(trx, principal.orgId, 'contact', fields, current.fields);
  const promote =
    request.options?.promote === true &&
    (current.type === 'Ephemeral' || current.type === 'Identified');
  const updated: Contact = {
    ...current,
    fields,
    type: promote ? 'Curated' : current.type,
    version: current.version + 1,
    modifyDate: nowIso(),
  };
  const blocklist = await loadBlocklist(trx, principal.orgId);
  if (!(await updateContactRow(trx, updated, current.version, contactPoints(fields, blocklist))))
    throw changedMeanwhile('Contact', current.id);
  await claimFreeIdentifiers(
    trx,
    { ...updated, entityType: 'contact' },
    identifiers,
    updated.modifyDate,
  );
  await recordContactChange(trx, principal, 'updated', principal.orgId, current, updated);
  return updated;
}
