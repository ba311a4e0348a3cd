import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';
import {
  DEPRECATED_LOOKUP,
  IDENTIFIER_LOOKUP,
  REVERSE_LOOKUP,
  expectSearch,
  idsOf,
  postContact,
  type ContactView,
  type Listing,
} from '../helpers/contacts.js';

/**
 * SPEC §2: a principal with view on division A sees A's contacts and unassigned ones, never B's,
 * on every read path.
 */
for (const dialect of DIALECTS) {
  describe(`contact read paths obey divisions (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let divisionA: string;
    let divisionB: string;
    let token: string;
    const id = { a: '', b: '', u: '' };

    async function claim(contactId: string, type: string, value: string): Promise<void> {
      ok(
        await kith.request('PATCH', `${CONTACTS}/${contactId}/identifiers`, {
          body: { operation: 'Claim', identifier: { type, value } },
        }),
      );
    }

    beforeAll(async () => {
      divisionA = await createDivision(kith, 'Division A');
      divisionB = await createDivision(kith, 'Division B');
      // B's contact is created first, so that it is the oldest holder of what it shares.
      id.b = (
        await postContact(kith, {
          firstName: 'Bea',
          lastName: 'Visible',
          workEmail: 'everyone@example.com',
          personalEmail: 'ab@example.com',
          otherEmail: 'only-b@example.com',
          workPhone: { display: '+13175550400' },
          division: { id: divisionB },
        })
      ).id;
      id.a = (
        await postContact(kith, {
          firstName: 'Abe',
          lastName: 'Visible',
          workEmail: 'everyone@example.com',
          personalEmail: 'ab@example.com',
          workPhone: { display: '+13175550400' },
          division: { id: divisionA },
        })
      ).id;
      id.u = (
        await postContact(kith, {
          firstName: 'Una',
          lastName: 'Visible',
          workEmail: 'everyone@example.com',
        })
      ).id;
      await claim(id.b, 'Cookie', 'cookie-b');
      await claim(id.a, 'Cookie', 'cookie-a');
      await claim(id.u, 'Cookie', 'cookie-u');
      await claim(id.b, 'Phone', '+13175550401');
      // Claims are ordered by their millisecond timestamps: keep A's strictly later.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await claim(id.a, 'Phone', '+13175550401');
      ({ token } = await kith.principal(['externalContacts:contact:view'], [divisionA]));
    });

    it('get: answers A and unassigned contacts, and 404 for B', async () => {
      for (const visible of [id.a, id.u]) {
        expect(
          ok<ContactView>(await kith.request('GET', `${CONTACTS}/${visible}`, { token })).id,
        ).toBe(visible);
        expect(
          ok<ContactView>(await kith.request('GET', `${CONTACTS}/${visible}/unresolved`, { token }))
            .id,
        ).toBe(visible);
      }
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/${id.b}`, { token }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/${id.b}/unresolved`, { token }),
        404,
        'not.found',
      );
    });

    it('list: holds A and unassigned contacts, never B', async () => {
      const listing = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?pageSize=100`, { token }),
      );
      expect(idsOf(listing)).toEqual([id.a, id.u].sort());
      expect(listing.total).toBe(2);
      const askedForB = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?divisionIds=${divisionB}`, { token }),
      );
      expect(askedForB.entities).toEqual([]);
      const expanded = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?pageSize=100&expand=identifiers`, { token }),
      );
      const values = expanded.entities.flatMap((c) => (c.identifiers ?? []).map((i) => i.value));
      expect(values).not.toContain('cookie-b');
    });

    it('search: finds A and unassigned contacts by name, email and phone, never B', async () => {
      await expectSearch(kith, 'q=visible', [id.a, id.u], token);
      await expectSearch(
        kith,
        `q=${encodeURIComponent('everyone@example.com')}`,
        [id.a, id.u],
        token,
      );
      await expectSearch(kith, `q=${encodeURIComponent('(317) 555-0400')}`, [id.a], token);
      await expectSearch(kith, `q=${encodeURIComponent('only-b@example.com')}`, [], token);
      await expectSearch(kith, 'q=bea', [], token);
      // The admin sees all three.
      await expectSearch(kith, 'q=visible', [id.a, id.b, id.u]);
    });

    for (const [name, path] of [
      ['identifierlookup/contacts', IDENTIFIER_LOOKUP],
      ['identifierlookup (deprecated)', DEPRECATED_LOOKUP],
    ] as const) {
      it(`${name}: answers A and unassigned claimants, and 404 for B's`, async () => {
        const find = (type: string, value: string, as?: string) =>
          kith.request('POST', path, {
            body: { type, value },
            ...(as === undefined ? {} : { token: as }),
          });
        expect(ok<ContactView>(await find('Cookie', 'cookie-a', token)).id).toBe(id.a);
        expect(ok<ContactView>(await find('Cookie', 'cookie-u', token)).id).toBe(id.u);
        expectGenesysError(await find('Cookie', 'cookie-b', token), 404);
        expectGenesysError(await find('Email', 'only-b@example.com', token), 404);
        // Both divisions claim the phone and B's claim is older: the admin gets B's, A's viewer A's.
        expect(ok<ContactView>(await find('Phone', '+13175550401')).id).toBe(id.b);
        expect(ok<ContactView>(await find('Phone', '+13175550401', token)).id).toBe(id.a);
        // A contact point A and B share is a single match for A's viewer, two for the admin.
        expect(ok<ContactView>(await find('Email', 'ab@example.com', token)).id).toBe(id.a);
        expectGenesysError(await find('Email', 'ab@example.com'), 404);
      });
    }

    it('reverse lookup: answers A and unassigned contacts, never B', async () => {
      const found = ok<{ contacts: ContactView[] }>(
        await kith.request('GET', `${REVERSE_LOOKUP}?lookupVal=everyone@example.com`, { token }),
      ).contacts;
      expect(found.map((c) => c.id).sort()).toEqual([id.a, id.u].sort());
      const byPhone = ok<{ contacts: ContactView[] }>(
        await kith.request('GET', `${REVERSE_LOOKUP}?lookupVal=%2B13175550400`, { token }),
      ).contacts;
      expect(byPhone.map((c) => c.id)).toEqual([id.a]);
      const inB = ok<{ contacts: ContactView[] }>(
        await kith.request(
          'GET',
          `${REVERSE_LOOKUP}?lookupVal=everyone@example.com&divisionId=${divisionB}`,
          { token },
        ),
      ).contacts;
      expect(inB).toEqual([]);
      const admin = ok<{ contacts: ContactView[] }>(
        await kith.request('GET', `${REVERSE_LOOKUP}?lookupVal=everyone@example.com`),
      ).contacts;
      expect(admin).toHaveLength(3);
    });

    it("identifiers: lists A's and unassigned contacts' identifiers, and 404 for B's", async () => {
      const own = ok<{ entities: { value: string }[] }>(
        await kith.request('GET', `${CONTACTS}/${id.a}/identifiers`, { token }),
      ).entities;
      expect(own.map((i) => i.value).sort()).toEqual(['+13175550401', 'cookie-a']);
      expect(
        ok<{ entities: { value: string }[] }>(
          await kith.request('GET', `${CONTACTS}/${id.u}/identifiers`, { token }),
        ).entities.map((i) => i.value),
      ).toEqual(['cookie-u']);
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/${id.b}/identifiers`, { token }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/${id.b}?expand=identifiers`, { token }),
        404,
      );
    });
  });
}
