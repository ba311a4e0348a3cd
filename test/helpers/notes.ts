import { CONTACTS, ok } from './http.js';
import type { TestKith } from './kith.js';

export const ORGANIZATIONS = '/api/v2/externalcontacts/organizations';

/** The Genesys `Note` as Kith answers it. */
export interface NoteView {
  id: string;
  division: { id: string; name?: string; selfUri?: string };
  entityId: string;
  entityType: string;
  noteText: string;
  createDate: string;
  modifyDate: string;
  createdBy?: { id: string; name?: string; selfUri: string };
  selfUri: string;
}

/** The notes path of a contact. */
export function contactNotes(contactId: string): string {
  return `${CONTACTS}/${contactId}/notes`;
}

/** The notes path of an external organization. */
export function organizationNotes(organizationId: string): string {
  return `${ORGANIZATIONS}/${organizationId}/notes`;
}

/** Creates a contact as the admin (in `divisionId`, unassigned when absent) and returns its id. */
export async function makeContact(
  kith: TestKith,
  firstName: string,
  divisionId?: string,
): Promise<string> {
  const body = { firstName, ...(divisionId === undefined ? {} : { division: { id: divisionId } }) };
  return ok<{ id: string }>(await kith.request('POST', CONTACTS, { body })).id;
}

/** Adds a note through the API (as the admin unless a token is given), which must succeed. */
export async function addNote(
  kith: TestKith,
  notesPath: string,
  noteText: string,
  token?: string,
): Promise<NoteView> {
  return ok<NoteView>(
    await kith.request('POST', notesPath, {
      body: { noteText },
      ...(token === undefined ? {} : { token }),
    }),
  );
}

/** Creates an external organization as the admin and returns its id. */
export async function makeOrganization(
  kith: TestKith,
  name: string,
  divisionId?: string,
): Promise<string> {
  const body = { name, ...(divisionId === undefined ? {} : { division: { id: divisionId } }) };
  return ok<{ id: string }>(await kith.request('POST', ORGANIZATIONS, { body })).id;
}
