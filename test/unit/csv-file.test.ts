import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../src/imports/csv-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kith-csv-'));

async function readAll(bytes: Buffer): Promise<{ rows: number; error?: string }> {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, bytes);
  let rows = 0;
  try {
    for await (const batch of readCsvRecords(file, { separator: ',' })) rows += batch.length;
    return { rows };
  } catch (error) {
    return { rows, error: (error as Error).message };
  }
}

describe('readCsvRecords', () => {
  it('names the first byte that is not UTF-8, past chunk boundaries split inside characters', async () => {
    // 2 MB of two-byte characters: the 1 MB chunks end in the middle of one.
    const good = Buffer.from(`a,b\n${'é,x\n'.repeat(400_000)}`);
    const result = await readAll(Buffer.concat([good, Buffer.from([0xff]), Buffer.from(',z\n')]));
    expect(result.error).toContain(`byte ${good.length} (0xff)`);
  });

  it('reads a valid file whose characters straddle the chunks', async () => {
    const result = await readAll(Buffer.from(`a,b\n${'é,x\n'.repeat(400_000)}`));
    expect(result).toEqual({ rows: 400_001 });
  });
});
