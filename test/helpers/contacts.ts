import { expect } from 'vitest';
import { newId } from '../../src/common/ids.js';
import { nowIso } from '../../src/common/time.js';
import { contactPoints } from '../../src/contacts/contact-points.js';
import { insertContact } from '../../src/contacts/contact.repository.js';
import { DEFAULT_BLOCKLIST } from '../../src/contacts/identifier.js';
import type { ContactFields, ContactType } from '../../src/contacts/contact.js';
import { CONTACTS, ok } from './http.js';
import type { TestKith } from './kith.js';

export const ROOT = '/api/v2/externalcontacts';
export const EXTERNAL_SOURCES = `${ROOT}/externalsources`;
export const IDENTIFIER_LOOKUP = `${ROOT}/identifierlookup/contacts`;
export const DEPRECATED_LOOKUP = `${ROOT}/identifierlookup`;
export const REVERSE_LOOKUP = `${ROOT}/reversewhitepageslookup`;

/** The parts of the Genesys `ExternalContact` answer the API tests read. */
export interface ContactView {
  id: string;
  division: { id: string; name?: string; selfUri?: string };
  type: string;
  createDate: string;
  modifyDate: string;
  selfUri: string;
  identifiers?: { type: string; value: string; division: { id: string } }[];
  [field: string]: unknown;
}

export interface Listing<T> {
  entities: T[];
  total: number;
  pageSize: number;
  pageNumber: number;
  pageCount: number;
}

/** Creates a contact through POST /contacts (as the admin unless a token is given). */
export async function postContact(
  kith: TestKith,
  body: Record<string, unknown>,
  token?: string,
): Promise<ContactView> {
  return ok<ContactView>(
    await kith.request('POST', CONTACTS, { body, ...(token === undefined ? {} : { token }) }),
  );
}

/** Creates an external source through the API and returns its id. */
export async function postExternalSource(kith: TestKith, name: string): Promise<string> {
  return ok<{ id: string }>(await kith.request('POST', EXTERNAL_SOURCES, { body: { name } })).id;
}

/**
 * Inserts an external organization row directly (the organizations API is not under test here)
 * and returns its id.
 */
export async function insertOrganizationRow(kith: TestKith, name: string): Promise<string> {
  const id = newId();
  const now = nowIso();
  await kith.database.db
    .insertInto('organizations')
    .values({
      org_id: kith.orgId,
      id,
      division_id: null,
      name,
      name_key: name.toLowerCase(),
      company_type: null,
      industry: null,
      data: '{}',
      version: 1,
      created_at: now,
      modified_at: now,
    })
    .execute();
  return id;
}

/**
 * Inserts a contact of any type straight through the repository, as identity resolution would,
 * and returns its id.
 */
export async function insertContactOfType(
  kith: TestKith,
  type: ContactType,
  fields: ContactFields,
  divisionId: string | null = null,
): Promise<string> {
  const now = nowIso();
  const id = newId();
  await insertContact(
    kith.database.db,
    {
      id,
      orgId: kith.orgId,
      divisionId,
      type,
      fields,
      version: 1,
      createDate: now,
      modifyDate: now,
    },
    contactPoints(fields, DEFAULT_BLOCKLIST),
  );
  return id;
}

/** The ids of a listing's entities, sorted. */
export function idsOf(listing: { entities: { id: string }[] }): string[] {
  return listing.entities.map((e) => e.id).sort();
}

/** Checks the id set of a search answer. */
export async function expectSearch(
  kith: TestKith,
  query: string,
  expected: readonly string[],
  token?: string,
): Promise<void> {
  const listing = ok<Listing<ContactView>>(
    await kith.request('GET', `${CONTACTS}?pageSize=100&${query}`, {
      ...(token === undefined ? {} : { token }),
    }),
  );
  expect(idsOf(listing), query).toEqual([...expected].sort());
}
