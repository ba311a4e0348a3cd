import { describe, expect, it } from 'vitest';
import { newId } from '../../src/common/ids.js';
import { insertFailures, insertJob } from '../../src/imports/import-job.repository.js';
import { NO_COUNTS, type ImportJob } from '../../src/imports/import-job.js';
import { nowIso } from '../../src/common/time.js';
import { writeFailures } from '../../src/imports/import-report.js';
import { DIALECTS, openTestDatabase } from '../helpers/databases.js';
import { slowReader } from '../helpers/memory.js';
import { makeOrganization } from './factories.js';

const FAILURES = 1000;
const CELL_CHARACTERS = 100_000;

/**
 * A report streams a page of failures at a time, and a reported row may be as wide as a row can
 * be (a 100,000-character cell is one of the bad files an import reports): the memory a report
 * holds is a few such rows, not the report, even when its reader is slow.
 */
for (const dialect of DIALECTS) {
  describe(`import report memory (${dialect})`, () => {
    it('holds a few wide rows, not the report, while a slow reader takes it', async () => {
      const database = await openTestDatabase(dialect);
      try {
        const { db } = database;
        const org = await makeOrganization(db);
        const at = nowIso();
        const job: ImportJob = {
          id: newId(),
          orgId: org.id,
          uploadId: newId(),
          settingsId: newId(),
          csvSettingsId: null,
          mappings: [],
          divisionId: null,
          defaultCountry: 'US',
          dryRunOnly: false,
          status: 'Completed',
          statusDetails: null,
          executionStep: 'Importing',
          phase: 'import',
          header: ['firstName', 'note'],
          separator: ',',
          nextOffset: 0,
          nextLine: 0,
          counts: NO_COUNTS,
          leaseOwner: null,
          leaseUntil: null,
          principal: { type: 'client', id: 'test' },
          dateCreated: at,
          dateModified: at,
          dateCompleted: at,
          reportToken: null,
        };
        await insertJob(db, job);
        for (let k = 0; k < FAILURES; k += 20)
          await insertFailures(
            db,
            job,
            'import',
            Array.from({ length: 20 }, (_, i) => ({
              line: k + i + 2,
              reason: 'customFields.note is longer than its field allows',
              cells: [`First${k + i}`, String(k + i).padEnd(CELL_CHARACTERS, 'x')],
            })),
          );

        const slow = slowReader(16);
        // It ends the stream it writes to, and returns once that stream has finished.
        await writeFailures(db, job, 'import', slow.writable);
        expect(slow.bytes()).toBeGreaterThan(FAILURES * CELL_CHARACTERS);
        // The report's rows as strings would be at least its size; a page is a twentieth of it.
        expect(slow.held()).toBeLessThan(slow.bytes() / 4);
      } finally {
        await database.destroy();
      }
    }, 120_000);
  });
}
