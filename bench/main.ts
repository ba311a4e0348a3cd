import { parseArgs } from 'node:util';
import type { DialectName } from '../src/db/database.js';

/*
 * `npm run bench -- NAME [--rows N] [--db sqlite|postgres|both] [--queries N] [--seed N] [--fresh]`:
 * runs bench/NAME.ts. Exit codes as the kith command: 0 done, 1 failed, 2 bad usage.
 */

/** What every benchmark is given. */
export interface BenchOptions {
  readonly rows: number;
  readonly dialects: readonly DialectName[];
  /** Measured queries of each kind (after a warm-up). */
  readonly queries: number;
  readonly seed: number;
  /** Rebuild the data set even when the cached one matches. */
  readonly fresh: boolean;
  /** Progress lines, on stderr so that stdout holds only the results. */
  readonly log: (line: string) => void;
}

interface Bench {
  readonly description: string;
  run(options: BenchOptions): Promise<void>;
}

const BENCHES: Record<string, () => Promise<Bench>> = {
  duplicates: async () => ({
    description: 'duplicate-detection scan of 1,000,000 contacts: seconds, precision and recall',
    run: (await import('./duplicates.js')).run,
  }),
  import: async () => ({
    description: 'CSV import through kith import (rows/s, peak RSS) and export (rows/s)',
    run: (await import('./import.js')).run,
  }),
  merge: async () => ({
    description: 'merge and unmerge latency of two contacts with 100 interactions each',
    run: (await import('./merge.js')).run,
  }),
  resolve: async () => ({
    description: 'identity resolution throughput and latency, in-process and over HTTP',
    run: (await import('./resolve.js')).run,
  }),
  search: async () => ({
    description: 'contact search p50/p99 by name, phone and email, in-process and over HTTP',
    run: (await import('./search.js')).run,
  }),
};

const USAGE =
  'usage: npm run bench -- NAME [--rows N] [--db sqlite|postgres|both] [--queries N] [--seed N] [--fresh]';

function usageError(message: string): never {
  console.error(message);
  console.error(USAGE);
  console.error('benchmarks:');
  for (const name of Object.keys(BENCHES)) console.error(`  ${name}`);
  process.exit(2);
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    usageError(`--${name} takes a whole number of 1 or more, got "${value}"`);
  return Number(value);
}

function dialectsOf(value: string | undefined): DialectName[] {
  switch (value ?? 'both') {
    case 'both':
      return ['sqlite', 'postgres'];
    case 'sqlite':
      return ['sqlite'];
    case 'postgres':
      return ['postgres'];
    default:
      return usageError(`--db takes sqlite, postgres or both, got "${value}"`);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        rows: { type: 'string' },
        db: { type: 'string' },
        queries: { type: 'string' },
        seed: { type: 'string' },
        fresh: { type: 'boolean' },
      },
    });
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined) usageError('name a benchmark');
  if (extra.length > 0) usageError(`unexpected arguments: ${extra.join(' ')}`);
  const load = BENCHES[name];
  if (load === undefined) usageError(`no benchmark named "${name}"`);
  const bench = await load();
  await bench.run({
    rows: positiveInteger(parsed.values.rows, 'rows', 1_000_000),
    dialects: dialectsOf(parsed.values.db),
    queries: positiveInteger(parsed.values.queries, 'queries', 2000),
    seed: positiveInteger(parsed.values.seed, 'seed', 20261128),
    fresh: parsed.values.fresh === true,
    log: (line) => console.error(line),
  });
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
}
