import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/common/batcher.js';

/** A flush the test lets finish when it wants, recording the batches it was given. */
function gatedFlush() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const flush = async (items: number[]): Promise<string[]> => {
    batches.push(items);
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise<void>((resolve) => gates.push(resolve));
    inFlight -= 1;
    if (items.includes(-1)) throw new Error('a bad batch');
    return items.map((i) => `done ${i}`);
  };
  return {
    flush,
    batches,
    openGates: () => gates.splice(0).forEach((open) => open()),
    mostInFlight: () => mostInFlight,
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('takes what is submitted in one turn of the event loop as one batch, and what comes during a flush as the next', async () => {
    const gated = gatedFlush();
    const batcher = new Batcher(gated.flush);
    const first = [1, 2, 3].map((i) => batcher.submit(i));
    await nextTurn();
    const second = [4, 5].map((i) => batcher.submit(i));
    await nextTurn();
    expect(gated.batches).toEqual([[1, 2, 3]]);
    gated.openGates();
    expect(await Promise.all(first)).toEqual(['done 1', 'done 2', 'done 3']);
    await nextTurn();
    gated.openGates();
    expect(await Promise.all(second)).toEqual(['done 4', 'done 5']);
    expect(gated.batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('runs one flush at a time and cuts batches at maxBatch', async () => {
    const gated = gatedFlush();
    const batcher = new Batcher(gated.flush, 2);
    const results = [0, 1, 2, 3, 4].map((i) => batcher.submit(i));
    await nextTurn();
    expect(gated.batches).toEqual([[0, 1]]);
    while (gated.batches.flat().length < 5) {
      gated.openGates();
      await nextTurn();
    }
    gated.openGates();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4].map((i) => `done ${i}`));
    expect(gated.batches).toEqual([[0, 1], [2, 3], [4]]);
    expect(gated.mostInFlight()).toBe(1);
  });

  it('fails the items of a failed flush only, and goes on with the rest', async () => {
    const gated = gatedFlush();
    const batcher = new Batcher(gated.flush);
    const bad = [batcher.submit(-1), batcher.submit(7)];
    await nextTurn();
    const good = batcher.submit(8);
    gated.openGates();
    await expect(bad[0]).rejects.toThrow('a bad batch');
    await expect(bad[1]).rejects.toThrow('a bad batch');
    await nextTurn();
    gated.openGates();
    expect(await good).toBe('done 8');
  });
});
