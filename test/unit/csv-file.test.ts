import { createWriteStream, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

  it('cuts batches short when their cells reach batchCharacters, whatever batchSize says', async () => {
    const file = path.join(dir, 'wide.csv');
    const wide = 'x'.repeat(100_000);
    writeFileSync(file, `a,b\n${`${wide},y\n`.repeat(50)}z,z\n`);
    const sizes: number[] = [];
    const lines: number[] = [];
    for await (const batch of readCsvRecords(file, {
      separator: ',',
      batchSize: 1000,
      batchCharacters: 1_000_000,
    })) {
      sizes.push(batch.length);
      lines.push(...batch.map((r) => r.line));
    }
    // Each wide row holds 100,001 characters: the 10th of a batch reaches 1,000,000 (the first
    // batch also holds the header), and the last row is left alone.
    expect(sizes).toEqual([11, 10, 10, 10, 10, 1]);
    expect(lines).toEqual(Array.from({ length: 52 }, (_, i) => i + 1));
  });

  it('reads a valid file whose characters straddle the chunks', async () => {
    const result = await readAll(Buffer.from(`a,b\n${'é,x\n'.repeat(400_000)}`));
    expect(result).toEqual({ rows: 400_001 });
  });

  it('streams a file: the memory it holds does not grow with the file', async () => {
    // A collection on demand, so that what is measured is what is held, not garbage.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const file = path.join(dir, 'large.csv');
    const out = createWriteStream(file);
    out.write('firstName,lastName,workEmail,address.city,notes\n');
    const filler = 'x'.repeat(200);
    for (let i = 0; i < 150_000; i++)
      if (
        !out.write(`First${i},Last${i},person${i}@example.com,City ${i % 97},"${filler}, ${i}"\n`)
      )
        await once(out, 'drain');
    out.end();
    await once(out, 'close');
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(35_000_000);

    gc();
    const before = process.memoryUsage().heapUsed;
    let held = 0;
    let rows = 0;
    let batches = 0;
    for await (const batch of readCsvRecords(file, { separator: ',', batchSize: 2000 })) {
      rows += batch.length;
      if (++batches % 10 === 0) {
        gc();
        held = Math.max(held, process.memoryUsage().heapUsed - before);
      }
    }
    expect(rows).toBe(150_001);
    // Reading the file whole would hold it at least twice over (UTF-16 strings); a stream holds
    // a chunk and a batch, whatever the file's size.
    expect(held).toBeLessThan(size / 4);
  });
});
