import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, divisionChangeError, type Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import { checkScanLimit, scanFilter, scanPage, type ScanRequest } from '../common/scan.js';
import { badRequest, notFound } from '../errors/app-error.js';
import { recordChange } from '../events/change.repository.js';
import type { ChangeKind } from '../events/change.js';
import { Problems, cleanText } from '../contacts/contact-validation.js';
import { applyPatch, type PatchChange } from '../contacts/contact-patch.js';
import { requestedDivisionId } from '../contacts/contact.js';
import { findUser } from '../users/user.repository.js';
import { findOrganization } from '../organizations/organization.repository.js';
import {
  ORGANIZATION_EDIT,
  ORGANIZATION_VIEW,
  ORGANIZATION_VIEW_ALL,
  getOrganization,
} from '../organizations/organization.service.js';
import type { Organization } from '../organizations/organization.js';
import {
  deleteRelationshipRow,
  findRelationship,
  insertRelationship,
  listRelationshipsOfOrganization,
  scanRelationships as scanRelationshipRows,
  updateRelationship,
  type RelationshipSortField,
} from './relationship.repository.js';
import {
  RELATIONSHIP_MAX_LENGTH,
  relationshipTopic,
  toRelationshipView,
  type Relationship,
} from './relationship.js';

/** The body of a relationship write, after the route schema checked its JSON types. */
export interface RelationshipInput {
  user?: { id?: string | undefined } | undefined;
  externalOrganization?: { id?: string | undefined } | undefined;
  relationship?: string | undefined;
  division?: { id?: string | undefined } | undefined;
  [key: string]: unknown;
}

interface CleanRelationship {
  userId: string;
  organizationId: string;
  relationship: string;
}

function idOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>).id
    : undefined;
}

/**
 * Checks the shape and limits of a relationship body: a user id, an organization id and the
 * relationship text of 1 to 100 characters, trimmed.
 * @throws AppError 400 naming every field that breaks a rule.
 */
function cleanRelationship(input: Record<string, unknown>): CleanRelationship {
  const problems = new Problems();
  const userId = cleanText(idOf(input.user), 'user.id', 100, problems);
  if (userId === undefined && !problems.list.some((p) => p.field === 'user.id'))
    problems.add('user.id', 'user.id is required: name the user who holds the relationship');
  const organizationId = cleanText(
    idOf(input.externalOrganization),
    'externalOrganization.id',
    100,
    problems,
  );
  if (
    organizationId === undefined &&
    !problems.list.some((p) => p.field === 'externalOrganization.id')
  )
    problems.add(
      'externalOrganization.id',
      'externalOrganization.id is required: name the external organization',
    );
  const text = cleanText(input.relationship, 'relationship', RELATIONSHIP_MAX_LENGTH, problems);
  if (text === undefined && !problems.list.some((p) => p.field === 'relationship'))
    problems.add(
      'relationship',
      `relationship is required: 1 to ${RELATIONSHIP_MAX_LENGTH} characters, e.g. "Account Manager"`,
    );
  problems.throwIfAny();
  return {
    userId: userId ?? '',
    organizationId: organizationId ?? '',
    relationship: text ?? '',
  };
}

/**
 * The organization a relationship names, which must exist and be visible to the principal (one
 * it cannot see is answered as missing), and the user, who must belong to the tenant.
 * @throws AppError 400 naming the field.
 */
async function checkReferences(
  db: Kysely<DB>,
  principal: Principal,
  clean: CleanRelationship,
): Promise<Organization> {
  const organization = await findOrganization(db, principal.orgId, clean.organizationId);
  if (!organization || !canAccess(principal, ORGANIZATION_VIEW, organization.divisionId)) {
    throw badRequest(
      `External organization ${clean.organizationId} does not exist`,
      'externalOrganization.id',
    );
  }
  if (!(await findUser(db, principal.orgId, clean.userId))) {
    throw badRequest(`User ${clean.userId} does not exist`, 'user.id');
  }
  return organization;
}

/** A relationship lives in its organization's division; a body may only repeat that division. */
function checkDivision(input: Record<string, unknown>, organization: Organization): void {
  const requested = requestedDivisionId(input.division as { id?: string } | undefined);
  if (requested !== undefined && requested !== organization.divisionId) {
    throw badRequest(
      `A relationship belongs to the division of its external organization (${organization.divisionId ?? '*'}); leave division out or send that one`,
      'division',
    );
  }
}

async function record(
  db: Kysely<DB>,
  principal: Principal,
  kind: ChangeKind,
  before: Relationship | null,
  after: Relationship | null,
): Promise<void> {
  const subject = (after ?? before) as Relationship;
  await recordChange(db, {
    orgId: subject.orgId,
    topic: relationshipTopic(subject.id),
    kind,
    entityType: 'relationship',
    entityId: subject.id,
    divisionId: subject.divisionId,
    principal,
    before: before && toRelationshipView(before),
    after: after && toRelationshipView(after),
  });
}

/**
 * Loads a relationship the principal may view: it needs view on the organization's division.
 * One of another tenant or an invisible division answers 404 like a missing one.
 * @throws AppError 404.
 */
export async function getRelationship(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<Relationship> {
  const relationship = await findRelationship(db, principal.orgId, id);
  if (!relationship || !canAccess(principal, ORGANIZATION_VIEW, relationship.divisionId))
    throw notFound('Relationship', id);
  return relationship;
}

/**
 * Creates a relationship between a user and an organization, in the organization's division.
 * @throws AppError 400 for a missing or unknown user or organization or a broken limit; 403
 * without edit permission on the organization's division.
 */
export async function createRelationship(
  db: Kysely<DB>,
  principal: Principal,
  input: RelationshipInput,
): Promise<Relationship> {
  const clean = cleanRelationship(input);
  return db.transaction().execute(async (trx) => {
    const organization = await checkReferences(trx, principal, clean);
    requireAccess(principal, ORGANIZATION_EDIT, organization.divisionId);
    checkDivision(input, organization);
    const now = nowIso();
    const relationship: Relationship = {
      id: newId(),
      orgId: principal.orgId,
      divisionId: organization.divisionId,
      ...clean,
      createDate: now,
      modifyDate: now,
    };
    await insertRelationship(trx, relationship);
    await record(trx, principal, 'created', null, relationship);
    return relationship;
  });
}

async function writeRelationship(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  makeInput: (current: Relationship) => Record<string, unknown>,
): Promise<Relationship> {
  return db.transaction().execute(async (trx) => {
    const current = await getRelationship(trx, principal, id);
    requireAccess(principal, ORGANIZATION_EDIT, current.divisionId);
    const input = makeInput(current);
    const clean = cleanRelationship(input);
    if (clean.organizationId !== current.organizationId) {
      throw badRequest(
        `A relationship stays with external organization ${current.organizationId}; to relate the user to another organization, delete this relationship and create a new one`,
        'externalOrganization.id',
      );
    }
    const organization = await checkReferences(trx, principal, clean);
    const message = divisionChangeError(
      current.divisionId,
      requestedDivisionId(input.division as { id?: string } | undefined),
    );
    if (message !== null) throw badRequest(message, 'division');
    const updated: Relationship = {
      ...current,
      ...clean,
      divisionId: organization.divisionId,
      modifyDate: nowIso(),
    };
    await updateRelationship(trx, updated);
    await record(trx, principal, 'updated', current, updated);
    return updated;
  });
}

/**
 * Replaces a relationship's user and text (PUT). The organization, and so the division, cannot
 * change.
 * @throws AppError 400/403/404.
 */
export async function replaceRelationship(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: RelationshipInput,
): Promise<Relationship> {
  return writeRelationship(db, principal, id, () => input);
}

const READ_ONLY = ['id', 'selfUri', 'externalDataSources'];

/**
 * Applies a Genesys `changes[]` patch to a relationship (`$.relationship`, `$.user.id`).
 * @throws AppError 400/403/404, 409 for a parent and child in one request.
 */
export async function patchRelationship(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  changes: readonly PatchChange[],
): Promise<Relationship> {
  return writeRelationship(db, principal, id, (current) => {
    const { id: _id, selfUri: _self, ...document } = toRelationshipView(current);
    return applyPatch(document, changes, READ_ONLY);
  });
}

/** @throws AppError 403 without edit permission on the organization's division; 404. */
export async function deleteRelationship(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const relationship = await getRelationship(trx, principal, id);
    requireAccess(principal, ORGANIZATION_EDIT, relationship.divisionId);
    await deleteRelationshipRow(trx, principal.orgId, id);
    await record(trx, principal, 'deleted', relationship, null);
  });
}

const SORTABLE: readonly RelationshipSortField[] = ['createDate', 'relationship'];

function parseSort(sortOrder: string | undefined): {
  field: RelationshipSortField;
  direction: 'asc' | 'desc';
} {
  if (sortOrder === undefined || sortOrder.trim() === '')
    return { field: 'createDate', direction: 'asc' };
  const [field, direction = 'asc'] = sortOrder.trim().split(':');
  if (
    !SORTABLE.includes(field as RelationshipSortField) ||
    (direction !== 'asc' && direction !== 'desc')
  ) {
    throw badRequest(
      `sortOrder is one of ${SORTABLE.join(', ')}, optionally with :asc or :desc`,
      'sortOrder',
    );
  }
  return { field: field as RelationshipSortField, direction };
}

/**
 * A page of an organization's relationships, oldest first unless `sortOrder` says otherwise.
 * @throws AppError 404 when the organization is not visible; 400 for paging beyond 1,000
 * records or a bad sort.
 */
export async function listOrganizationRelationships(
  db: Kysely<DB>,
  principal: Principal,
  organizationId: string,
  request: { page: PageRequest; sortOrder?: string | undefined },
): Promise<{ relationships: Relationship[]; total: number }> {
  const page = checkPage(request.page, { maxPageSize: 100, maxRecords: 1000 });
  const sort = parseSort(request.sortOrder);
  const organization = await getOrganization(db, principal, organizationId);
  return listRelationshipsOfOrganization(db, principal.orgId, organization.id, { sort, page });
}

/**
 * One page of a relationship scan and the cursor of the next page, if any. A relationship is
 * read with the permissions of its organization, whose division it shares.
 * @throws AppError 400 for a limit outside 10–200 or a foreign cursor; 403 without organization
 * view on the division (viewAll for every division).
 */
export async function scanRelationships(
  db: Kysely<DB>,
  principal: Principal,
  request: ScanRequest,
): Promise<{ relationships: Relationship[]; next?: string }> {
  checkScanLimit(request.limit);
  const filter = scanFilter(principal, ORGANIZATION_VIEW, ORGANIZATION_VIEW_ALL, request);
  const { items, next } = await scanPage('relationships', request, (afterId, limit) =>
    scanRelationshipRows(db, principal.orgId, filter, afterId, limit),
  );
  return next === undefined ? { relationships: items } : { relationships: items, next };
}
