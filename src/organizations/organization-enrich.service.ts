import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { findDivision } from '../divisions/division.repository.js';
import { checkExternalSources } from '../external-sources/external-source.service.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import {
  checkAction,
  checkFieldRules,
  enrichFields,
  inTransaction,
  MAX_MATCHING_IDENTIFIERS,
  ORGANIZATION_ENRICH_SHAPE,
  type FieldRulesInput,
} from '../common/enrich.js';
import { badRequest, changedMeanwhile, conflict, notFound } from '../errors/app-error.js';
import { recordChange } from '../events/change.repository.js';
import { claimFreeIdentifiers } from '../contacts/claim.repository.js';
import type { Identifier, IdentifierInput } from '../contacts/identifier.service.js';
import { requestedDivisionId } from '../contacts/contact.js';
import { DEFAULT_COUNTRY } from '../contacts/phone.js';
import {
  insertOrganization,
  updateOrganization as updateOrganizationRow,
} from './organization.repository.js';
import { normalizeOrganizationFields, type OrganizationInput } from './organization-validation.js';
import { getOrganization } from './organization.service.js';
import { checkCustomFields } from '../schemas/schema.service.js';
import {
  checkOrganizationIdentifier,
  organizationsByIdentifier,
} from './organization-identifier.service.js';
import { organizationTopic, toOrganizationView, type Organization } from './organization.js';

export const ORGANIZATION_ENRICH = 'externalContacts:externalOrganization:enrich';

/** A Genesys `ExternalOrganizationEnrichRequest`. */
export interface OrganizationEnrichRequest {
  id?: string | undefined;
  division?: { id?: string | undefined } | undefined;
  matchingIdentifiers?: IdentifierInput[] | undefined;
  action?: string | undefined;
  externalOrganization?: OrganizationInput | undefined;
  fieldRules?: FieldRulesInput | undefined;
}

/**
 * Enriches an external organization as enrich does a contact: found by `id` or the first
 * ExternalId that some visible organization claims, then created (Insert; Upsert or Merge when
 * none matched) or changed under `fieldRules`. Organizations do not merge: several matches are a
 * 409 whatever the action. With `dryRun` nothing is kept.
 * @returns the organization, and whether it was (or would be) created: 201.
 */
export async function enrichOrganization(
  db: Kysely<DB>,
  principal: Principal,
  request: OrganizationEnrichRequest,
  options: { dryRun?: boolean } = {},
): Promise<{ organization: Organization; created: boolean }> {
  const action = checkAction(request.action);
  const rules = checkFieldRules(request.fieldRules, ORGANIZATION_ENRICH_SHAPE);
  const matching = request.matchingIdentifiers ?? [];
  if (matching.length > MAX_MATCHING_IDENTIFIERS)
    throw badRequest(
      `matchingIdentifiers lists at most ${MAX_MATCHING_IDENTIFIERS} identifiers`,
      'matchingIdentifiers',
    );
  if (request.id === undefined && matching.length === 0)
    throw badRequest(
      'matchingIdentifiers lists the ExternalIds to find the organization by (or give its id)',
      'matchingIdentifiers',
    );
  return inTransaction(db, options.dryRun === true, async (trx) => {
    const identifiers: Identifier[] = [];
    for (const [k, input] of matching.entries())
      identifiers.push(
        await checkOrganizationIdentifier(trx, principal.orgId, input, `matchingIdentifiers[${k}]`),
      );
    let matches: Organization[] = [];
    let foundBy: Identifier[] = [];
    if (request.id !== undefined) matches = [await getOrganization(trx, principal, request.id)];
    else
      for (const identifier of identifiers) {
        matches = await organizationsByIdentifier(trx, principal, identifier);
        foundBy = [identifier];
        if (matches.length > 0) break;
      }
    if (matches.length === 0) {
      if (action === 'Update')
        throw notFound(
          'No organization matches the matchingIdentifiers (Update changes an existing one; Upsert makes one); organization',
        );
      const provided = normalizeOrganizationFields(
        request.externalOrganization ?? {},
        DEFAULT_COUNTRY,
      );
      const divisionId = requestedDivisionId(request.division) ?? null;
      if (divisionId !== null && !(await findDivision(trx, principal.orgId, divisionId)))
        throw badRequest(`Division ${divisionId} does not exist`, 'division.id');
      requireAccess(principal, ORGANIZATION_ENRICH, divisionId);
      await checkExternalSources(trx, principal.orgId, provided.externalIds ?? []);
      await checkCustomFields(trx, principal.orgId, 'organization', provided);
      const at = nowIso();
      const organization: Organization = {
        id: newId(),
        orgId: principal.orgId,
        divisionId,
        fields: provided,
        version: 1,
        createDate: at,
        modifyDate: at,
      };
      await insertOrganization(trx, organization);
      await claimFreeIdentifiers(
        trx,
        { ...organization, entityType: 'organization' },
        identifiers,
        at,
      );
      await record(trx, principal, null, organization);
      return { organization, created: true };
    }
    const ids = matches.map((o) => o.id).join(', ');
    if (action === 'Insert')
      throw conflict(
        `Organization ${ids} matches already; Insert only makes new organizations (Update or Upsert change one)`,
      );
    if (matches.length > 1)
      throw conflict(
        `${matches.length} organizations match (${ids}); enrich changes one: name it by id`,
      );
    const current = matches[0] as Organization;
    requireAccess(principal, ORGANIZATION_ENRICH, current.divisionId);
    // The provided fields need no name of their own when they enrich an existing organization.
    const provided = normalizeOrganizationFields(
      { name: current.fields.name, ...(request.externalOrganization ?? {}) },
      DEFAULT_COUNTRY,
    );
    const fields = normalizeOrganizationFields(
      enrichFields(current.fields, provided, rules, ORGANIZATION_ENRICH_SHAPE) as OrganizationInput,
      DEFAULT_COUNTRY,
    );
    await checkExternalSources(trx, principal.orgId, fields.externalIds ?? []);
    await checkCustomFields(trx, principal.orgId, 'organization', fields, current.fields);
    const updated: Organization = {
      ...current,
      fields,
      version: current.version + 1,
      modifyDate: nowIso(),
    };
    if (!(await updateOrganizationRow(trx, updated, current.version)))
      throw changedMeanwhile('Organization', current.id);
    await claimFreeIdentifiers(
      trx,
      { ...updated, entityType: 'organization' },
      foundBy,
      updated.modifyDate,
    );
    await record(trx, principal, current, updated);
    return { organization: updated, created: false };
  });
}

async function record(
  trx: Kysely<DB>,
  principal: Principal,
  before: Organization | null,
  after: Organization,
): Promise<void> {
  await recordChange(trx, {
    orgId: after.orgId,
    topic: organizationTopic(after.id),
    kind: before === null ? 'created' : 'updated',
    entityType: 'organization',
    entityId: after.id,
    divisionId: after.divisionId,
    principal,
    before: before && toOrganizationView(before),
    after: toOrganizationView(after),
  });
}
