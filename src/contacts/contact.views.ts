import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { findDivisionNames } from '../divisions/division.repository.js';
import type { Principal } from '../authorization/access.js';
import { findOrganizationViews } from '../organizations/organization.views.js';
import { identifiersByContact } from './identifier.service.js';
import { mergeLinksOf } from '../merge/merge.service.js';
import { toContactView, type Contact, type ContactView } from './contact.js';

/** The expansions a contact read accepts (`expand=`). */
export const CONTACT_EXPANSIONS = [
  'externalOrganization',
  'externalDataSources',
  'identifiers',
  'externalSources',
  'division',
];

/** Loads the linked organizations in wire shape, for `expand=externalOrganization`. */
async function organizations(
  db: Kysely<DB>,
  principal: Principal,
  ids: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  if (ids.length === 0) return new Map();
  // Only organizations the principal may see are expanded; the others stay a bare reference.
  return findOrganizationViews(db, principal.orgId, ids, principal);
}

/**
 * Renders contacts in the Genesys shape with what `expand` asks for, loading each expansion for
 * all contacts at once (one query per expansion, not per contact).
 */
export async function renderContacts(
  db: Kysely<DB>,
  principal: Principal,
  contacts: readonly Contact[],
  expand: readonly string[] = [],
): Promise<ContactView[]> {
  const ids = contacts.map((c) => c.id);
  const wants = new Set(expand);
  const [names, identifiers, orgs, merges] = await Promise.all([
    wants.has('division')
      ? findDivisionNames(db, principal.orgId, [
          ...new Set(contacts.flatMap((c) => (c.divisionId === null ? [] : [c.divisionId]))),
        ])
      : undefined,
    wants.has('identifiers') ? identifiersByContact(db, principal.orgId, ids) : undefined,
    wants.has('externalOrganization')
      ? organizations(db, principal, [
          ...new Set(
            contacts.flatMap((c) =>
              c.fields.externalOrganization ? [c.fields.externalOrganization.id] : [],
            ),
          ),
        ])
      : undefined,
    mergeLinksOf(db, principal.orgId, contacts),
  ]);
  return contacts.map((contact) => {
    const merge = merges.get(contact.id);
    const orgId = contact.fields.externalOrganization?.id;
    const organization = orgId === undefined ? undefined : orgs?.get(orgId);
    return toContactView(contact, {
      ...(names === undefined ? {} : { divisionNames: names }),
      ...(identifiers === undefined ? {} : { identifiers: identifiers.get(contact.id) ?? [] }),
      ...(organization === undefined ? {} : { organization }),
      ...(merge === undefined ? {} : { merge }),
    });
  });
}

export async function renderContact(
  db: Kysely<DB>,
  principal: Principal,
  contact: Contact,
  expand: readonly string[] = [],
): Promise<ContactView> {
  const [view] = await renderContacts(db, principal, [contact], expand);
  return view as ContactView;
}
