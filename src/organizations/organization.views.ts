import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { findDivisionNames } from '../divisions/division.repository.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { findOrganizations } from './organization.repository.js';
import { identifiersByOrganization } from './organization-identifier.service.js';
import { toOrganizationView, type Organization, type OrganizationView } from './organization.js';

/** The expansions an organization read accepts (`expand=`); others are ignored. */
export const ORGANIZATION_EXPANSIONS = [
  'identifiers',
  'division',
  'externalDataSources',
  'externalSources',
];

/**
 * The organizations among `ids` in wire shape, for a contact's `expand=externalOrganization`.
 * With `principal`, only those it may view are returned (an invisible one stays a bare reference
 * on the contact).
 */
export async function findOrganizationViews(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
  principal?: Principal,
): Promise<Map<string, Record<string, unknown>>> {
  const organizations = (await findOrganizations(db, orgId, ids)).filter(
    (o) =>
      principal === undefined ||
      canAccess(principal, 'externalContacts:externalOrganization:view', o.divisionId),
  );
  return new Map(organizations.map((o) => [o.id, toOrganizationView(o)]));
}

/**
 * Renders organizations in the Genesys shape with what `expand` asks for (`identifiers`,
 * `division` names), one query per expansion for all of them.
 */
export async function renderOrganizations(
  db: Kysely<DB>,
  principal: Principal,
  organizations: readonly Organization[],
  expand: readonly string[] = [],
): Promise<OrganizationView[]> {
  const wants = new Set(expand);
  const [names, identifiers] = await Promise.all([
    wants.has('division')
      ? findDivisionNames(db, principal.orgId, [
          ...new Set(organizations.flatMap((o) => (o.divisionId === null ? [] : [o.divisionId]))),
        ])
      : undefined,
    wants.has('identifiers')
      ? identifiersByOrganization(
          db,
          principal.orgId,
          organizations.map((o) => o.id),
        )
      : undefined,
  ]);
  return organizations.map((organization) =>
    toOrganizationView(organization, {
      ...(names === undefined ? {} : { divisionNames: names }),
      ...(identifiers === undefined ? {} : { identifiers: identifiers.get(organization.id) ?? [] }),
    }),
  );
}

export async function renderOrganization(
  db: Kysely<DB>,
  principal: Principal,
  organization: Organization,
  expand: readonly string[] = [],
): Promise<OrganizationView> {
  const [view] = await renderOrganizations(db, principal, [organization], expand);
  return view as OrganizationView;
}
