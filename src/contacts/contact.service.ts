import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal, type ReadFilter } from '../authorization/access.js';
import { requireAccess, requireReadFilter } from '../authorization/guard.js';
import { divisionChangeError } from '../authorization/access.js';
import { findDivision } from '../divisions/division.repository.js';
import { checkExternalSources } from '../external-sources/external-source.service.js';
import { loadBlocklist } from '../settings/org-settings.repository.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import { checkIfMatch } from '../common/etag.js';
import { checkScanLimit, scanFilter, scanPage, type ScanRequest } from '../common/scan.js';
import { AppError, badRequest, changedMeanwhile, conflict, notFound } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { recordChange } from '../events/change.repository.js';
import { contactTopic, type ChangeKind } from '../events/change.js';
import {
  deleteContactRow,
  findContact,
  findCurrentContact,
  insertContact,
  moveContactRows,
  scanContacts as scanContactRows,
  searchContacts as searchContactRows,
  updateContact as updateContactRow,
  type ContactSearchResult,
  type ContactSortField,
} from './contact.repository.js';
import { deleteClaimsOf, findClaimsInDivisions, listClaimsOf } from './claim.repository.js';
import { findMerges } from '../merge/merge.repository.js';
import { deleteNotesOf } from '../notes/note.repository.js';
import { findOrganization } from '../organizations/organization.repository.js';
import { ORGANIZATION_VIEW } from '../organizations/organization.service.js';
import { contactPoints } from './contact-points.js';
import { parseSearchQuery } from './contact-search.js';
import { normalizeContactFields, type ContactInput } from './contact-validation.js';
import { applyPatch, type PatchChange } from './contact-patch.js';
import { DEFAULT_COUNTRY } from './phone.js';
import { checkCustomFields } from '../schemas/schema.service.js';
import {
  requestedDivisionId,
  toContactView,
  UNASSIGNED,
  type Contact,
  type ContactFields,
  type ContactType,
} from './contact.js';

export const VIEW = 'externalContacts:contact:view';
const ADD = 'externalContacts:contact:add';
const EDIT = 'externalContacts:contact:edit';
const DELETE = 'externalContacts:contact:delete';

/**
 * Loads a contact the principal may view. A contact of another organization, or in a division the
 * principal cannot see, answers 404 exactly like a missing one, so ids reveal nothing.
 */
export async function getContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<Contact> {
  const contact = await findContact(db, principal.orgId, id);
  if (!contact || !canAccess(principal, VIEW, contact.divisionId))
    throw notFound('External contact', id);
  return contact;
}

/**
 * Loads a contact the principal may view, following merges: a contact merged away answers the
 * contact it was merged into (SPEC §6), as `GET /contacts/{id}` does.
 * @throws AppError 404 like getContact.
 */
export async function getCurrentContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<Contact> {
  const contact = await findCurrentContact(db, principal.orgId, id);
  if (!contact || !canAccess(principal, VIEW, contact.divisionId))
    throw notFound('External contact', id);
  return contact;
}

/**
 * Refuses a change to a contact merged away: it is history of the contact it went into, which
 * unmerge restores as it was.
 * @throws AppError 409 naming the contact to change instead.
 */
export function requireNotMerged(contact: Contact): void {
  if (contact.mergedTo !== undefined)
    throw new AppError(
      ErrorCode.conflict,
      `Contact ${contact.id} was merged into ${contact.mergedTo} and cannot change; change ${contact.mergedTo}, or unmerge it first`,
      409,
    );
}

/** The visible-contacts filter of a principal. @throws AppError 403 when it can view nothing. */
export function contactReadFilter(
  principal: Principal,
  divisionIds?: readonly string[],
): ReadFilter {
  return requireReadFilter(principal, VIEW, divisionIds);
}

/**
 * Checks what the fields refer to: external sources must exist, and the linked organization must
 * exist and be visible to the principal. References the contact already had (`previous`) are
 * kept without a check, so a contact whose source was deleted since can still be edited.
 * @throws AppError 400 naming the field.
 */
export async function checkReferences(
  db: Kysely<DB>,
  principal: Principal,
  fields: ContactFields,
  previous?: ContactFields,
): Promise<void> {
  const orgId = principal.orgId;
  const kept = new Set((previous?.externalIds ?? []).map((e) => e.externalSource.id));
  await checkExternalSources(db, orgId, fields.externalIds ?? [], kept);
  const orgRef = fields.externalOrganization?.id;
  if (orgRef !== undefined && orgRef !== previous?.externalOrganization?.id) {
    const organization = await findOrganization(db, orgId, orgRef);
    // One that exists in a division the principal cannot see reads as missing: ids leak nothing.
    if (!organization || !canAccess(principal, ORGANIZATION_VIEW, organization.divisionId)) {
      throw badRequest(`External organization ${orgRef} does not exist`, 'externalOrganization.id');
    }
  }
}

/** Records a change to a contact: its event and audit entry, in the caller's transaction. */
export async function recordContactChange(
  db: Kysely<DB>,
  principal: Principal | null,
  kind: ChangeKind,
  orgId: string,
  before: Contact | null,
  after: Contact | null,
): Promise<void> {
  const subject = (after ?? before) as Contact;
  await recordChange(db, {
    orgId,
    topic: contactTopic(subject.id),
    kind,
    entityType: 'contact',
    entityId: subject.id,
    divisionId: subject.divisionId,
    principal,
    before: before && toContactView(before),
    after: after && toContactView(after),
  });
}

/**
 * Creates a Curated contact in the requested division (unassigned when none is named).
 * @throws AppError 400 for an unknown division, source or organization or a broken limit; 403
 * without add permission on the division.
 */
export async function createContact(
  db: Kysely<DB>,
  principal: Principal,
  input: ContactInput,
): Promise<Contact> {
  const divisionId = requestedDivisionId(input.division as { id?: string } | undefined) ?? null;
  return db
    .transaction()
    .execute((trx) =>
      insertCuratedContact(trx, principal, divisionId, ADD, () =>
        normalizeContactFields(input, DEFAULT_COUNTRY),
      ),
    );
}

/**
 * Makes a Curated contact in a division, inside the caller's transaction: the division must
 * exist and the principal hold `permission` on it; the fields' references and custom fields
 * (against the schema version they name) are checked, the contact points indexed and the change
 * recorded.
 * @throws AppError 400 for an unknown division or reference, a disabled schema or a custom field
 * that breaks its schema; 403 without the permission.
 */
export async function insertCuratedContact(
  trx: Kysely<DB>,
  principal: Principal,
  divisionId: string | null,
  permission: string,
  makeFields: () => ContactFields,
): Promise<Contact> {
  if (divisionId !== null && !(await findDivision(trx, principal.orgId, divisionId)))
    throw badRequest(`Division ${divisionId} does not exist`, 'division.id');
  requireAccess(principal, permission, divisionId);
  const fields = makeFields();
  await checkReferences(trx, principal, fields);
  await checkCustomFields(trx, principal.orgId, 'contact', fields);
  const now = nowIso();
  const contact: Contact = {
    id: newId(),
    orgId: principal.orgId,
    divisionId,
    type: 'Curated',
    fields,
    version: 1,
    createDate: now,
    modifyDate: now,
  };
  const blocklist = await loadBlocklist(trx, principal.orgId);
  await insertContact(trx, contact, contactPoints(fields, blocklist));
  await recordContactChange(trx, principal, 'created', principal.orgId, null, contact);
  return contact;
}

/** An edit by a person or client curates a temporary contact. */
function typeAfterEdit(type: ContactType): ContactType {
  return type === 'Ephemeral' || type === 'Identified' ? 'Curated' : type;
}

/**
 * Writes new fields on a contact in one transaction: permission and If-Match checked against
 * the current row, the division kept, custom fields checked (a schema disabled since the contact
 * was given it may stay), points rebuilt, the change recorded.
 */
async function writeFields(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  ifMatch: string | undefined,
  makeFields: (current: Contact) => ContactFields,
): Promise<Contact> {
  return db.transaction().execute(async (trx) => {
    const current = await getContact(trx, principal, id);
    requireAccess(principal, EDIT, current.divisionId);
    requireNotMerged(current);
    checkIfMatch(ifMatch, current.version, 'contact');
    const fields = makeFields(current);
    await checkReferences(trx, principal, fields, current.fields);
    await checkCustomFields(trx, principal.orgId, 'contact', fields, current.fields);
    const updated: Contact = {
      ...current,
      fields,
      type: typeAfterEdit(current.type),
      version: current.version + 1,
      modifyDate: nowIso(),
    };
    const blocklist = await loadBlocklist(trx, principal.orgId);
    if (
      !(await updateContactRow(trx, updated, current.version, contactPoints(fields, blocklist)))
    ) {
      throw changedMeanwhile('Contact', id);
    }
    await recordContactChange(trx, principal, 'updated', principal.orgId, current, updated);
    return updated;
  });
}

function checkDivisionKept(current: Contact, input: ContactInput): void {
  const message = divisionChangeError(
    current.divisionId,
    requestedDivisionId(input.division as { id?: string } | undefined),
  );
  if (message !== null) throw badRequest(message, 'division');
}

/**
 * Replaces a contact's fields (PUT). Fields left out are removed; read-only fields sent back
 * from a GET are ignored. The division cannot change.
 * @throws AppError 400/403/404/409/412.
 */
export async function replaceContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: ContactInput,
  ifMatch?: string,
): Promise<Contact> {
  const fields = normalizeContactFields(input, DEFAULT_COUNTRY);
  return writeFields(db, principal, id, ifMatch, (current) => {
    checkDivisionKept(current, input);
    return fields;
  });
}

const READ_ONLY = [
  'id',
  'type',
  'createDate',
  'modifyDate',
  'selfUri',
  'identifiers',
  'canonicalContact',
  'mergeSet',
  'mergedFrom',
  'mergedTo',
  'mergeOperation',
  'externalDataSources',
];

/**
 * Applies a Genesys `changes[]` patch. `$.division` may only be set to the current division.
 * @throws AppError 400 for a bad path or resulting field, 409 for a parent and child in one
 * request, 412 on a stale If-Match.
 */
export async function patchContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  changes: readonly PatchChange[],
  ifMatch?: string,
): Promise<Contact> {
  return writeFields(db, principal, id, ifMatch, (current) => {
    const document = {
      ...structuredClone(current.fields),
      division: { id: current.divisionId ?? '*' },
    } as Record<string, unknown>;
    const patched = applyPatch(document, changes, READ_ONLY);
    checkDivisionKept(current, patched);
    return normalizeContactFields(patched, DEFAULT_COUNTRY);
  });
}

/** Deletes a contact, its contact points, its claims and its notes. */
export async function deleteContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const contact = await getContact(trx, principal, id);
    requireAccess(principal, DELETE, contact.divisionId);
    requireNotMerged(contact);
    await deleteClaimsOf(trx, principal.orgId, 'contact', id);
    await deleteContactRow(trx, principal.orgId, id);
    await deleteNotesOf(trx, principal.orgId, 'contact', id);
    await recordContactChange(trx, principal, 'deleted', principal.orgId, contact, null);
  });
}

/**
 * Promotes an Ephemeral or Identified contact to Curated, which stops its expiry. A contact that
 * is already Curated or Canonical is answered unchanged.
 */
export async function promoteContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<Contact> {
  return db.transaction().execute(async (trx) => {
    const current = await getContact(trx, principal, id);
    requireAccess(principal, 'externalContacts:identity:promote', current.divisionId);
    requireNotMerged(current);
    if (current.type !== 'Ephemeral' && current.type !== 'Identified') return current;
    const promoted: Contact = {
      ...current,
      type: 'Curated',
      version: current.version + 1,
      modifyDate: nowIso(),
    };
    const blocklist = await loadBlocklist(trx, principal.orgId);
    if (
      !(await updateContactRow(
        trx,
        promoted,
        current.version,
        contactPoints(promoted.fields, blocklist),
      ))
    ) {
      throw changedMeanwhile('Contact', id);
    }
    await recordContactChange(trx, principal, 'updated', principal.orgId, current, promoted);
    return promoted;
  });
}

/**
 * Moves a contact to another division (SPEC §2, beyond Genesys): the documented workaround,
 * delete and create again, in one transaction. The new contact (new id) has the same data,
 * identifiers, notes and interactions; the old id answers with it. Needs delete on the old
 * division and add on the new one.
 * @throws AppError 400 for an unknown division, the division it is in, or a merged contact (its
 * merge history stays in its division); 409 when an identifier it claims is claimed in the new
 * division, naming the holder.
 */
export async function moveContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: { divisionId?: string | undefined; division?: { id?: string | undefined } | undefined },
): Promise<Contact> {
  const requested =
    input.divisionId !== undefined ? { id: input.divisionId } : (input.division ?? undefined);
  const divisionId = requestedDivisionId(requested);
  if (divisionId === undefined)
    throw badRequest('divisionId names the division to move the contact to', 'divisionId');
  return db.transaction().execute(async (trx) => {
    const current = await getContact(trx, principal, id);
    requireNotMerged(current);
    if (current.divisionId === divisionId)
      throw badRequest(`Contact ${id} is in that division already`, 'divisionId');
    if (divisionId !== null && !(await findDivision(trx, principal.orgId, divisionId)))
      throw badRequest(`Division ${divisionId} does not exist`, 'divisionId');
    requireAccess(principal, DELETE, current.divisionId);
    requireAccess(principal, ADD, divisionId);
    if ((await findMerges(trx, principal.orgId, [id])).size > 0)
      throw badRequest(
        `Contact ${id} was made by a merge, whose history stays in its division; unmerge it, move the contacts, and merge them again`,
        'contactId',
      );
    const targetKey = divisionId ?? UNASSIGNED;
    for (const claim of await listClaimsOf(trx, principal.orgId, 'contact', [id])) {
      const [holder] = await findClaimsInDivisions(trx, claim, [targetKey]);
      if (holder !== undefined)
        throw conflict(
          `${claim.type} ${claim.value} is claimed by contact ${holder.entityId} in the new division; release it there first`,
          [{ errorCode: ErrorCode.conflict, entityId: holder.entityId }],
        );
    }
    const at = nowIso();
    const moved: Contact = {
      ...current,
      id: newId(),
      divisionId,
      version: 1,
      modifyDate: at,
    };
    const blocklist = await loadBlocklist(trx, principal.orgId);
    await insertContact(trx, moved, contactPoints(moved.fields, blocklist));
    await moveContactRows(trx, principal.orgId, id, moved, at);
    await recordChange(trx, {
      orgId: principal.orgId,
      topic: contactTopic(id),
      kind: 'moved',
      entityType: 'contact',
      entityId: id,
      divisionId: current.divisionId,
      principal,
      before: toContactView(current),
      after: toContactView(moved),
    });
    return moved;
  });
}

export interface ContactSearchRequest {
  readonly page: PageRequest;
  readonly q?: string | undefined;
  readonly sortOrder?: string | undefined;
  readonly divisionIds?: readonly string[] | undefined;
  /** Only the contacts linked to this organization (already checked visible by the caller). */
  readonly organizationId?: string | undefined;
}

const SORTABLE: readonly ContactSortField[] = ['firstName', 'lastName', 'middleName', 'title'];

function parseSort(
  sortOrder: string | undefined,
): { field: ContactSortField; direction: 'asc' | 'desc' } | undefined {
  if (sortOrder === undefined || sortOrder === '') return undefined;
  const [field, direction = 'asc'] = sortOrder.split(':');
  if (
    !SORTABLE.includes(field as ContactSortField) ||
    (direction !== 'asc' && direction !== 'desc')
  ) {
    throw badRequest(
      `sortOrder is one of ${SORTABLE.join(', ')}, optionally with :asc or :desc`,
      'sortOrder',
    );
  }
  return { field: field as ContactSortField, direction };
}

/**
 * The deepest a contact listing pages (pageNumber × pageSize), and so the most matches it
 * counts: past it a listing answers total 1,000 with partialResults true, as counting 100,000
 * matches of "a" would cost a read of each of them, on every page.
 */
const MAX_RECORDS = 1000;

/**
 * Searches the contacts visible to the principal (SPEC §9): names by prefix, emails, phones
 * (normalized to E.164 unless quoted), non-E.164 numbers by their digits. The total is exact
 * up to 1,000; beyond, it is 1,000 and `partial` is true.
 * @throws AppError 400 for paging beyond 1,000 records, more than 50 divisions or a bad sort.
 */
export async function searchContacts(
  db: Kysely<DB>,
  principal: Principal,
  request: ContactSearchRequest,
): Promise<ContactSearchResult> {
  const page = checkPage(request.page, { maxPageSize: 100, maxRecords: MAX_RECORDS });
  if (request.divisionIds !== undefined && request.divisionIds.length > 50) {
    throw badRequest('divisionIds takes at most 50 divisions', 'divisionIds');
  }
  const sort = parseSort(request.sortOrder);
  const filter = contactReadFilter(principal, request.divisionIds);
  const q = request.q?.trim();
  const terms = q === undefined || q === '' ? undefined : parseSearchQuery(q, DEFAULT_COUNTRY);
  return searchContactRows(db, principal.orgId, {
    filter,
    sort,
    page,
    terms,
    organizationId: request.organizationId,
    countLimit: MAX_RECORDS,
  });
}

/** One page of a contact scan and the cursor of the next page, if any. */
export async function scanContacts(
  db: Kysely<DB>,
  principal: Principal,
  request: ScanRequest,
): Promise<{ contacts: Contact[]; next?: string }> {
  checkScanLimit(request.limit);
  const filter = scanFilter(principal, VIEW, 'externalContacts:contact:viewAll', request);
  const { items, next } = await scanPage('contacts', request, (afterId, limit) =>
    scanContactRows(db, principal.orgId, filter, afterId, limit),
  );
  return next === undefined ? { contacts: items } : { contacts: items, next };
}
