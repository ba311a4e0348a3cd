import os from 'node:os';
import type { Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';
import { newId } from '../src/common/ids.js';
import { insertContact } from '../src/contacts/contact.repository.js';
import { insertFreeClaims } from '../src/contacts/claim.repository.js';
import { contactPoints } from '../src/contacts/contact-points.js';
import type { Contact } from '../src/contacts/contact.js';
import { insertInteractions } from '../src/interactions/interaction.repository.js';
import type { Interaction } from '../src/interactions/interaction.js';
import { mergeContacts, unmergeContact } from '../src/merge/merge.service.js';
import { ensureDataSet } from './load.js';
import { elapsedMs, formatTable, round, summarize } from './stats.js';
import type { BenchOptions } from './main.js';

/*
 * `npm run bench -- merge`: the latency of merging two contacts with 100 interactions each (and
 * of unmerging them again), through the merge service, on the search benchmark's data set of
 * 1,000,000 contacts. Each round makes its two contacts (a phone and an email each, a claim, 100
 * interactions), then times the merge and the unmerge; what a run adds is removed at the end.
 */

const ROUNDS = Number(process.env.KITH_BENCH_MERGE_ROUNDS ?? 200);
const WARMUP = 20;
const INTERACTIONS = 100;
/** The target: p99 of a two-contact merge, ms. */
const TARGET_P99_MS = 20;

async function makePair(db: Kysely<DB>, orgId: string, round: number): Promise<string[]> {
  const ids: string[] = [];
  for (const side of [0, 1]) {
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, round)).toISOString();
    const digits = String(1_000_000 + round * 2 + side).slice(-7);
    const contact: Contact = {
      id: newId(),
      orgId,
      divisionId: null,
      type: side === 0 ? 'Curated' : 'Identified',
      fields: {
        firstName: `Merge${round}`,
        lastName: side === 0 ? 'Bench' : 'Benchmark',
        cellPhone: {
          display: `+1 463 ${digits.slice(0, 3)} ${digits.slice(3)}`,
          e164: `+1463${digits}`,
        },
        workEmail: `merge.bench.${round}.${side}@example.org`,
      },
      version: 1,
      createDate: at,
      modifyDate: at,
    };
    await insertContact(db, contact, contactPoints(contact.fields, []));
    await insertFreeClaims(db, [
      {
        orgId,
        entityType: 'contact',
        divisionKey: '*',
        type: 'Email',
        sourceKey: '',
        value: contact.fields.workEmail as string,
        entityId: contact.id,
        createdAt: at,
      },
    ]);
    const interactions: Interaction[] = Array.from({ length: INTERACTIONS }, (_, k) => ({
      id: newId(),
      orgId,
      contactId: contact.id,
      divisionId: null,
      channel: 'voice',
      direction: 'inbound',
      authenticated: false,
      occurredAt: new Date(Date.parse(at) + k * 60_000).toISOString(),
      conversationId: null,
      communicationId: null,
      mediaType: null,
      outcome: 'linked',
      matched: { type: 'Phone', value: `+1463${digits}`, via: 'contactPoint' },
      candidates: null,
      identifiers: [{ type: 'Phone', value: `+1463${digits}` }],
      principalId: null,
      createdAt: at,
    }));
    await insertInteractions(db, interactions);
    ids.push(contact.id);
  }
  return ids;
}

async function removeRunData(db: Kysely<DB>): Promise<void> {
  const made = db.selectFrom('contacts').select('id').where('first_name', 'like', 'Merge%');
  await db.deleteFrom('interactions').where('contact_id', 'in', made).execute();
  await db.deleteFrom('claims').where('entity_id', 'in', made).execute();
  await db.deleteFrom('contact_points').where('contact_id', 'in', made).execute();
  await db.deleteFrom('contact_merges').execute();
  await db.deleteFrom('contacts').where('first_name', 'like', 'Merge%').execute();
  await db.deleteFrom('events').where('kind', 'in', ['merged', 'unmerged', 'created']).execute();
  await db.deleteFrom('audit_log').where('action', 'in', ['merged', 'unmerged']).execute();
}

export async function run(options: BenchOptions): Promise<void> {
  const { log } = options;
  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const dialect of options.dialects) {
    const loaded = await ensureDataSet(dialect, { rows: options.rows, seed: options.seed }, log, {
      fresh: options.fresh,
    });
    const { db } = loaded.database;
    const principal = loaded.admin.principal;
    try {
      await removeRunData(db);
      log(
        `${dialect}: ${ROUNDS} merges and unmerges of two contacts with ${INTERACTIONS} interactions each`,
      );
      const merges: number[] = [];
      const unmerges: number[] = [];
      for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
        const pair = await makePair(db, principal.orgId, round);
        let started = process.hrtime.bigint();
        const merged = await mergeContacts(db, principal, { contactIds: pair });
        const mergeMs = elapsedMs(started);
        started = process.hrtime.bigint();
        await unmergeContact(db, principal, merged.contact.id);
        const unmergeMs = elapsedMs(started);
        if (round >= WARMUP) {
          merges.push(mergeMs);
          unmerges.push(unmergeMs);
        }
      }
      for (const [operation, samples] of [
        ['merge', merges],
        ['unmerge', unmerges],
      ] as const) {
        const s = summarize(samples);
        const pass = operation === 'merge' ? (s.p99 <= TARGET_P99_MS ? 'PASS' : 'FAIL') : '-';
        rows.push([
          dialect,
          operation,
          String(s.count),
          String(round(s.p50)),
          String(round(s.p90)),
          String(round(s.p99)),
          String(round(s.max)),
          operation === 'merge' ? `p99 <= ${TARGET_P99_MS}` : '-',
          pass,
        ]);
        results.push({ dialect, operation, ...s, load: os.loadavg()[0] });
      }
    } finally {
      await removeRunData(db);
      await loaded.database.destroy();
    }
  }
  console.log(
    `\nmerge: two contacts with ${INTERACTIONS} interactions each, on ${options.rows.toLocaleString('en-US')} contacts, ${os.cpus().length} CPUs`,
  );
  console.log(
    formatTable(
      ['dialect', 'operation', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'target', 'result'],
      rows,
    ),
  );
  console.log(JSON.stringify({ bench: 'merge', results }));
}
