import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './main.js';
import { Random } from './data.js';
import { DATA_DIR, benchPgUrl, bootstrapBench, withPgClient } from './setup.js';
import { openDatabase, type DialectName } from '../src/db/database.js';
import { createSchema } from '../src/schemas/schema.service.js';

/*
 * `npm run bench -- import [--rows N] [--db sqlite|postgres|both]`: a generated CSV of N rows
 * (default 1,000,000; 13 columns: names, two phones in mixed national and international forms,
 * two emails, organization, address, two custom fields; 2% bad rows) imported through
 * `kith import` as its own process into a fresh database, with its peak RSS; then the contacts
 * exported through `kith export`. Targets: ≥ 50,000 rows/s, RSS ≤ 300 MB; export ≥ 100,000/s.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KITH = path.join(ROOT, 'bin', 'kith.js');
const PG_DATABASE = 'kith_bench_import';
const HEADER = [
  'firstName',
  'lastName',
  'workPhone',
  'cellPhone',
  'workEmail',
  'personalEmail',
  'externalOrganization.name',
  'address.address1',
  'address.city',
  'address.postalCode',
  'externalId',
  'customFields.tier_text',
  'customFields.visits_integer',
];
const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'Ken',
  'Radia',
  'Tim',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Perlman',
  'Lee',
];
const CITIES = ['London', 'Springfield', 'Paris', 'Berlin', 'Austin', 'Dublin'];

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes the data file once per row count and seed; returns its path. */
async function ensureCsv(rows: number, seed: number, log: (line: string) => void): Promise<string> {
  const file = path.join(DATA_DIR, `import-${rows}-${seed}.csv`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  log(`writing ${file}`);
  const random = new Random(seed);
  const out = fs.createWriteStream(`${file}.part`);
  out.write(`${HEADER.join(',')}\n`);
  for (let i = 0; i < rows; i += 1) {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    const area = 200 + random.int(700);
    const line = String(1000 + random.int(9000));
    const workPhone = random.int(2) === 0 ? `(${area}) 555-${line}` : `+1 ${area} 555 ${line}`;
    const cellPhone =
      random.int(2) === 0
        ? `+44 7911 ${String(100000 + random.int(899999))}`
        : `${area}-555-${line}`;
    const bad = random.int(50) === 0;
    const cells = [
      first,
      `${last}${i}`,
      workPhone,
      cellPhone,
      bad ? `${first}.${i}-at-example.com` : `${first.toLowerCase()}.${i}@example.com`,
      `${last.toLowerCase()}${i}@mail.example.org`,
      `Company ${random.int(1000)}`,
      `${1 + random.int(999)} Main Street`,
      random.pick(CITIES),
      String(10000 + random.int(89999)),
      `crm-${i}`,
      random.pick(['gold', 'silver', 'bronze']),
      String(random.int(100)),
    ];
    if (!out.write(`${cells.map(csvCell).join(',')}\n`))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  fs.renameSync(`${file}.part`, file);
  return file;
}

interface Run {
  readonly json: Record<string, unknown>;
  readonly peakRssMb: number;
  readonly seconds: number;
}

/** Node options for the kith process, e.g. KITH_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=D". */
function nodeArgs(): string[] {
  return (process.env.KITH_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
}

/** Runs kith as a process under /usr/bin/time, for its peak RSS. */
function runKith(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'PEAK_RSS_KB %M', process.execPath, ...nodeArgs(), KITH, ...args],
      {
        env: { ...process.env, ...env, KITH_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = /PEAK_RSS_KB (\d+)/.exec(stderr);
      const last = stdout.trim().split('\n').pop() ?? '{}';
      try {
        resolve({
          json: JSON.parse(last) as Record<string, unknown>,
          peakRssMb: Number(rss?.[1] ?? 0) / 1024,
          seconds,
        });
      } catch {
        reject(new Error(`kith ${args[0]} printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}

async function freshEnvironment(dialect: DialectName): Promise<NodeJS.ProcessEnv> {
  const dataDir = path.join(DATA_DIR, 'import-run');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  let env: NodeJS.ProcessEnv = { KITH_DATA_DIR: dataDir, DATABASE_URL: '' };
  let database;
  if (dialect === 'postgres') {
    await withPgClient(async (client) => {
      await client.query(`drop database if exists ${PG_DATABASE}`);
      await client.query(`create database ${PG_DATABASE}`);
    });
    const url = new URL(benchPgUrl());
    url.pathname = `/${PG_DATABASE}`;
    env = { ...env, DATABASE_URL: url.toString() };
    database = openDatabase({ url: url.toString() });
  } else {
    database = openDatabase({ sqliteFile: path.join(dataDir, 'kith.sqlite') });
  }
  try {
    const admin = await bootstrapBench(database);
    await createSchema(database.db, admin.principal, 'contact', {
      name: 'Loyalty',
      jsonSchema: {
        title: 'Loyalty',
        properties: {
          tier_text: { allOf: [{ $ref: '#/definitions/text' }], title: 'Tier', maxLength: 20 },
          visits_integer: { allOf: [{ $ref: '#/definitions/integer' }], title: 'Visits' },
        },
      },
    });
  } finally {
    await database.destroy();
  }
  return env;
}

export async function run(options: BenchOptions): Promise<void> {
  const rows = options.rows;
  const file = await ensureCsv(rows, options.seed, options.log);
  const size = fs.statSync(file).size;
  for (const dialect of options.dialects) {
    const env = await freshEnvironment(dialect);
    options.log(`${dialect}: importing ${rows} rows (${(size / 1e6).toFixed(0)} MB)`);
    const imported = await runKith(
      ['import', file, '--json', '--report', path.join(DATA_DIR, 'import-report.csv')],
      env,
    );
    const count = Number(imported.json.imported ?? 0) + Number(imported.json.failed ?? 0);
    console.log(
      `${dialect} import: ${count} rows in ${imported.seconds.toFixed(1)} s = ${Math.round(count / imported.seconds)} rows/s ` +
        `(engine ${String(imported.json.rowsPerSecond)} rows/s imported), imported ${String(imported.json.imported)}, ` +
        `reported ${String(imported.json.failed)}, peak RSS ${imported.peakRssMb.toFixed(0)} MB`,
    );
    const out = path.join(DATA_DIR, 'import-export.csv');
    try {
      const exported = await runKith(['export', 'contacts', '--out', out, '--json'], env);
      const exportedRows = Number(exported.json.exported ?? 0);
      console.log(
        `${dialect} export: ${exportedRows} rows in ${exported.seconds.toFixed(1)} s = ${Math.round(exportedRows / exported.seconds)} rows/s (engine ${String(exported.json.rowsPerSecond)} rows/s), peak RSS ${exported.peakRssMb.toFixed(0)} MB`,
      );
    } catch (error) {
      console.log(`${dialect} export: not measured (${(error as Error).message.split('\n')[0]})`);
    }
  }
}
