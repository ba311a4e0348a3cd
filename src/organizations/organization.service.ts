import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { checkIfMatch } from '../common/etag.js';
import { deleteNotesOf } from '../notes/note.repository.js';
import {
  canAccess,
  divisionChangeError,
  type Principal,
  type ReadFilter,
} from '../authorization/access.js';
import { requireAccess, requireReadFilter } from '../authorization/guard.js';
import { findDivision } from '../divisions/division.repository.js';
import { checkExternalSources } from '../external-sources/external-source.service.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import { checkScanLimit, scanFilter, scanPage, type ScanRequest } from '../common/scan.js';
import { AppError, badRequest, changedMeanwhile, notFound } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { recordChange } from '../events/change.repository.js';
import { contactTopic, type ChangeKind } from '../events/change.js';
import { deleteClaimsOf } from '../contacts/claim.repository.js';
import { applyPatch, type PatchChange } from '../contacts/contact-patch.js';
import { contactPoints } from '../contacts/contact-points.js';
import {
  searchContacts as searchContactRows,
  updateContact as updateContactRow,
  type ContactSearchResult,
} from '../contacts/contact.repository.js';
import { searchContacts, type ContactSearchRequest } from '../contacts/contact.service.js';
import {
  requestedDivisionId,
  searchKey,
  toContactView,
  type Contact,
} from '../contacts/contact.js';
import { DEFAULT_COUNTRY } from '../contacts/phone.js';
import { loadBlocklist } from '../settings/org-settings.repository.js';
import { checkCustomFields } from '../schemas/schema.service.js';
import { deleteRelationshipsOfOrganization } from '../relationships/relationship.repository.js';
import { relationshipTopic, toRelationshipView } from '../relationships/relationship.js';
import {
  deleteOrganizationRow,
  findOrganization,
  insertOrganization,
  scanOrganizations as scanOrganizationRows,
  searchOrganizations as searchOrganizationRows,
  updateOrganization as updateOrganizationRow,
  type OrganizationSortField,
} from './organization.repository.js';
import { normalizeOrganizationFields, type OrganizationInput } from './organization-validation.js';
import {
  organizationTopic,
  toOrganizationView,
  type Organization,
  type OrganizationFields,
} from './organization.js';

export const ORGANIZATION_VIEW = 'externalContacts:externalOrganization:view';
export const ORGANIZATION_ADD = 'externalContacts:externalOrganization:add';
export const ORGANIZATION_EDIT = 'externalContacts:externalOrganization:edit';
export const ORGANIZATION_DELETE = 'externalContacts:externalOrganization:delete';
export const ORGANIZATION_VIEW_ALL = 'externalContacts:externalOrganization:viewAll';
export const ORGANIZATION_SEARCH = 'externalContacts:externalOrganization:search';

/**
 * Loads an organization the principal may view. One of another tenant, or in a division the
 * principal cannot see, answers 404 exactly like a missing one, so ids reveal nothing.
 * @throws AppError 404.
 */
export async function getOrganization(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<Organization> {
  const organization = await findOrganization(db, principal.orgId, id);
  if (!organization || !canAccess(principal, ORGANIZATION_VIEW, organization.divisionId))
    throw notFound('External organization', id);
  return organization;
}

/** The visible-organizations filter of a principal. @throws AppError 403 when it can view none. */
export function organizationReadFilter(
  principal: Principal,
  divisionIds?: readonly string[],
): ReadFilter {
  return requireReadFilter(principal, ORGANIZATION_VIEW, divisionIds);
}

async function record(
  db: Kysely<DB>,
  principal: Principal,
  kind: ChangeKind,
  before: Organization | null,
  after: Organization | null,
): Promise<void> {
  const subject = (after ?? before) as Organization;
  await recordChange(db, {
    orgId: subject.orgId,
    topic: organizationTopic(subject.id),
    kind,
    entityType: 'organization',
    entityId: subject.id,
    divisionId: subject.divisionId,
    principal,
    before: before && toOrganizationView(before),
    after: after && toOrganizationView(after),
  });
}

/**
 * Creates an organization in the requested division (unassigned when none is named).
 * @throws AppError 400 for an unknown division or source, a broken limit, a disabled schema or a
 * custom field that breaks its schema; 403 without add permission on the division.
 */
export async function createOrganization(
  db: Kysely<DB>,
  principal: Principal,
  input: OrganizationInput,
): Promise<Organization> {
  const divisionId = requestedDivisionId(input.division as { id?: string } | undefined) ?? null;
  if (divisionId !== null && !(await findDivision(db, principal.orgId, divisionId))) {
    throw badRequest(`Division ${divisionId} does not exist`, 'division.id');
  }
  requireAccess(principal, ORGANIZATION_ADD, divisionId);
  const fields = normalizeOrganizationFields(input, DEFAULT_COUNTRY);
  const now = nowIso();
  const organization: Organization = {
    id: newId(),
    orgId: principal.orgId,
    divisionId,
    fields,
    version: 1,
    createDate: now,
    modifyDate: now,
  };
  await db.transaction().execute(async (trx) => {
    await checkExternalSources(trx, principal.orgId, fields.externalIds ?? []);
    await checkCustomFields(trx, principal.orgId, 'organization', fields);
    await insertOrganization(trx, organization);
    await record(trx, principal, 'created', null, organization);
  });
  return organization;
}

function checkDivisionKept(current: Organization, input: Record<string, unknown>): void {
  const message = divisionChangeError(
    current.divisionId,
    requestedDivisionId(input.division as { id?: string } | undefined),
  );
  if (message !== null) throw badRequest(message, 'division');
}

/**
 * Writes new fields on an organization in one transaction: edit permission and If-Match checked
 * against the current row, the division kept, custom fields checked (a schema disabled since the
 * organization was given it may stay), the change recorded.
 */
async function writeFields(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  ifMatch: string | undefined,
  makeFields: (current: Organization) => OrganizationFields,
): Promise<Organization> {
  return db.transaction().execute(async (trx) => {
    const current = await getOrganization(trx, principal, id);
    requireAccess(principal, ORGANIZATION_EDIT, current.divisionId);
    checkIfMatch(ifMatch, current.version, 'organization');
    const fields = makeFields(current);
    await checkExternalSources(trx, principal.orgId, fields.externalIds ?? []);
    await checkCustomFields(trx, principal.orgId, 'organization', fields, current.fields);
    const updated: Organization = {
      ...current,
      fields,
      version: current.version + 1,
      modifyDate: nowIso(),
    };
    if (!(await updateOrganizationRow(trx, updated, current.version))) {
      throw changedMeanwhile('Organization', id);
    }
    await record(trx, principal, 'updated', current, updated);
    return updated;
  });
}

/**
 * Replaces an organization's fields (PUT). Fields left out are removed; read-only fields sent
 * back from a GET are ignored. The division cannot change.
 * @throws AppError 400/403/404/409/412.
 */
export async function replaceOrganization(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: OrganizationInput,
  ifMatch?: string,
): Promise<Organization> {
  const fields = normalizeOrganizationFields(input, DEFAULT_COUNTRY);
  return writeFields(db, principal, id, ifMatch, (current) => {
    checkDivisionKept(current, input);
    return fields;
  });
}

const READ_ONLY = [
  'id',
  'createDate',
  'modifyDate',
  'selfUri',
  'identifiers',
  'trustor',
  'externalDataSources',
];

/**
 * Applies a Genesys `changes[]` patch (the newer `PATCH /organizations/{id}`). `$.division` may
 * only be set to the current division.
 * @throws AppError 400 for a bad path or resulting field, 409 for a parent and child in one
 * request, 412 on a stale If-Match.
 */
export async function patchOrganization(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  changes: readonly PatchChange[],
  ifMatch?: string,
): Promise<Organization> {
  return writeFields(db, principal, id, ifMatch, (current) => {
    const document = {
      ...structuredClone(current.fields),
      division: { id: current.divisionId ?? '*' },
    } as Record<string, unknown>;
    const patched = applyPatch(document, changes, READ_ONLY);
    checkDivisionKept(current, patched);
    return normalizeOrganizationFields(patched, DEFAULT_COUNTRY);
  });
}

/** How many linked contacts one round of unlinking rewrites. */
const UNLINK_BATCH = 200;

/**
 * Unlinks every contact of the tenant from a deleted organization, whatever the deleting
 * principal can see: a contact keeps all its data but no longer points at a record that is gone.
 * Each contact gets a new version and an `updated` event; its type is kept (no person curated it).
 */
async function unlinkContacts(
  db: Kysely<DB>,
  principal: Principal,
  organizationId: string,
): Promise<void> {
  const everything: ReadFilter = { divisionIds: 'all', includeUnassigned: true };
  const blocklist = await loadBlocklist(db, principal.orgId);
  for (;;) {
    // Unlinked contacts leave the result, so the first page is always the next batch.
    const { contacts } = await searchContactRows(db, principal.orgId, {
      filter: everything,
      organizationId,
      page: { pageNumber: 1, pageSize: UNLINK_BATCH },
    });
    if (contacts.length === 0) return;
    for (const current of contacts) {
      const { externalOrganization: _gone, ...fields } = current.fields;
      const updated: Contact = {
        ...current,
        fields,
        version: current.version + 1,
        modifyDate: nowIso(),
      };
      if (!(await updateContactRow(db, updated, current.version, contactPoints(fields, blocklist))))
        throw new AppError(
          ErrorCode.conflict,
          `Contact ${current.id} was changed while organization ${organizationId} was being deleted; try again`,
          409,
        );
      await recordChange(db, {
        orgId: principal.orgId,
        topic: contactTopic(current.id),
        kind: 'updated',
        entityType: 'contact',
        entityId: current.id,
        divisionId: current.divisionId,
        principal,
        before: toContactView(current),
        after: toContactView(updated),
      });
    }
  }
}

/**
 * Deletes an organization with its identifier claims and relationships, and unlinks the contacts
 * that pointed at it, all in one transaction, recording an event for every record touched.
 * @throws AppError 403 without delete permission on its division; 404; 412 on a stale If-Match.
 */
export async function deleteOrganization(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  ifMatch?: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const organization = await getOrganization(trx, principal, id);
    requireAccess(principal, ORGANIZATION_DELETE, organization.divisionId);
    checkIfMatch(ifMatch, organization.version, 'organization');
    await unlinkContacts(trx, principal, id);
    for (const relationship of await deleteRelationshipsOfOrganization(trx, principal.orgId, id)) {
      await recordChange(trx, {
        orgId: principal.orgId,
        topic: relationshipTopic(relationship.id),
        kind: 'deleted',
        entityType: 'relationship',
        entityId: relationship.id,
        divisionId: relationship.divisionId,
        principal,
        before: toRelationshipView(relationship),
        after: null,
      });
    }
    await deleteClaimsOf(trx, principal.orgId, 'organization', id);
    await deleteOrganizationRow(trx, principal.orgId, id);
    await deleteNotesOf(trx, principal.orgId, 'organization', id);
    await record(trx, principal, 'deleted', organization, null);
  });
}

export interface OrganizationSearchRequest {
  readonly page: PageRequest;
  readonly q?: string | undefined;
  readonly sortOrder?: string | undefined;
  readonly divisionIds?: readonly string[] | undefined;
}

const SORTABLE: readonly OrganizationSortField[] = ['companyType', 'industry', 'name'];

function parseSort(sortOrder: string | undefined): {
  field: OrganizationSortField;
  direction: 'asc' | 'desc';
} {
  if (sortOrder === undefined || sortOrder.trim() === '')
    return { field: 'name', direction: 'asc' };
  const [field, direction = 'asc'] = sortOrder.trim().split(':');
  if (
    !SORTABLE.includes(field as OrganizationSortField) ||
    (direction !== 'asc' && direction !== 'desc')
  ) {
    throw badRequest(
      `sortOrder is one of ${SORTABLE.join(', ')}, optionally with :asc or :desc`,
      'sortOrder',
    );
  }
  return { field: field as OrganizationSortField, direction };
}

/**
 * Searches the organizations visible to the principal (SPEC §9): `q` matches the start of the
 * name or of one of its words, case- and accent-insensitively. Sorted by name unless asked.
 * @throws AppError 400 for paging beyond 1,000 records, more than 50 divisions or a bad sort;
 * 403 when the principal can view no organization.
 */
export async function searchOrganizations(
  db: Kysely<DB>,
  principal: Principal,
  request: OrganizationSearchRequest,
): Promise<{ organizations: Organization[]; total: number }> {
  const page = checkPage(request.page, { maxPageSize: 100, maxRecords: 1000 });
  if (request.divisionIds !== undefined && request.divisionIds.length > 50) {
    throw badRequest('divisionIds takes at most 50 divisions', 'divisionIds');
  }
  const sort = parseSort(request.sortOrder);
  const filter = organizationReadFilter(principal, request.divisionIds);
  const q = request.q?.trim();
  const namePrefix = q === undefined || q === '' ? undefined : (searchKey(q) ?? undefined);
  return searchOrganizationRows(db, principal.orgId, { filter, sort, page, namePrefix });
}

/**
 * The contacts linked to an organization that the principal may see, searched and sorted as
 * `GET /contacts` does.
 * @throws AppError 404 when the organization is not visible; 400 as contact search does.
 */
export async function searchOrganizationContacts(
  db: Kysely<DB>,
  principal: Principal,
  organizationId: string,
  request: Omit<ContactSearchRequest, 'organizationId' | 'divisionIds'>,
): Promise<ContactSearchResult> {
  const organization = await getOrganization(db, principal, organizationId);
  return searchContacts(db, principal, { ...request, organizationId: organization.id });
}

/**
 * One page of an organization scan (one division, unassigned by default, or with `allDivisions`
 * every division the principal holds viewAll on) and the cursor of the next page, if any.
 * @throws AppError 400 for a limit outside 10–200 or a foreign cursor; 403 without view on the
 * division (viewAll for every division).
 */
export async function scanOrganizations(
  db: Kysely<DB>,
  principal: Principal,
  request: ScanRequest,
): Promise<{ organizations: Organization[]; next?: string }> {
  checkScanLimit(request.limit);
  const filter = scanFilter(principal, ORGANIZATION_VIEW, ORGANIZATION_VIEW_ALL, request);
  const { items, next } = await scanPage('organizations', request, (afterId, limit) =>
    scanOrganizationRows(db, principal.orgId, filter, afterId, limit),
  );
  return next === undefined ? { organizations: items } : { organizations: items, next };
}
