import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, it } from 'vitest';
import type { DialectName } from '../../src/db/database.js';
import { DIALECTS } from '../helpers/databases.js';
import {
  children,
  freshStore,
  PROCESS_TIMEOUT_MS,
  runKith,
  spawnKith,
  TEST_TIMEOUT_MS,
  until,
  within,
  type Store,
} from '../helpers/processes.js';

/**
 * `kith import` and `kith export` as real processes: exit codes, the JSON summary, the report,
 * re-runs, the round trip through a file, and a `kill -9` in the middle of an import.
 */

const stores: Store[] = [];
async function store(dialect: DialectName): Promise<Store> {
  const created = await freshStore(dialect);
  stores.push(created);
  return created;
}

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(stores.map((s) => s.cleanup()));
}, TEST_TIMEOUT_MS);

interface ImportSummary {
  job: string;
  status: string;
  imported: number;
  failed: number;
  created: number;
  updated: number;
  unchanged: number;
  report: string | null;
}

/** The last line of standard output, as JSON. */
function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as T;
}

function records(file: string): Record<string, string>[] {
  return parse<Record<string, string>>(fs.readFileSync(file, 'utf8'), { columns: true });
}

/** A file of `rows` contacts, every 50th of which has an email no import accepts. */
function generatedCsv(file: string, rows: number): { good: number; bad: number } {
  const lines = ['firstName,lastName,workEmail,cellPhone,address.city'];
  let bad = 0;
  for (let i = 1; i <= rows; i++) {
    const broken = i % 50 === 0;
    if (broken) bad += 1;
    lines.push(
      `First${i},Last${i},${broken ? `not-an-email-${i}` : `person${i}@example.com`},(317) ${200 + Math.floor(i / 10_000)}-${String(i % 10_000).padStart(4, '0')},City ${i % 97}`,
    );
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return { good: rows - bad, bad };
}

/** An export's rows without what differs between two stores (ids and times), in a fixed order. */
function comparable(file: string): string[] {
  return records(file)
    .map((r) => {
      const { id: _id, createDate: _c, modifyDate: _m, ...rest } = r;
      return JSON.stringify(rest);
    })
    .sort();
}

for (const dialect of DIALECTS) {
  describe.concurrent(`kith import and kith export (${dialect})`, () => {
    it(
      'imports and reports, re-runs without duplicates, and round-trips through an export',
      async ({ expect }) => {
        const { env, dataDir } = await store(dialect);
        const file = path.join(dataDir, 'people.csv');
        fs.writeFileSync(
          file,
          [
            'firstName,lastName,workEmail,workPhone',
            'Ada,Lovelace,ada.cli@example.com,(317) 555-0101',
            'Grace,Hopper,grace.cli@example.com,+44 20 7946 0958',
            'Bad,Row,not-an-email,',
            'Alan,Turing,alan.cli@example.com,',
            '=Evil,Formula,evil.cli@example.com,',
          ].join('\n'),
        );
        const first = await runKith(['import', file, '--json'], env);
        expect(first.code, first.stderr).toBe(1);
        const summary = lastJson<ImportSummary>(first.stdout);
        expect(summary).toMatchObject({ status: 'Completed', imported: 4, failed: 1, created: 4 });
        const report = records(summary.report as string);
        expect(report.map((r) => [r.line, r.workEmail])).toEqual([['4', 'not-an-email']]);
        expect(report[0]?.reason).toContain('not-an-email');

        const again = await runKith(['import', file, '--json'], env);
        expect(again.code).toBe(1);
        expect(lastJson<ImportSummary>(again.stdout)).toMatchObject({
          imported: 4,
          failed: 1,
          created: 0,
        });

        const out = path.join(dataDir, 'contacts-export.csv');
        const exported = await runKith(['export', 'contacts', '--out', out, '--json'], env);
        expect(exported.code, exported.stderr).toBe(0);
        expect(lastJson(exported.stdout)).toMatchObject({
          exported: 4,
          kind: 'contacts',
          file: out,
        });
        const rows = records(out);
        expect(rows.find((r) => r.lastName === 'Lovelace')?.workPhone).toBe("'+13175550101");
        expect(rows.find((r) => r.lastName === 'Formula')?.firstName).toBe("'=Evil");

        const back = await runKith(['import', out, '--json'], env);
        expect(back.code, back.stderr).toBe(0);
        expect(lastJson<ImportSummary>(back.stdout)).toMatchObject({
          imported: 4,
          failed: 0,
          created: 0,
          updated: 0,
          unchanged: 4,
        });
        const out2 = path.join(dataDir, 'contacts-export-2.csv');
        expect((await runKith(['export', 'contacts', '--out', out2], env)).code).toBe(0);
        expect(fs.readFileSync(out2, 'utf8')).toBe(fs.readFileSync(out, 'utf8'));

        // To standard output, filtered: no Ephemeral contacts here.
        const none = await runKith(['export', 'contacts', '--type', 'Ephemeral'], env);
        expect(none.code).toBe(0);
        expect(parse(none.stdout)).toHaveLength(1);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'stops quietly, exiting 0, when the reader of its standard output closes the pipe',
      async ({ expect }) => {
        const { env, dataDir } = await store(dialect);
        const file = path.join(dataDir, 'many.csv');
        // Far more than a pipe holds, so that the export is still writing when the pipe closes.
        generatedCsv(file, 3_000);
        expect((await runKith(['import', file], env)).code).toBe(1);
        // `kith export contacts | head -1`
        const run = spawnKith(['export', 'contacts'], env);
        await until(() => run.stdout().includes('\n'), PROCESS_TIMEOUT_MS, 'the header');
        run.child.stdout?.destroy();
        const exit = await within(run.exited, PROCESS_TIMEOUT_MS, 'kith export');
        expect(run.stderr()).toBe('');
        expect(exit).toEqual({ code: 0, signal: null });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'exits 2 on bad usage and on a file that is not CSV, with a message naming the problem',
      async ({ expect }) => {
        const { env, dataDir } = await store(dialect);
        const missing = await runKith(['import', path.join(dataDir, 'nope.csv')], env);
        expect(missing.code).toBe(2);
        expect(missing.stderr).toContain('nope.csv');

        const empty = path.join(dataDir, 'empty.csv');
        fs.writeFileSync(empty, '');
        const emptyRun = await runKith(['import', empty], env);
        expect(emptyRun.code).toBe(2);
        expect(emptyRun.stderr).toMatch(/empty/i);

        const file = path.join(dataDir, 'one.csv');
        fs.writeFileSync(file, 'E-mail\nx@example.com\n');
        const badMap = await runKith(['import', file, '--map', 'E-mail=shoeSize'], env);
        expect(badMap.code).toBe(2);
        expect(badMap.stderr).toContain('shoeSize');

        const kind = await runKith(['export', 'widgets'], env);
        expect(kind.code).toBe(2);
        const filter = await runKith(['export', 'organizations', '--type', 'Curated'], env);
        expect(filter.code).toBe(2);
        expect(filter.stderr).toContain('ContactClassification');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'resumes an import killed with SIGKILL and ends as an uninterrupted run does',
      async ({ expect }) => {
        const killed = await store(dialect);
        // The killed import prepares its rows on a thread, the uninterrupted one inline: both
        // ways must import the same contacts and report the same lines.
        killed.env.KITH_IMPORT_THREAD_MIN_BYTES = '0';
        const whole = await store(dialect);
        const rows = 16_000;
        const file = path.join(killed.dataDir, 'many.csv');
        const { good, bad } = generatedCsv(file, rows);
        fs.copyFileSync(file, path.join(whole.dataDir, 'many.csv'));

        const run = spawnKith(['import', file, '--json'], killed.env);
        // The first progress line comes after the first batch has committed.
        await until(() => /\d+ rows/.test(run.stderr()), PROCESS_TIMEOUT_MS, 'a progress line');
        run.child.kill('SIGKILL');
        const exit = await within(run.exited, PROCESS_TIMEOUT_MS, 'the killed import');
        expect(exit.signal).toBe('SIGKILL');

        const resumed = await runKith(['import', file, '--json'], killed.env);
        expect(resumed.stderr).toContain('resuming job');
        const uninterrupted = await runKith(
          ['import', path.join(whole.dataDir, 'many.csv'), '--json'],
          whole.env,
        );
        for (const result of [resumed, uninterrupted]) {
          expect(result.code, result.stderr).toBe(1);
          expect(lastJson<ImportSummary>(result.stdout)).toMatchObject({
            status: 'Completed',
            imported: good,
            failed: bad,
          });
        }
        const a = path.join(killed.dataDir, 'a.csv');
        const b = path.join(whole.dataDir, 'b.csv');
        expect((await runKith(['export', 'contacts', '--out', a], killed.env)).code).toBe(0);
        expect((await runKith(['export', 'contacts', '--out', b], whole.env)).code).toBe(0);
        const exportedA = comparable(a);
        expect(exportedA).toHaveLength(good);
        expect(exportedA).toEqual(comparable(b));
        const reportOf = (stdout: string) =>
          records(lastJson<ImportSummary>(stdout).report as string).map((r) => r.line);
        expect(reportOf(resumed.stdout)).toEqual(reportOf(uninterrupted.stdout));
      },
      TEST_TIMEOUT_MS,
    );
  });
}
