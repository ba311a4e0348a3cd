import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReadFilter } from '../../src/authorization/access.js';
import { newId } from '../../src/common/ids.js';
import { nowIso } from '../../src/common/time.js';
import { contactToRow, searchContacts } from '../../src/contacts/contact.repository.js';
import { parseSearchQuery } from '../../src/contacts/contact-search.js';
import type { Contact } from '../../src/contacts/contact.js';
import type { DB } from '../../src/db/schema.js';
import { DIALECTS, freshDatabases } from '../helpers/databases.js';
import { makeOrganization, signInAdmin } from './factories.js';
import type { Principal } from '../../src/authorization/access.js';
import {
  createContact,
  searchContacts as searchForPrincipal,
} from '../../src/contacts/contact.service.js';
import type { ContactInput } from '../../src/contacts/contact-validation.js';

interface Person {
  readonly firstName: string;
  readonly lastName: string;
  readonly divisionId: string | null;
}

/** Writes contacts in bulk through the repository's own row mapping; returns them in id order. */
async function insertPeople(
  db: Kysely<DB>,
  orgId: string,
  people: readonly Person[],
): Promise<Contact[]> {
  const now = nowIso();
  const contacts: Contact[] = people.map((p) => ({
    id: newId(),
    orgId,
    divisionId: p.divisionId,
    type: 'Curated',
    fields: { firstName: p.firstName, lastName: p.lastName },
    version: 1,
    createDate: now,
    modifyDate: now,
  }));
  for (let k = 0; k < contacts.length; k += 500) {
    await db
      .insertInto('contacts')
      .values(contacts.slice(k, k + 500).map(contactToRow))
      .execute();
  }
  return contacts;
}

const EVERYTHING: ReadFilter = { divisionIds: 'all', includeUnassigned: true };
// Well past the count limit, all of one last name: ranking ties fall back to creation order.
const MARSHES = 5200;
const LEES = 40;

for (const dialect of DIALECTS) {
  describe(`searchContacts with many matches (${dialect})`, () => {
    const freshDatabase = freshDatabases(dialect);
    let db: Kysely<DB>;
    let orgId: string;
    let homeDivisionId: string;
    let everyone: Contact[];
    let marshes: Contact[];

    beforeAll(async () => {
      db = (await freshDatabase()).db;
      const org = await makeOrganization(db);
      orgId = org.id;
      homeDivisionId = org.homeDivisionId;
      const people: Person[] = [];
      for (let k = 0; k < MARSHES; k += 1) {
        people.push({
          firstName: ['Ann', 'Bob', 'Cy'][k % 3] as string,
          lastName: 'Marsh',
          divisionId: k % 2 === 0 ? homeDivisionId : null,
        });
        if (k % 130 === 0) people.push({ firstName: 'Ann', lastName: 'Lee', divisionId: null });
      }
      everyone = await insertPeople(db, orgId, people);
      marshes = everyone.filter((c) => c.fields.lastName === 'Marsh');
    }, 60_000);

    function search(q: string, filter: ReadFilter, pageNumber: number, countLimit?: number) {
      return searchContacts(db, orgId, {
        filter,
        terms: parseSearchQuery(q),
        page: { pageNumber, pageSize: 20 },
        countLimit,
      });
    }

    it('counts up to the count limit, then answers the limit as a partial total', async () => {
      expect(await search('mars', EVERYTHING, 1, 1000)).toMatchObject({
        total: 1000,
        partial: true,
      });
      expect(await search('mars', EVERYTHING, 1)).toMatchObject({
        total: MARSHES,
        partial: false,
      });
    });

    it('caps the total of a listing without terms too', async () => {
      const listing = await searchContacts(db, orgId, {
        filter: EVERYTHING,
        page: { pageNumber: 1, pageSize: 20 },
        countLimit: 1000,
      });
      expect(listing).toMatchObject({ total: 1000, partial: true });
      expect(listing.contacts.map((c) => c.id)).toEqual(everyone.slice(0, 20).map((c) => c.id));
    });

    it('answers an exact total under the count limit', async () => {
      expect(await search('ann lee', EVERYTHING, 1, 1000)).toMatchObject({
        total: LEES,
        partial: false,
      });
    });

    it('pages a broad query of one name in creation order, with or without a count limit', async () => {
      const inHome: ReadFilter = { divisionIds: [homeDivisionId], includeUnassigned: false };
      for (const [filter, visible] of [
        [EVERYTHING, marshes],
        [inHome, marshes.filter((c) => c.divisionId === homeDivisionId)],
      ] as const) {
        for (const pageNumber of [1, 3, 50]) {
          const expected = visible.slice((pageNumber - 1) * 20, pageNumber * 20).map((c) => c.id);
          const limited = await search('marsh', filter, pageNumber, 1000);
          const exact = await search('marsh', filter, pageNumber);
          expect(limited.contacts.map((c) => c.id)).toEqual(expected);
          expect(exact.contacts.map((c) => c.id)).toEqual(expected);
        }
      }
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`ranked contact search (${dialect})`, () => {
    const freshDatabase = freshDatabases(dialect);
    let db: Kysely<DB>;
    let principal: Principal;
    const named = new Map<string, string>();

    beforeAll(async () => {
      db = (await freshDatabase()).db;
      const org = await makeOrganization(db);
      principal = (await signInAdmin(db, org)).principal;
      const people: [string, ContactInput][] = [
        ['marshall', { firstName: 'Ann', lastName: 'Marshall' }],
        ['marsh 1', { firstName: 'Bob', lastName: 'Marsh' }],
        ['marsh lee', { firstName: 'Marsh', lastName: 'Lee' }],
        ['marsha', { firstName: 'Cy', lastName: 'Marsha' }],
        ['marsh only', { firstName: 'Marsh' }],
        ['marsh 2', { firstName: 'Dee', lastName: 'Marsh' }],
        ['handle', { firstName: 'Zed', lastName: 'Quux', twitterId: { screenName: 'marsh' } }],
        ['other', { firstName: 'Eve', lastName: 'Stone' }],
      ];
      for (const [label, input] of people)
        named.set((await createContact(db, principal, input)).id, label);
    });

    async function labels(q: string, pageSize: number, pageNumber = 1) {
      const result = await searchForPrincipal(db, principal, { q, page: { pageSize, pageNumber } });
      return { total: result.total, labels: result.contacts.map((c) => named.get(c.id)) };
    }

    it('ranks a handle match first, then the exact word, then longer names alphabetically', async () => {
      // "marsh 1", "marsh only" and "marsh 2" share the key "marsh": creation order breaks the tie.
      expect(await labels('marsh', 20)).toEqual({
        total: 7,
        labels: ['handle', 'marsh 1', 'marsh only', 'marsh 2', 'marsh lee', 'marsha', 'marshall'],
      });
      expect((await labels('MARSHA', 20)).labels).toEqual(['marsha', 'marshall']);
      expect((await labels('marsh lee', 20)).labels).toEqual(['marsh lee']);
    });

    it('pages through the ranking without losing or repeating a contact', async () => {
      const all = (await labels('mars', 20)).labels;
      const paged = [];
      for (let pageNumber = 1; pageNumber <= 3; pageNumber += 1) {
        const page = await labels('mars', 2, pageNumber);
        expect(page.total).toBe(6);
        paged.push(...page.labels);
      }
      expect(paged).toEqual(all);
      expect(new Set(all).size).toBe(6);
      expect(all).not.toContain('handle');
    });
  });
}
