import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { createDivision } from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';

for (const dialect of DIALECTS) {
  describe(`contact visibility by division (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      for (const [name, division] of [
        ['inSales', sales],
        ['inSupport', support],
        ['unassigned', undefined],
      ] as const) {
        const res = await kith.request('POST', '/api/v2/externalcontacts/contacts', {
          body: {
            firstName: name,
            lastName: 'Test',
            ...(division ? { division: { id: division } } : {}),
          },
        });
        expect(res.statusCode).toBe(200);
        ids[name] = res.json().id;
      }
    });

    it('lists the granted division and unassigned contacts, nothing else', async () => {
      const { token } = await kith.principal(['externalContacts:contact:view'], [sales]);
      const res = await kith.request('GET', '/api/v2/externalcontacts/contacts?pageSize=100', {
        token,
      });
      expect(res.statusCode).toBe(200);
      const names = res
        .json()
        .entities.map((c: { firstName: string }) => c.firstName)
        .sort();
      expect(names).toEqual(['inSales', 'unassigned']);
      expect(res.json().total).toBe(2);
    });

    it('answers 404 for a contact in a division the principal cannot see', async () => {
      const { token } = await kith.principal(['externalContacts:contact:view'], [sales]);
      const res = await kith.request('GET', `/api/v2/externalcontacts/contacts/${ids.inSupport}`, {
        token,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not.found');
      const own = await kith.request('GET', `/api/v2/externalcontacts/contacts/${ids.inSales}`, {
        token,
      });
      expect(own.statusCode).toBe(200);
      expect(own.json().division.id).toBe(sales);
    });

    it('shows unassigned contacts with division *', async () => {
      const res = await kith.request('GET', `/api/v2/externalcontacts/contacts/${ids.unassigned}`);
      expect(res.json().division.id).toBe('*');
    });
  });
}
