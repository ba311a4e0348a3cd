import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { badRequest, notFound } from '../errors/app-error.js';
import { conflictOnDuplicate } from '../db/errors.js';
import { findClaimsInDivisions, listClaimsOf } from '../contacts/claim.repository.js';
import {
  checkIdentifier,
  deleteOwnClaim,
  insertOwnClaim,
  toIdentifierView,
  type ClaimOwner,
  type Identifier,
  type IdentifierInput,
} from '../contacts/identifier.service.js';
import { normalizeIdentifierValue } from '../contacts/identifier.js';
import { UNASSIGNED, type ContactIdentifierView } from '../contacts/contact.js';
import { findOrganization } from './organization.repository.js';
import {
  ORGANIZATION_EDIT,
  ORGANIZATION_VIEW,
  getOrganization,
  organizationReadFilter,
} from './organization.service.js';
import { organizationTopic, type Organization } from './organization.js';

/** Organizations claim ExternalId identifiers only, as in Genesys. */
const ORGANIZATION_IDENTIFIER_TYPE = 'ExternalId';

/** @throws AppError 400 naming `field` when the type is not ExternalId. */
function requireExternalId(input: IdentifierInput, field: string): void {
  if (input.type !== ORGANIZATION_IDENTIFIER_TYPE) {
    throw badRequest(
      `${field} "${input.type}" is not accepted: organizations take ExternalId identifiers only`,
      field,
    );
  }
}

function organizationOwner(organization: Organization): ClaimOwner {
  return {
    entityType: 'organization',
    label: 'Organization',
    id: organization.id,
    divisionId: organization.divisionId,
    topic: organizationTopic(organization.id),
  };
}

/** The identifiers an organization claims (`ExternalOrganizationIdentifierListing`). */
export async function listOrganizationIdentifiers(
  db: Kysely<DB>,
  principal: Principal,
  organizationId: string,
): Promise<ContactIdentifierView[]> {
  const organization = await getOrganization(db, principal, organizationId);
  return (await listClaimsOf(db, principal.orgId, 'organization', [organization.id])).map((c) =>
    toIdentifierView(c),
  );
}

/** The claims of several organizations, grouped by organization (for `expand=identifiers`). */
export async function identifiersByOrganization(
  db: Kysely<DB>,
  orgId: string,
  organizationIds: readonly string[],
): Promise<Map<string, ContactIdentifierView[]>> {
  const result = new Map<string, ContactIdentifierView[]>(organizationIds.map((id) => [id, []]));
  for (const claim of await listClaimsOf(db, orgId, 'organization', organizationIds)) {
    result.get(claim.entityId)?.push(toIdentifierView(claim));
  }
  return result;
}

/**
 * Claims an ExternalId for an organization in the organization's division. Claiming one the
 * organization holds already is a no-op.
 * @throws AppError 400 for another type or an unknown source; 409 naming the organization that
 * holds it.
 */
export async function claimOrganizationIdentifier(
  db: Kysely<DB>,
  principal: Principal,
  organizationId: string,
  input: IdentifierInput,
): Promise<ContactIdentifierView> {
  requireExternalId(input, 'identifier.type');
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const organization = await getOrganization(trx, principal, organizationId);
        requireAccess(principal, ORGANIZATION_EDIT, organization.divisionId);
        const identifier = await checkIdentifier(trx, principal.orgId, input);
        return insertOwnClaim(trx, principal, organizationOwner(organization), identifier);
      }),
    'The identifier was claimed by another organization at the same moment; read it again',
  );
}

/**
 * Releases an identifier the organization claims.
 * @throws AppError 404 when the organization does not claim it.
 */
export async function releaseOrganizationIdentifier(
  db: Kysely<DB>,
  principal: Principal,
  organizationId: string,
  input: IdentifierInput,
): Promise<ContactIdentifierView> {
  requireExternalId(input, 'identifier.type');
  return db.transaction().execute(async (trx) => {
    const organization = await getOrganization(trx, principal, organizationId);
    requireAccess(principal, ORGANIZATION_EDIT, organization.divisionId);
    const normalized = normalizeIdentifierValue(ORGANIZATION_IDENTIFIER_TYPE, input.value);
    if (!normalized.ok)
      throw badRequest(`identifier.value: ${normalized.message}`, 'identifier.value');
    return deleteOwnClaim(trx, principal, organizationOwner(organization), {
      type: ORGANIZATION_IDENTIFIER_TYPE,
      sourceKey: input.externalSource?.id?.trim() ?? '',
      value: normalized.value,
    });
  });
}

/** The visible organizations that claim a checked ExternalId, the earliest claim first. */
export async function organizationsByIdentifier(
  db: Kysely<DB>,
  principal: Principal,
  identifier: Identifier,
): Promise<Organization[]> {
  const filter = organizationReadFilter(principal);
  const divisionKeys =
    filter.divisionIds === 'all'
      ? 'all'
      : [...filter.divisionIds, ...(filter.includeUnassigned ? [UNASSIGNED] : [])];
  const claims = await findClaimsInDivisions(
    db,
    {
      orgId: principal.orgId,
      entityType: 'organization',
      type: identifier.type,
      sourceKey: identifier.sourceKey,
      value: identifier.value,
    },
    divisionKeys,
  );
  const found: Organization[] = [];
  for (const claim of claims) {
    const organization = await findOrganization(db, principal.orgId, claim.entityId);
    if (organization && canAccess(principal, ORGANIZATION_VIEW, organization.divisionId))
      found.push(organization);
  }
  return found;
}

/** An ExternalId an organization request names, checked. @throws AppError 400 naming `field`. */
export async function checkOrganizationIdentifier(
  db: Kysely<DB>,
  orgId: string,
  input: IdentifierInput,
  field: string,
): Promise<Identifier> {
  requireExternalId(input, `${field}.type`);
  return checkIdentifier(db, orgId, input, field);
}

/**
 * Finds the visible organization that claims an ExternalId (the earliest claim when several
 * divisions hold it).
 * @throws AppError 400 for another identifier type or a malformed one; 404 when no visible
 * organization claims it.
 */
export async function lookupOrganization(
  db: Kysely<DB>,
  principal: Principal,
  input: IdentifierInput,
): Promise<Organization> {
  organizationReadFilter(principal);
  requireExternalId(input, 'type');
  const identifier = await checkIdentifier(db, principal.orgId, input);
  const [first] = await organizationsByIdentifier(db, principal, identifier);
  if (first !== undefined) return first;
  throw notFound(`No organization claims ExternalId ${identifier.value}; organization`);
}
