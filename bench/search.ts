import fs from 'node:fs';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { DialectName } from '../src/db/database.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { contactReadFilter, searchContacts } from '../src/contacts/contact.service.js';
import { searchContacts as searchContactRows } from '../src/contacts/contact.repository.js';
import { parseSearchQuery } from '../src/contacts/contact-search.js';
import { DEFAULT_COUNTRY } from '../src/contacts/phone.js';
import { CONTACTS_PATH } from '../src/contacts/contact.js';
import { generateQueries, QUERY_KINDS, type QueryKind } from './data.js';
import { ensureDataSet, type LoadedDataSet } from './load.js';
import { warmCaches } from './setup.js';
import { elapsedMs, formatTable, round, summarize, type Summary } from './stats.js';
import type { BenchOptions } from './main.js';

/*
 * `npm run bench -- search`: p50/p99 of contact search by name prefix, phone and email on the
 * generated data set, through the real service in-process and through a listening server over
 * HTTP, on SQLite and PostgreSQL. One query at a time: these are latencies, not throughput.
 */

type Mode = 'in-process' | 'http';
/**
 * The measured kinds, plus two reported on their own, without a target: very broad name prefixes,
 * and the name queries again with an exact total (the repository without a count limit), which
 * is what the service did before it counted at most 1,000 matches.
 */
type SeriesKind = QueryKind | 'broad-name' | 'name-exact-total';

/** Prefixes that match a large share of the contacts ("a": every Anna, Adams, Allen…). */
const BROAD_NAMES = ['a', 'j', 'm', 's', 'ma', 'jo', 'mar', 'mari', 'smi', 'ga'];

/** The targets for p99, in ms. */
function targetOf(dialect: DialectName, mode: Mode, kind: SeriesKind): number | null {
  if (kind === 'broad-name' || kind === 'name-exact-total') return null;
  if (mode === 'http') return 15;
  return dialect === 'sqlite' ? 2 : 5;
}

interface Sample {
  readonly q: string;
  readonly ms: number;
  readonly total: number;
}

interface SeriesResult {
  readonly dialect: DialectName;
  readonly mode: Mode;
  readonly kind: SeriesKind;
  readonly summary: Summary;
  readonly target: number | null;
  readonly slowest: readonly Sample[];
  /** The 1-minute load average when the series ended: how busy the machine was meanwhile. */
  readonly load: number;
}

type Search = (kind: SeriesKind, q: string) => Promise<number>;

function inProcessSearch(loaded: LoadedDataSet): Search {
  const { database, admin } = loaded;
  const page = { pageNumber: 1, pageSize: 20 };
  return async (kind, q) => {
    if (kind === 'name-exact-total') {
      const result = await searchContactRows(database.db, admin.orgId, {
        filter: contactReadFilter(admin.principal),
        terms: parseSearchQuery(q, DEFAULT_COUNTRY),
        page,
      });
      return result.total;
    }
    const result = await searchContacts(database.db, admin.principal, { page, q });
    return result.total;
  };
}

async function startServer(loaded: LoadedDataSet): Promise<{ app: FastifyInstance; url: string }> {
  const config = loadConfig({ KITH_RATE_LIMIT_PER_MINUTE: '0' });
  // Request logging stays on, as in production, but goes nowhere.
  const app = await buildApp({
    config,
    db: loaded.database.db,
    logger: { level: config.logLevel, stream: fs.createWriteStream('/dev/null') },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no listening port');
  return { app, url: `http://127.0.0.1:${address.port}` };
}

function httpSearch(url: string, token: string): Search {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  return async (_kind, q) => {
    const params = new URLSearchParams({ pageSize: '20', pageNumber: '1', q });
    const response = await fetch(`${url}${CONTACTS_PATH}?${params.toString()}`, { headers });
    const body = await response.text();
    if (response.status !== 200)
      throw new Error(`search ${q} answered ${response.status}: ${body}`);
    return (JSON.parse(body) as { total: number }).total;
  };
}

/**
 * Runs the warm-up queries (other queries of the same kinds, untimed), then every series
 * round-robin (one query of each kind in turn), so that a burst of noise on a shared machine
 * hits all kinds alike rather than one.
 */
async function measure(
  search: Search,
  series: ReadonlyMap<SeriesKind, readonly string[]>,
  warmup: ReadonlyMap<SeriesKind, readonly string[]>,
): Promise<Map<SeriesKind, Sample[]>> {
  for (const kind of series.keys()) for (const q of warmup.get(kind) ?? []) await search(kind, q);
  const samples = new Map<SeriesKind, Sample[]>([...series.keys()].map((k) => [k, []]));
  const longest = Math.max(...[...series.values()].map((q) => q.length));
  for (let i = 0; i < longest; i += 1) {
    for (const [kind, queries] of series) {
      const q = queries[i];
      if (q === undefined) continue;
      const start = process.hrtime.bigint();
      const total = await search(kind, q);
      samples.get(kind)?.push({ q, ms: elapsedMs(start), total });
    }
  }
  return samples;
}

function results(
  dialect: DialectName,
  mode: Mode,
  samples: Map<SeriesKind, Sample[]>,
): SeriesResult[] {
  return [...samples].map(([kind, list]) => ({
    dialect,
    mode,
    kind,
    summary: summarize(list.map((s) => s.ms)),
    target: targetOf(dialect, mode, kind),
    slowest: [...list].sort((a, b) => b.ms - a.ms).slice(0, 5),
    load: os.loadavg()[0] ?? Number.NaN,
  }));
}

function verdict(r: SeriesResult): string {
  if (r.target === null) return '(no target)';
  return r.summary.p99 <= r.target ? 'PASS' : 'FAIL';
}

export async function run(options: BenchOptions): Promise<void> {
  const { log } = options;
  const all: SeriesResult[] = [];
  const loads: Record<string, number | null> = {};
  const series = new Map<SeriesKind, readonly string[]>(
    QUERY_KINDS.map((kind) => [
      kind,
      generateQueries(options.seed, options.rows, kind, options.queries),
    ]),
  );
  // 100 at the default 2,000 queries: enough for a p50, not for a p99 worth quoting.
  const broadRepeats = Math.min(10, Math.ceil(options.queries / 200));
  series.set('broad-name', Array.from({ length: broadRepeats }, () => BROAD_NAMES).flat());
  // Measured on its own after the rest, so that its slow queries do not disturb the others.
  const exactSeries = new Map<SeriesKind, readonly string[]>([
    ['name-exact-total', series.get('name') ?? []],
  ]);
  const warmupCount = Math.min(200, Math.ceil(options.queries / 10));
  const warmup = new Map<SeriesKind, readonly string[]>(
    QUERY_KINDS.map((kind) => [
      kind,
      generateQueries(options.seed + 1, options.rows, kind, warmupCount),
    ]),
  );
  warmup.set('broad-name', BROAD_NAMES);
  warmup.set('name-exact-total', warmup.get('name') ?? []);

  for (const dialect of options.dialects) {
    const loaded = await ensureDataSet(dialect, { rows: options.rows, seed: options.seed }, log, {
      fresh: options.fresh,
    });
    loads[dialect] = loaded.loadSeconds;
    await warmCaches(dialect, 'search', log);
    try {
      log(`${dialect}: in-process, ${options.queries} queries of each kind`);
      all.push(
        ...results(dialect, 'in-process', await measure(inProcessSearch(loaded), series, warmup)),
        ...results(
          dialect,
          'in-process',
          await measure(inProcessSearch(loaded), exactSeries, warmup),
        ),
      );
      const server = await startServer(loaded);
      try {
        log(`${dialect}: over HTTP (${server.url}), ${options.queries} queries of each kind`);
        const samples = await measure(httpSearch(server.url, loaded.admin.token), series, warmup);
        all.push(...results(dialect, 'http', samples));
      } finally {
        await server.app.close();
      }
    } finally {
      await loaded.database.destroy();
    }
  }

  const table = formatTable(
    [
      'dialect',
      'mode',
      'kind',
      'n',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'load',
      'target',
      'result',
    ],
    all.map((r) => [
      r.dialect,
      r.mode,
      r.kind,
      String(r.summary.count),
      String(round(r.summary.p50)),
      String(round(r.summary.p90)),
      String(round(r.summary.p99)),
      String(round(r.summary.max)),
      r.load.toFixed(1),
      r.target === null ? '-' : `<= ${r.target}`,
      verdict(r),
    ]),
  );
  console.log('');
  console.log(
    `search: ${options.rows.toLocaleString('en-US')} contacts, seed ${options.seed}, ` +
      `page size 20, concurrency 1, ${os.cpus().length} CPUs`,
  );
  console.log(table);
  console.log('');
  console.log('slowest queries (ms, total matches):');
  for (const r of all) {
    const worst = r.slowest.map((s) => `${JSON.stringify(s.q)} ${round(s.ms)} (${s.total})`);
    console.log(`  ${r.dialect} ${r.mode} ${r.kind}: ${worst.join(', ')}`);
  }
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'search',
      date: new Date().toISOString(),
      rows: options.rows,
      seed: options.seed,
      queriesPerKind: options.queries,
      loadSeconds: loads,
      results: all.map((r) => ({
        dialect: r.dialect,
        mode: r.mode,
        kind: r.kind,
        count: r.summary.count,
        p50: round(r.summary.p50),
        p90: round(r.summary.p90),
        p99: round(r.summary.p99),
        max: round(r.summary.max),
        mean: round(r.summary.mean),
        load: Number(r.load.toFixed(2)),
        target: r.target,
        pass: r.target === null ? null : r.summary.p99 <= r.target,
      })),
    }),
  );
}
