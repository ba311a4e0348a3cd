import { afterEach, describe, expect, it } from 'vitest';
import {
  inlinePreparer,
  threadPreparer,
  type RowPreparer,
} from '../../src/imports/row-preparer.js';
import type { PreparationSetup } from '../../src/imports/row-preparation.js';
import { CsvFileError } from '../../src/imports/csv-file.js';

const SETUP: PreparationSetup = {
  header: [
    'firstName',
    'lastName',
    'workPhone',
    'workEmail',
    'externalId',
    'externalOrganization.name',
  ],
  mappings: null,
  externalSourceId: 'source-1',
  defaultCountry: 'GB',
  scope: 'division|GB|settings',
};

const ROWS = [
  ['Ada', 'Lovelace', '020 7946 0018', 'ada@example.com', 'crm-1', 'Analytical Engines'],
  ['Grace', 'Hopper', '+1 317 555 0102', 'grace@example.com', '', ''],
  ['Bad', 'Email', '', 'not-an-email', '', ''],
  ['Short', 'Row'],
  ['', '', '', '', '', ''],
];

describe('row preparers', () => {
  const open: RowPreparer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });

  it('prepare rows on a thread exactly as inline, batch after batch', async () => {
    const inline = inlinePreparer(SETUP);
    const thread = threadPreparer(SETUP);
    open.push(inline, thread);
    const expected = await inline.prepare(ROWS);
    expect(expected[0]).toMatchObject({
      contact: {
        workPhone: { e164: '+442079460018' },
        externalIds: [{ externalSource: { id: 'source-1' }, value: 'crm-1' }],
      },
      organizationName: 'Analytical Engines',
    });
    expect(expected.slice(2).map((p) => 'reason' in p)).toEqual([true, true, true]);
    // Sent together, answered each with its own rows.
    const [first, second] = await Promise.all([
      thread.prepare(ROWS),
      thread.prepare(ROWS.slice(1)),
    ]);
    expect(first).toEqual(expected);
    expect(second).toEqual(expected.slice(1));
  });

  it('refuse a header without a field before any thread starts', () => {
    expect(() => threadPreparer({ ...SETUP, header: ['shoe', 'size'] })).toThrow(CsvFileError);
  });

  it('refuse batches once closed, and those still waiting', async () => {
    const thread = threadPreparer(SETUP);
    const waiting = thread.prepare(ROWS).catch((error: Error) => error);
    await thread.close();
    expect(await waiting).toBeInstanceOf(Error);
    expect(((await waiting) as Error).message).toContain('closed');
    await expect(thread.prepare(ROWS)).rejects.toThrow('closed');
  });
});
