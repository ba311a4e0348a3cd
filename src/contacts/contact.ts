/** How a contact came to be, which decides whether it expires (SPEC §3). */
export type ContactType = 'Ephemeral' | 'Identified' | 'Curated' | 'Canonical';

/** An external contact, as services see it. */
export interface Contact {
  id: string;
  orgId: string;
  /** null: unassigned (`*` on the wire). */
  divisionId: string | null;
  type: ContactType;
  firstName: string | null;
  middleName: string | null;
  lastName: string | null;
  salutation: string | null;
  title: string | null;
  version: number;
  createDate: string;
  modifyDate: string;
}

export const CONTACTS_PATH = '/api/v2/externalcontacts/contacts';
export const UNASSIGNED = '*';

/** The Genesys `ExternalContact` shape (the fields this slice carries). */
export interface ContactView {
  id: string;
  division: { id: string; name?: string; selfUri?: string };
  firstName?: string;
  middleName?: string;
  lastName?: string;
  salutation?: string;
  title?: string;
  type: ContactType;
  createDate: string;
  modifyDate: string;
  selfUri: string;
}

export function toContactView(
  contact: Contact,
  divisionNames?: ReadonlyMap<string, string>,
): ContactView {
  const division: ContactView['division'] =
    contact.divisionId === null
      ? { id: UNASSIGNED }
      : {
          id: contact.divisionId,
          selfUri: `/api/v2/authorization/divisions/${contact.divisionId}`,
        };
  const name = contact.divisionId === null ? undefined : divisionNames?.get(contact.divisionId);
  if (name !== undefined) division.name = name;
  const view: ContactView = {
    id: contact.id,
    division,
    type: contact.type,
    createDate: contact.createDate,
    modifyDate: contact.modifyDate,
    selfUri: `${CONTACTS_PATH}/${contact.id}`,
  };
  for (const key of ['firstName', 'middleName', 'lastName', 'salutation', 'title'] as const) {
    const value = contact[key];
    if (value !== null) view[key] = value;
  }
  return view;
}

export const NAME_MAX_LENGTH = 1000;
