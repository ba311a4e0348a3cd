import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';
import { expectSearch, postContact, type ContactView, type Listing } from '../helpers/contacts.js';

const q = (text: string): string => `q=${encodeURIComponent(text)}`;

for (const dialect of DIALECTS) {
  describe(`contact search by name, email and phone (${dialect})`, () => {
    const kith = useTestKith(dialect);
    const id: Record<string, string> = {};

    beforeAll(async () => {
      const people: [string, Record<string, unknown>][] = [
        ['ada', { firstName: 'Ada', lastName: 'Lovelace', workEmail: 'ada@example.com' }],
        ['adam', { firstName: 'Adam', lastName: 'Smith' }],
        ['bob', { firstName: 'Bob', lastName: 'Adams' }],
        ['zoe', { firstName: 'Zoë', lastName: 'Ångström' }],
        [
          'grace',
          { firstName: 'Grace', lastName: 'Hopper', workPhone: { display: '+13175550123' } },
        ],
        ['dotted', { firstName: 'Dot', lastName: 'Ted', homePhone: { display: '317.555.0124' } }],
        [
          'plus',
          { firstName: 'Plus', lastName: 'Sign', cellPhone: { display: '+1 317 555 0125' } },
        ],
        ['short', { firstName: 'Short', lastName: 'Code', otherPhone: { display: '555-0199' } }],
        ['vanity', { firstName: 'Van', lastName: 'Ity', otherPhone: { display: '1-800-FLOWERS' } }],
        [
          'london',
          {
            firstName: 'Lon',
            lastName: 'Don',
            workPhone: { display: '020 7946 0958', normalizationCountryCode: 'GB' },
          },
        ],
        ['percent', { firstName: '100%', lastName: 'Sure' }],
      ];
      for (const [key, body] of people) id[key] = (await postContact(kith, body)).id;
    });

    it('finds names by prefix of the first name, the last name and "first last"', async () => {
      await expectSearch(kith, q('ada'), [id.ada!, id.adam!, id.bob!]);
      await expectSearch(kith, q('Adam'), [id.adam!, id.bob!]);
      await expectSearch(kith, q('love'), [id.ada!]);
      await expectSearch(kith, q('ada love'), [id.ada!]);
      await expectSearch(kith, q('Ada Lovelace'), [id.ada!]);
      await expectSearch(kith, q('grace hop'), [id.grace!]);
      await expectSearch(kith, q('lovelace ada'), []);
    });

    it('matches names case- and accent-insensitively', async () => {
      await expectSearch(kith, q('ADA'), [id.ada!, id.adam!, id.bob!]);
      await expectSearch(kith, q('zoe'), [id.zoe!]);
      await expectSearch(kith, q('ZOË'), [id.zoe!]);
      await expectSearch(kith, q('angstr'), [id.zoe!]);
      await expectSearch(kith, q('zoe angström'), [id.zoe!]);
    });

    it('takes LIKE wildcards in a query literally', async () => {
      await expectSearch(kith, q('%'), []);
      await expectSearch(kith, q('100%'), [id.percent!]);
      await expectSearch(kith, q('_'), []);
    });

    it('finds emails exactly, in any case', async () => {
      await expectSearch(kith, q('ada@example.com'), [id.ada!]);
      await expectSearch(kith, q('ADA@Example.COM'), [id.ada!]);
      await expectSearch(kith, q('other@example.com'), []);
    });

    it('normalizes a phone-like query to E.164', async () => {
      await expectSearch(kith, q('(317) 555-0123'), [id.grace!]);
      await expectSearch(kith, q('317-555-0123'), [id.grace!]);
      await expectSearch(kith, q('+1 317 555 0123'), [id.grace!]);
      await expectSearch(kith, q('3175550125'), [id.plus!]);
      await expectSearch(kith, q('+44 20 7946 0958'), [id.london!]);
    });

    it('matches a quoted query as typed, by its digits, without converting it', async () => {
      await expectSearch(kith, q('"3175550124"'), [id.dotted!]);
      await expectSearch(kith, q('"317.555.0124"'), [id.dotted!]);
      // +1 317 555 0125 was typed with its country code: its digits are 13175550125.
      await expectSearch(kith, q('"3175550125"'), []);
      await expectSearch(kith, q('"13175550125"'), [id.plus!]);
    });

    it('finds non-E.164 numbers by their digits', async () => {
      await expectSearch(kith, q('555-0199'), [id.short!]);
      await expectSearch(kith, q('5550199'), [id.short!]);
      await expectSearch(kith, q('"555 0199"'), [id.short!]);
      await expectSearch(kith, q('020 7946 0958'), [id.london!]);
    });

    it('answers an empty page, not an error, for a query matching nothing', async () => {
      const listing = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?${q('nobody at all')}`),
      );
      expect(listing).toMatchObject({ entities: [], total: 0 });
    });
  });

  describe(`contact search paging and sorting (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales Team');
      support = await createDivision(kith, 'Support Team');
      for (let i = 0; i < 25; i += 1) {
        await postContact(kith, {
          firstName: `Pager${String(i).padStart(2, '0')}`,
          lastName: `Last${String(24 - i).padStart(2, '0')}`,
          middleName: `M${String((i * 7) % 25).padStart(2, '0')}`,
          title: `T${String((i * 11) % 25).padStart(2, '0')}`,
          division: { id: i % 2 === 0 ? sales : support },
        });
      }
    });

    it('pages 20 by default and up to 100', async () => {
      const first = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?${q('pager')}`),
      );
      expect(first).toMatchObject({ pageSize: 20, pageNumber: 1, total: 25, pageCount: 2 });
      expect(first.entities).toHaveLength(20);
      const second = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?${q('pager')}&pageNumber=2`),
      );
      expect(second.entities).toHaveLength(5);
      const all = new Set([...first.entities, ...second.entities].map((c) => c.id));
      expect(all.size).toBe(25);
      expect(
        ok<Listing<ContactView>>(
          await kith.request('GET', `${CONTACTS}?${q('pager')}&pageSize=100`),
        ).entities,
      ).toHaveLength(25);
    });

    it('answers pageSize over 100 or pageNumber * pageSize over 1000 with 400', async () => {
      const size = expectGenesysError(
        await kith.request('GET', `${CONTACTS}?${q('pager')}&pageSize=101`),
        400,
      );
      expect(size.details.map((d) => d.fieldName)).toContain('pageSize');
      expect(
        (await kith.request('GET', `${CONTACTS}?${q('pager')}&pageSize=50&pageNumber=20`))
          .statusCode,
      ).toBe(200);
      const deep = expectGenesysError(
        await kith.request('GET', `${CONTACTS}?${q('pager')}&pageSize=50&pageNumber=21`),
        400,
      );
      expect(deep.details.map((d) => d.fieldName)).toContain('pageNumber');
      expectGenesysError(await kith.request('GET', `${CONTACTS}?pageSize=abc`), 400);
    });

    for (const field of ['firstName', 'lastName', 'middleName', 'title'] as const) {
      it(`sorts by ${field} ascending and descending`, async () => {
        const values = async (direction: string): Promise<string[]> =>
          ok<Listing<ContactView>>(
            await kith.request(
              'GET',
              `${CONTACTS}?${q('pager')}&pageSize=100&sortOrder=${field}:${direction}`,
            ),
          ).entities.map((c) => c[field] as string);
        const asc = await values('asc');
        expect(asc).toHaveLength(25);
        expect(asc).toEqual([...asc].sort());
        expect(await values('desc')).toEqual([...asc].reverse());
      });
    }

    it('answers an unknown sortOrder with 400', async () => {
      expectGenesysError(await kith.request('GET', `${CONTACTS}?sortOrder=workEmail:asc`), 400);
    });

    it('narrows to divisionIds, up to 50, and answers 51 with 400', async () => {
      const inSales = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?${q('pager')}&pageSize=100&divisionIds=${sales}`),
      );
      expect(inSales.total).toBe(13);
      for (const c of inSales.entities) expect(c.division.id).toBe(sales);
      const many = (n: number) =>
        Array.from({ length: n }, (_, i) => `divisionIds=${i === 0 ? support : `d-${i}`}`).join(
          '&',
        );
      expect(
        ok<Listing<ContactView>>(await kith.request('GET', `${CONTACTS}?${q('pager')}&${many(50)}`))
          .total,
      ).toBe(12);
      const error = expectGenesysError(
        await kith.request('GET', `${CONTACTS}?${q('pager')}&${many(51)}`),
        400,
      );
      expect(error.details.map((d) => d.fieldName)).toContain('divisionIds');
    });

    it('expands division to its name', async () => {
      const listing = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?${q('pager')}&pageSize=100&expand=division`),
      );
      for (const c of listing.entities) {
        expect(c.division.name).toBe(c.division.id === sales ? 'Sales Team' : 'Support Team');
      }
      const plain = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?${q('pager')}`),
      );
      for (const c of plain.entities) expect(c.division.name).toBeUndefined();
      const one = ok<ContactView>(
        await kith.request('GET', `${CONTACTS}/${plain.entities[0]?.id ?? ''}?expand=division`),
      );
      expect(one.division.name).toMatch(/Team$/);
      // The Genesys SDK joins several expansions with commas.
      const both = ok<Listing<ContactView>>(
        await kith.request('GET', `${CONTACTS}?${q('pager')}&expand=identifiers,division`),
      );
      for (const c of both.entities) {
        expect(c.division.name).toMatch(/Team$/);
        expect(c.identifiers).toEqual([]);
      }
    });
  });

  describe(`contact search sort with missing values (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('puts contacts without the sort field last in both directions, on every database', async () => {
      const titled = await postContact(kith, { firstName: 'Nulls', title: 'Boss' });
      const untitled = await postContact(kith, { firstName: 'Nulls' });
      for (const direction of ['asc', 'desc']) {
        const listing = ok<Listing<ContactView>>(
          await kith.request('GET', `${CONTACTS}?${q('nulls')}&sortOrder=title:${direction}`),
        );
        expect(
          listing.entities.map((c) => c.id),
          direction,
        ).toEqual([titled.id, untitled.id]);
      }
    });
  });
}
