import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { nowIso } from '../common/time.js';
import { badRequest, conflict, notFound } from '../errors/app-error.js';
import { conflictOnDuplicate } from '../db/errors.js';
import { recordChange } from '../events/change.repository.js';
import {
  deleteClaim,
  findClaim,
  findClaimsInDivisions,
  insertClaim,
  listClaimsOf,
  type Claim,
} from '../contacts/claim.repository.js';
import {
  checkIdentifier,
  toIdentifierView,
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

function divisionKeyOf(organization: Organization): string {
  return organization.divisionId ?? UNASSIGNED;
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
        const key = {
          orgId: principal.orgId,
          entityType: 'organization' as const,
          divisionKey: divisionKeyOf(organization),
          ...identifier,
        };
        const holder = await findClaim(trx, key);
        if (holder !== undefined) {
          if (holder.entityId === organization.id) return toIdentifierView(holder);
          throw conflict(
            `${identifier.type} ${identifier.value} is already claimed by organization ${holder.entityId} in this division; release it there first`,
            [
              {
                errorCode: 'identifier.claimed',
                entityId: holder.entityId,
                entityName: 'organization',
              },
            ],
          );
        }
        const claim: Claim = { ...key, entityId: organization.id, createdAt: nowIso() };
        await insertClaim(trx, claim);
        await recordChange(trx, {
          orgId: principal.orgId,
          topic: organizationTopic(organization.id),
          kind: 'updated',
          entityType: 'organization',
          entityId: organization.id,
          divisionId: organization.divisionId,
          principal,
          before: null,
          after: { identifierClaimed: toIdentifierView(claim) },
        });
        return toIdentifierView(claim);
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
    const key = {
      orgId: principal.orgId,
      entityType: 'organization' as const,
      divisionKey: divisionKeyOf(organization),
      type: ORGANIZATION_IDENTIFIER_TYPE,
      sourceKey: input.externalSource?.id?.trim() ?? '',
      value: normalized.value,
    };
    const claim = await findClaim(trx, key);
    if (claim === undefined || claim.entityId !== organization.id) {
      throw notFound(
        `Organization ${organization.id} does not claim ExternalId ${normalized.value}; identifier`,
      );
    }
    await deleteClaim(trx, key);
    await recordChange(trx, {
      orgId: principal.orgId,
      topic: organizationTopic(organization.id),
      kind: 'updated',
      entityType: 'organization',
      entityId: organization.id,
      divisionId: organization.divisionId,
      principal,
      before: { identifierReleased: toIdentifierView(claim) },
      after: null,
    });
    return toIdentifierView(claim);
  });
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
  const filter = organizationReadFilter(principal);
  requireExternalId(input, 'type');
  const identifier = await checkIdentifier(db, principal.orgId, input);
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
  for (const claim of claims) {
    const organization = await findOrganization(db, principal.orgId, claim.entityId);
    if (organization && canAccess(principal, ORGANIZATION_VIEW, organization.divisionId))
      return organization;
  }
  throw notFound(`No organization claims ExternalId ${identifier.value}; organization`);
}
