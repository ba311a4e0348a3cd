import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';
import type { DialectName } from '../src/db/database.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { Resolver, type InteractionInput } from '../src/resolution/resolution.service.js';
import { ensureDataSet } from './load.js';
import { warmCaches } from './setup.js';
import { makeRequests } from './resolve-requests.js';
import { formatTable, round } from './stats.js';
import type { BenchOptions } from './main.js';

/*
 * `npm run bench -- resolve`: identity resolution on the 1,000,000-contact data set of the
 * search benchmark. First in-process (the Resolver called by 64 concurrent callers), then over
 * HTTP for 30 s with the load generator (bench/http-load.ts) in a process of its own on the same
 * machine: 90% known customers (phones in varied formats, emails), 10% new ones. What a run adds
 * (contacts it made, claims, interactions, events) is removed before and after, so the data set
 * stays the search benchmark's.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HTTP_SECONDS = Number(process.env.KITH_BENCH_SECONDS ?? 30);
const IN_PROCESS_SECONDS = Number(process.env.KITH_BENCH_IN_PROCESS_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.KITH_BENCH_CONNECTIONS ?? 64);

/** Targets of the issue, resolutions per second and p99 ms (HTTP). */
const TARGETS: Record<DialectName, { perSecond: number; p99: number | null }> = {
  sqlite: { perSecond: 5000, p99: 25 },
  postgres: { perSecond: 3000, p99: null },
};

async function removeRunData(db: Kysely<DB>): Promise<void> {
  await db.deleteFrom('resolution_reviews').execute();
  await db.deleteFrom('interactions').execute();
  await db.deleteFrom('claims').execute();
  await db.deleteFrom('contacts').where('type', '<>', 'Curated').execute();
  await db.deleteFrom('events').execute();
  await db.deleteFrom('audit_log').execute();
}

interface Throughput {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses?: Record<string, number>;
  sampledOutcomes: Record<string, number>;
}

async function inProcess(
  resolver: Resolver,
  principal: Parameters<Resolver['resolve']>[0],
  inputs: readonly InteractionInput[],
): Promise<Throughput> {
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const deadline = started + IN_PROCESS_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const input = inputs[next % inputs.length] as InteractionInput;
        next += 1;
        const t = performance.now();
        const result = await resolver.resolve(principal, input);
        latencies.push(performance.now() - t);
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    requests: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: latencies[latencies.length - 1] ?? 0,
    sampledOutcomes: outcomes,
  };
}

function httpLoad(args: Record<string, unknown>): Promise<Throughput> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(HERE, 'http-load.ts'), JSON.stringify(args)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`the load generator exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as Throughput);
    });
  });
}

export async function run(options: BenchOptions): Promise<void> {
  const { log } = options;
  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const dialect of options.dialects) {
    const loaded = await ensureDataSet(dialect, { rows: options.rows, seed: options.seed }, log, {
      fresh: options.fresh,
      poolSize: 10,
    });
    const { db } = loaded.database;
    try {
      await removeRunData(db);
      await warmCaches(dialect, 'search', log);

      log(`${dialect}: in-process, ${CONNECTIONS} callers for ${IN_PROCESS_SECONDS} s`);
      const inputs = makeRequests(options.seed, options.rows, 60_000, 1).map(
        (r) => JSON.parse(r.body) as InteractionInput,
      );
      const direct = await inProcess(new Resolver(db), loaded.admin.principal, inputs);
      await removeRunData(db);

      const config = loadConfig({ KITH_RATE_LIMIT_PER_MINUTE: '0' });
      const app = await buildApp({
        config,
        db,
        logger: { level: config.logLevel, stream: fs.createWriteStream('/dev/null') },
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('no listening port');
      let overHttp: Throughput;
      try {
        log(`${dialect}: over HTTP, ${CONNECTIONS} connections for ${HTTP_SECONDS} s`);
        overHttp = await httpLoad({
          url: `http://127.0.0.1:${address.port}`,
          token: loaded.admin.token,
          seconds: HTTP_SECONDS,
          connections: CONNECTIONS,
          seed: options.seed,
          rows: options.rows,
          run: 2,
          count: 250_000,
        });
      } finally {
        await app.close();
      }
      const target = TARGETS[dialect];
      for (const [mode, t] of [
        ['in-process', direct],
        ['http', overHttp],
      ] as const) {
        const pass =
          mode === 'in-process'
            ? '-'
            : t.perSecond >= target.perSecond && (target.p99 === null || t.p99 <= target.p99)
              ? 'PASS'
              : 'FAIL';
        rows.push([
          dialect,
          mode,
          String(t.requests),
          String(Math.round(t.perSecond)),
          String(round(t.p50)),
          String(round(t.p90)),
          String(round(t.p99)),
          String(round(t.max)),
          mode === 'http'
            ? `>= ${target.perSecond}/s${target.p99 === null ? '' : `, p99 <= ${target.p99}`}`
            : '-',
          pass,
          JSON.stringify(t.sampledOutcomes),
        ]);
        results.push({ dialect, mode, ...t, load: os.loadavg()[0] });
      }
    } finally {
      await removeRunData(db);
      await loaded.database.destroy();
    }
  }
  console.log(
    `\nresolve: ${options.rows.toLocaleString('en-US')} contacts, seed ${options.seed}, ${CONNECTIONS} concurrent, ${os.cpus().length} CPUs`,
  );
  console.log(
    formatTable(
      [
        'dialect',
        'mode',
        'n',
        'per s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'target',
        'result',
        'outcomes (sampled)',
      ],
      rows,
    ),
  );
  console.log(JSON.stringify({ bench: 'resolve', results }));
}
