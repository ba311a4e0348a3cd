import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';
import { insertRows } from '../src/db/compiled.js';
import { nowIso } from '../src/common/time.js';
import { contactToRow } from '../src/contacts/contact.repository.js';
import { contactPoints } from '../src/contacts/contact-points.js';
import { searchKey, type Contact, type ContactFields } from '../src/contacts/contact.js';
import { startClusterScan } from '../src/duplicates/duplicates.service.js';
import { findScan } from '../src/duplicates/duplicates.repository.js';
import { Random } from './data.js';
import { FIRST_NAMES, LAST_NAMES } from './names.js';
import { ensureDataSet } from './load.js';
import { formatTable } from './stats.js';
import type { BenchOptions } from './main.js';

/*
 * `npm run bench -- duplicates`: a duplicate-detection scan of the search benchmark's
 * 1,000,000 contacts, through the service, with a known set of duplicates planted first
 * (deterministic by seed): 10,000 groups of two or three contacts that share a phone, an email
 * or an external id, or carry near-identical names in one external organization (whose other
 * contacts have unrelated names). It reports the scan's seconds, the clusters found, and
 * precision and recall against the planted groups. What it plants is removed at the end.
 *
 * - recall: planted groups whose contacts all ended up in one cluster;
 * - precision: of the clusters holding planted contacts (or the organizations' other contacts),
 *   those that are exactly one planted group, nothing more, nothing less;
 * - the base data set shares some phones and emails by chance (random numbers and
 *   name-derived addresses collide): those clusters hold no planted contact and are reported as
 *   found-but-unplanted. They are real shared values, not false positives of the scan.
 */

const GROUPS = Number(process.env.KITH_BENCH_DUPLICATE_GROUPS ?? 10_000);
const PREFIX = 'dupbench-';
const SOURCE_ID = `${PREFIX}source`;
/** Unrelated contacts per planted organization, beside its name groups. */
const NOISE_PER_ORGANIZATION = 3;
const NAME_GROUPS_PER_ORGANIZATION = 2;
/** The target for 1,000,000 contacts, seconds. */
const TARGET_SECONDS = 60;

type PlantKind = 'phone' | 'email' | 'externalId' | 'name';

interface Planted {
  readonly contacts: Contact[];
  readonly organizations: string[];
  /** Contact id → planted group (-1: an organization's unrelated contact). */
  readonly groupOf: Map<string, number>;
  readonly groupSizes: number[];
  readonly kinds: PlantKind[];
}

/** A near-identical spelling: one letter doubled, dropped or two swapped. */
function variant(name: string, random: Random): string {
  if (name.length < 4) return `${name}${name.at(-1) ?? ''}`;
  const at = random.between(1, name.length - 2);
  switch (random.int(3)) {
    case 0:
      return name.slice(0, at) + (name[at] ?? '') + name.slice(at);
    case 1:
      return name.slice(0, at) + name.slice(at + 1);
    default:
      return name.slice(0, at) + (name[at + 1] ?? '') + (name[at] ?? '') + name.slice(at + 2);
  }
}

function plant(orgId: string, divisionIds: readonly string[], seed: number): Planted {
  const random = new Random(seed ^ 0x5eed);
  const divisions = [null, ...divisionIds];
  const contacts: Contact[] = [];
  const organizations: string[] = [];
  const groupOf = new Map<string, number>();
  const groupSizes: number[] = [];
  const kinds: PlantKind[] = [];
  const at = nowIso();
  let serial = 0;
  const add = (fields: ContactFields, divisionId: string | null, group: number): void => {
    serial += 1;
    const id = `${PREFIX}${String(serial).padStart(8, '0')}`;
    contacts.push({
      id,
      orgId,
      divisionId,
      type: 'Curated',
      fields,
      version: 1,
      createDate: at,
      modifyDate: at,
    });
    groupOf.set(id, group);
  };
  let organization: { id: string; divisionId: string | null; groups: number } | undefined;
  for (let g = 0; g < GROUPS; g += 1) {
    const roll = random.next();
    const kind: PlantKind =
      roll < 0.4 ? 'phone' : roll < 0.7 ? 'email' : roll < 0.8 ? 'externalId' : 'name';
    const size = random.chance(0.7) ? 2 : 3;
    let divisionId = random.pick(divisions);
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    if (kind === 'name') {
      if (organization === undefined || organization.groups === NAME_GROUPS_PER_ORGANIZATION) {
        organization = { id: `${PREFIX}org-${organizations.length}`, divisionId, groups: 0 };
        organizations.push(organization.id);
        for (let n = 0; n < NOISE_PER_ORGANIZATION; n += 1)
          add(
            {
              firstName: random.pick(FIRST_NAMES),
              lastName: random.pick(LAST_NAMES),
              externalOrganization: { id: organization.id },
            },
            organization.divisionId,
            -1,
          );
      }
      organization.groups += 1;
      divisionId = organization.divisionId;
    }
    for (let m = 0; m < size; m += 1) {
      // Half the members spell the name a little differently, as people type them.
      const fields: ContactFields = {
        firstName:
          m > 0 && (kind === 'name' || random.chance(0.5)) ? variant(first, random) : first,
        lastName: last,
      };
      const phone = `+1555${String(g).padStart(7, '0')}`;
      if (kind === 'phone')
        fields[m === 0 ? 'cellPhone' : 'workPhone'] = { display: phone, e164: phone };
      if (kind === 'email')
        fields[m === 0 ? 'workEmail' : 'personalEmail'] = `planted.${g}@dup.kith.test`;
      if (kind === 'externalId')
        fields.externalIds = [{ externalSource: { id: SOURCE_ID }, value: `ext-${g}` }];
      if (kind === 'name' && organization !== undefined)
        fields.externalOrganization = { id: organization.id };
      add(fields, divisionId, g);
    }
    groupSizes.push(size);
    kinds.push(kind);
  }
  return { contacts, organizations, groupOf, groupSizes, kinds };
}

async function insertPlanted(db: Kysely<DB>, orgId: string, planted: Planted): Promise<void> {
  const at = nowIso();
  await db.transaction().execute(async (trx) => {
    const divisionOf = new Map<string, string | null>();
    for (const c of planted.contacts)
      if (c.fields.externalOrganization !== undefined)
        divisionOf.set(c.fields.externalOrganization.id, c.divisionId);
    await insertRows(
      trx,
      'organizations',
      planted.organizations.map((id) => ({
        org_id: orgId,
        id,
        division_id: divisionOf.get(id) ?? null,
        name: id,
        name_key: searchKey(id) ?? id,
        company_type: null,
        industry: null,
        data: '{}',
        version: 1,
        created_at: at,
        modified_at: at,
      })),
    );
    await insertRows(trx, 'contacts', planted.contacts.map(contactToRow));
    await insertRows(
      trx,
      'contact_points',
      planted.contacts.flatMap((c) =>
        contactPoints(c.fields, []).map((p) => ({
          org_id: orgId,
          kind: p.kind,
          value: p.value,
          contact_id: c.id,
        })),
      ),
    );
  });
}

async function removeRunData(db: Kysely<DB>, orgId: string): Promise<void> {
  await db.deleteFrom('cluster_members').where('org_id', '=', orgId).execute();
  await db.deleteFrom('clusters').where('org_id', '=', orgId).execute();
  await db.deleteFrom('cluster_scans').where('org_id', '=', orgId).execute();
  const ids = (
    await db
      .selectFrom('contacts')
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', '>=', PREFIX)
      .where('id', '<', `${PREFIX}\uffff`)
      .execute()
  ).map((r) => r.id);
  for (let from = 0; from < ids.length; from += 500) {
    const chunk = ids.slice(from, from + 500);
    await db
      .deleteFrom('contact_points')
      .where('org_id', '=', orgId)
      .where('contact_id', 'in', chunk)
      .execute();
    await db.deleteFrom('contacts').where('org_id', '=', orgId).where('id', 'in', chunk).execute();
  }
  await db
    .deleteFrom('organizations')
    .where('org_id', '=', orgId)
    .where('id', '>=', PREFIX)
    .where('id', '<', `${PREFIX}\uffff`)
    .execute();
}

interface Evaluation {
  readonly clusters: number;
  readonly plantedClusters: number;
  readonly exact: number;
  readonly recalled: number;
  readonly unplanted: number;
  readonly recallByKind: Record<PlantKind, string>;
}

async function evaluate(
  db: Kysely<DB>,
  orgId: string,
  scanId: string,
  planted: Planted,
): Promise<Evaluation> {
  const rows = await db
    .selectFrom('cluster_members')
    .select(['cluster_id', 'contact_id'])
    .where('org_id', '=', orgId)
    .where('scan_id', '=', scanId)
    .execute();
  const members = new Map<string, string[]>();
  for (const row of rows) {
    const list = members.get(row.cluster_id);
    if (list === undefined) members.set(row.cluster_id, [row.contact_id]);
    else list.push(row.contact_id);
  }
  let plantedClusters = 0;
  let exact = 0;
  let unplanted = 0;
  const recalledGroups = new Set<number>();
  for (const ids of members.values()) {
    const groups = ids.map((id) => planted.groupOf.get(id));
    if (groups.every((g) => g === undefined)) {
      unplanted += 1;
      continue;
    }
    plantedClusters += 1;
    const first = groups[0];
    const oneGroup = first !== undefined && first >= 0 && groups.every((g) => g === first);
    if (oneGroup && ids.length === planted.groupSizes[first]) {
      exact += 1;
      recalledGroups.add(first);
    } else {
      // A group found whole inside a larger cluster still counts as recalled.
      const counts = new Map<number, number>();
      for (const g of groups)
        if (g !== undefined && g >= 0) counts.set(g, (counts.get(g) ?? 0) + 1);
      for (const [g, n] of counts) if (n === planted.groupSizes[g]) recalledGroups.add(g);
    }
  }
  const recallByKind = {} as Record<PlantKind, string>;
  for (const kind of ['phone', 'email', 'externalId', 'name'] as const) {
    const groups = planted.kinds.flatMap((k, g) => (k === kind ? [g] : []));
    const found = groups.filter((g) => recalledGroups.has(g)).length;
    recallByKind[kind] = `${found}/${groups.length}`;
  }
  return {
    clusters: members.size,
    plantedClusters,
    exact,
    recalled: recalledGroups.size,
    unplanted,
    recallByKind,
  };
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
    const orgId = principal.orgId;
    try {
      await removeRunData(db, orgId);
      const planted = plant(orgId, loaded.divisionIds, options.seed);
      log(
        `${dialect}: planting ${GROUPS.toLocaleString('en-US')} duplicate groups (${planted.contacts.length.toLocaleString('en-US')} contacts)`,
      );
      await insertPlanted(db, orgId, planted);
      log(`${dialect}: scanning`);
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const started = performance.now();
      const { scan, done } = await startClusterScan(db, principal);
      await done;
      const seconds = (performance.now() - started) / 1000;
      lag.disable();
      const finished = await findScan(db, orgId, scan.id);
      if (finished?.status !== 'completed')
        throw new Error(`scan ${scan.id} ended ${finished?.status}: ${finished?.error}`);
      const stats = finished.statistics;
      const e = await evaluate(db, orgId, scan.id, planted);
      const precision = e.plantedClusters === 0 ? 0 : e.exact / e.plantedClusters;
      const recall = e.recalled / GROUPS;
      const maxStallMs = lag.max / 1e6;
      rows.push([
        dialect,
        (stats?.contactsScanned ?? 0).toLocaleString('en-US'),
        seconds.toFixed(1),
        String(e.clusters),
        String(e.plantedClusters),
        String(e.unplanted),
        precision.toFixed(4),
        recall.toFixed(4),
        maxStallMs.toFixed(0),
        `<= ${TARGET_SECONDS} s`,
        seconds <= TARGET_SECONDS ? 'PASS' : 'FAIL',
      ]);
      results.push({
        dialect,
        seconds,
        precision,
        recall,
        maxEventLoopStallMs: maxStallMs,
        ...e,
        statistics: stats,
        load: os.loadavg()[0],
      });
    } finally {
      await removeRunData(db, orgId);
      await loaded.database.destroy();
    }
  }
  console.log(
    `\nduplicates: a cluster scan of ${options.rows.toLocaleString('en-US')} contacts with ${GROUPS.toLocaleString('en-US')} planted duplicate groups, ${os.cpus().length} CPUs`,
  );
  console.log(
    formatTable(
      [
        'dialect',
        'contacts',
        'seconds',
        'clusters',
        'planted',
        'unplanted',
        'precision',
        'recall',
        'max stall ms',
        'target',
        'result',
      ],
      rows,
    ),
  );
  console.log(JSON.stringify({ bench: 'duplicates', results }));
}
