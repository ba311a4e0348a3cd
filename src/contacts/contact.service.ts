import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, readFilter, type Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { findDivision } from '../divisions/division.repository.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import { badRequest, missingPermissions, notFound } from '../errors/app-error.js';
import { recordChange } from '../events/change.repository.js';
import { contactTopic } from '../events/change.js';
import {
  deleteContactRow,
  findContact,
  insertContact,
  listContactRows,
  type ContactSortField,
} from './contact.repository.js';
import { NAME_MAX_LENGTH, UNASSIGNED, toContactView, type Contact } from './contact.js';

export interface ContactInput {
  firstName?: string | undefined;
  middleName?: string | undefined;
  lastName?: string | undefined;
  salutation?: string | undefined;
  title?: string | undefined;
  division?: { id?: string | undefined } | undefined;
}

const NAME_FIELDS = ['firstName', 'middleName', 'lastName', 'salutation', 'title'] as const;

/** Trims a name field and checks its length; empty becomes null. */
function cleanName(value: string | undefined, field: string): string | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed.length > NAME_MAX_LENGTH) {
    throw badRequest(
      `${field} has ${trimmed.length} characters; the limit is ${NAME_MAX_LENGTH}`,
      field,
    );
  }
  return trimmed === '' ? null : trimmed;
}

const VIEW = 'externalContacts:contact:view';

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
 * Creates a Curated contact in the requested division (unassigned when none is named).
 * @throws AppError 400 for an unknown division or a too-long name; 403 without add on it.
 */
export async function createContact(
  db: Kysely<DB>,
  principal: Principal,
  input: ContactInput,
): Promise<Contact> {
  const requested = input.division?.id;
  const divisionId = requested === undefined || requested === UNASSIGNED ? null : requested;
  if (divisionId !== null && !(await findDivision(db, principal.orgId, divisionId))) {
    throw badRequest(`Division ${divisionId} does not exist`, 'division.id');
  }
  requireAccess(principal, 'externalContacts:contact:add', divisionId);
  const names = Object.fromEntries(NAME_FIELDS.map((f) => [f, cleanName(input[f], f)])) as Record<
    (typeof NAME_FIELDS)[number],
    string | null
  >;
  const now = nowIso();
  const contact: Contact = {
    id: newId(),
    orgId: principal.orgId,
    divisionId,
    type: 'Curated',
    ...names,
    version: 1,
    createDate: now,
    modifyDate: now,
  };
  await db.transaction().execute(async (trx) => {
    await insertContact(trx, contact);
    await recordChange(trx, {
      orgId: principal.orgId,
      topic: contactTopic(contact.id),
      kind: 'created',
      entityType: 'contact',
      entityId: contact.id,
      divisionId,
      principal,
      before: null,
      after: toContactView(contact),
    });
  });
  return contact;
}

/** Deletes a contact the principal may delete. */
export async function deleteContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const contact = await getContact(trx, principal, id);
    requireAccess(principal, 'externalContacts:contact:delete', contact.divisionId);
    await deleteContactRow(trx, principal.orgId, id);
    await recordChange(trx, {
      orgId: principal.orgId,
      topic: contactTopic(id),
      kind: 'deleted',
      entityType: 'contact',
      entityId: id,
      divisionId: contact.divisionId,
      principal,
      before: toContactView(contact),
      after: null,
    });
  });
}

export interface ContactListRequest {
  readonly page: PageRequest;
  /** Keywords; this slice matches them as a prefix of the first or last name. */
  readonly q?: string | undefined;
  readonly sortOrder?: string | undefined;
  readonly divisionIds?: readonly string[] | undefined;
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

/** The contacts visible to the principal, narrowed to `divisionIds` when given. */
export async function listContacts(
  db: Kysely<DB>,
  principal: Principal,
  request: ContactListRequest,
): Promise<{ contacts: Contact[]; total: number }> {
  const page = checkPage(request.page, { maxPageSize: 100, maxRecords: 1000 });
  if (request.divisionIds !== undefined && request.divisionIds.length > 50) {
    throw badRequest('divisionIds takes at most 50 divisions', 'divisionIds');
  }
  const sort = parseSort(request.sortOrder);
  const filter = readFilter(principal, VIEW, request.divisionIds);
  if (filter === null) throw missingPermissions([VIEW]);
  const q = request.q?.trim();
  return listContactRows(db, principal.orgId, { filter, sort, page, q: q === '' ? undefined : q });
}
