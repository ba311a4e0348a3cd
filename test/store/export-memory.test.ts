import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/common/ids.js';
import { nowIso } from '../../src/common/time.js';
import { contactToRow } from '../../src/contacts/contact.repository.js';
import { insertRows } from '../../src/db/compiled.js';
import { writeExport } from '../../src/exports/export-engine.js';
import { DIALECTS, openTestDatabase } from '../helpers/databases.js';
import { slowReader } from '../helpers/memory.js';
import { makeOrganization } from './factories.js';

// 150,000 contacts make a 93 MB export: a page (2,000 rows read, parsed and written, 7-10 MB
// under the full suite's load) stays well under a quarter of it; at 60,000 it once came to 9.5 MB
// of a 9.3 MB quarter.
const CONTACTS = 150_000;

/**
 * An export streams: it reads a page, writes it, and waits for the reader before the next, so
 * the memory it holds is a page's worth whatever the size of the export, even when the reader
 * is slow (a download over a poor link).
 */
for (const dialect of DIALECTS) {
  describe(`export memory (${dialect})`, () => {
    it('holds a page, not the export, while a slow reader takes it', async () => {
      const database = await openTestDatabase(dialect);
      try {
        const { db } = database;
        const org = await makeOrganization(db);
        const filler = 'x'.repeat(400);
        const at = nowIso();
        const contact = (i: number) =>
          contactToRow({
            id: newId(),
            orgId: org.id,
            divisionId: org.homeDivisionId,
            type: 'Curated',
            fields: {
              firstName: `First${i}`,
              lastName: `Last${i}`,
              workEmail: `person${i}@example.com`,
              address: { address1: `${i} ${filler}`, city: `City ${i % 97}` },
            },
            version: 1,
            createDate: at,
            modifyDate: at,
          });
        for (let k = 0; k < CONTACTS; k += 1000)
          await db.transaction().execute((trx) =>
            insertRows(
              trx,
              'contacts',
              Array.from({ length: 1000 }, (_, i) => contact(k + i)),
            ),
          );

        const slow = slowReader();
        const written = await writeExport(
          db,
          {
            orgId: org.id,
            kind: 'contacts',
            parts: [{ filter: { divisionIds: 'all', includeUnassigned: true } }],
            filters: null,
            limit: 180_000_000,
          },
          slow.writable,
        );
        slow.writable.end();
        await once(slow.writable, 'finish');
        expect(written).toBe(CONTACTS);
        expect(slow.bytes()).toBeGreaterThan(75_000_000);
        // The whole export as strings would be at least its size; a page is a seventy-fifth of it.
        expect(slow.held()).toBeLessThan(slow.bytes() / 4);
      } finally {
        await database.destroy();
      }
    }, 120_000);
  });
}
