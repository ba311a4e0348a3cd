import fs from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { insertRows } from '../db/compiled.js';
import { refreshStatistics } from '../db/sql.js';
import { newId } from '../common/ids.js';
import { addSeconds, nowIso } from '../common/time.js';
import type { Principal } from '../authorization/access.js';
import type { Contact, ContactFields } from '../contacts/contact.js';
import { contactPoints, externalIdPointValue } from '../contacts/contact-points.js';
import { contactToRow, findContacts, updateContact } from '../contacts/contact.repository.js';
import { insertFreeClaims } from '../contacts/claim.repository.js';
import { loadBlocklist } from '../settings/org-settings.repository.js';
import { recordChanges } from '../events/change.repository.js';
import { contactTopic, type Change } from '../events/change.js';
import { UNASSIGNED, searchKey, toContactView } from '../contacts/contact.js';
import type { Organization, OrganizationFields } from '../organizations/organization.js';
import { organizationTopic, toOrganizationView } from '../organizations/organization.js';
import {
  findOrganizations,
  insertOrganization,
  updateOrganization,
} from '../organizations/organization.repository.js';
import { findExternalSource } from '../external-sources/external-source.repository.js';
import { findImportSettings } from './import-settings.repository.js';
import type { ImportSettings, MatchingCriterion } from './import-settings.js';
import { CsvFileError, inspectCsv, readCsvRecords, type CsvRecord } from './csv-file.js';
import type { PreparedCells, Preparation } from './row-preparation.js';
import { inlinePreparer, threadPreparer, type RowPreparer } from './row-preparer.js';
import { THREAD_MIN_BYTES } from '../config/config.js';
import { mergeImportedFields, mergeImportedOrganization } from './import-rows.js';
import {
  findFingerprints,
  findJob,
  findUpload,
  insertFailures,
  saveCheckpoint,
  saveFingerprints,
  updateJobState,
  type ImportFailure,
} from './import-job.repository.js';
import type { ImportJob, JobCounts } from './import-job.js';
import { ImportCustomFields } from './import-schemas.js';
import { findContactIdsByPoints, findOrganizationsByKeys } from './import-match.repository.js';

/*
 * The import engine (SPEC §8): reads a job's file from its checkpoint in batches and commits each
 * batch — contacts, organizations, events, failures and the new checkpoint — in one transaction,
 * so a job killed at any moment resumes from the last commit with nothing lost or doubled.
 */

/** How long a job's claim holds without a heartbeat; each batch commit renews it. */
export const LEASE_SECONDS = 30;
export const BATCH_SIZE = 2000;

/** Why a run stopped early: the job was cancelled, or another process took it over. */
class Stopped extends Error {}

/** A contact a batch updates was changed by someone else meanwhile: the batch runs again. */
class ChangedMeanwhile extends Error {}

/** The tables an import fills, whose statistics it refreshes as it goes. */
const IMPORTED_TABLES = [
  'contacts',
  'contact_points',
  'claims',
  'organizations',
  'import_fingerprints',
] as const;

/** How often a batch is run again when its contacts keep changing under it. */
const BATCH_ATTEMPTS = 5;

export interface RunOptions {
  /** The data directory, against which an upload's relative path is resolved. */
  readonly dataDir: string;
  /** The lease owner this process runs jobs as. */
  readonly owner: string;
  /** Called after each committed batch. */
  readonly onProgress?: (job: ImportJob, bytes: number) => void;
  readonly batchSize?: number;
  /** Asked after each batch: true hands the job back (the process is stopping) to resume later. */
  readonly shouldStop?: () => boolean;
  /** Rows are prepared on a worker thread when this many bytes are left to read (default 8 MiB). */
  readonly threadMinBytes?: number;
}

/** A batch read ahead: its rows (the header taken off) and their preparation under way. */
interface Ahead {
  readonly records: readonly CsvRecord[];
  readonly last: CsvRecord;
  readonly newHeader: string[] | undefined;
  readonly preparing: Promise<Preparation[]>;
}

/** The principal events are recorded for: the one who started the job. */
function jobPrincipal(job: ImportJob): Principal {
  return { orgId: job.orgId, type: job.principal.type, id: job.principal.id, name: '', grants: [] };
}

interface Context {
  readonly job: ImportJob;
  readonly settings: ImportSettings;
  readonly header: readonly string[];
  readonly blocklist: readonly string[];
  readonly principal: Principal;
  readonly dryRun: boolean;
  readonly customFields: ImportCustomFields;
}

/** A row made ready, with the record it was read from. */
interface PreparedRow extends PreparedCells {
  readonly record: CsvRecord;
}

function failure(record: CsvRecord, reason: string): ImportFailure {
  return { line: record.line, reason, cells: record.cells };
}

/** The match keys of a contact's fields, in the order the settings try them. */
function matchKeys(
  fields: ContactFields,
  criteria: readonly MatchingCriterion[],
  sourceId: string,
): { kind: string; value: string }[][] {
  const order: MatchingCriterion[] = ['ExternalId', ...criteria.filter((c) => c !== 'ExternalId')];
  return order.map((criterion) => {
    switch (criterion) {
      case 'ExternalId':
        return (fields.externalIds ?? [])
          .filter((id) => id.externalSource.id === sourceId)
          .map((id) => ({
            kind: 'ExternalId',
            value: externalIdPointValue(id.externalSource.id, id.value),
          }));
      case 'Email':
        return [fields.workEmail, fields.personalEmail, fields.otherEmail]
          .filter((e): e is string => e !== undefined)
          .map((value) => ({ kind: 'Email', value }));
      case 'Phone':
        return [fields.workPhone, fields.cellPhone, fields.homePhone, fields.otherPhone]
          .map((p) => p?.e164)
          .filter((e): e is string => e !== undefined)
          .map((value) => ({ kind: 'Phone', value }));
    }
  });
}

const keyOf = (kind: string, value: string): string => `${kind}\u0000${value}`;

interface BatchOutcome {
  readonly failures: ImportFailure[];
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

/** Organizations of the batch, found or made, by the key the rows name them with. */
async function resolveOrganizations(
  trx: Kysely<DB>,
  ctx: Context,
  rows: PreparedRow[],
  failures: ImportFailure[],
  changes: Change[],
): Promise<Map<PreparedRow, string>> {
  const linked = new Map<PreparedRow, string>();
  const wanted = rows.filter((r) => r.organization !== null);
  if (wanted.length === 0) return linked;
  const sourceId = ctx.settings.externalSourceId;
  const byKey = await findOrganizationsByKeys(trx, ctx.job.orgId, ctx.job.divisionId, {
    sourceId,
    externalIds: wanted.flatMap((r) => r.organization?.externalIds?.map((e) => e.value) ?? []),
    names: wanted.flatMap((r) => (r.organizationName === null ? [] : [r.organizationName])),
  });
  const now = nowIso();
  const loaded = new Map<string, Organization>();
  const ids = [...new Set(byKey.values())];
  for (const organization of await findOrganizations(trx, ctx.job.orgId, ids))
    loaded.set(organization.id, organization);
  for (const row of wanted) {
    const fields = row.organization as Partial<OrganizationFields>;
    const externalId = fields.externalIds?.[0]?.value;
    const nameKey = row.organizationName === null ? null : searchKey(row.organizationName);
    const foundId =
      (externalId === undefined ? undefined : byKey.get(`x:${externalId}`)) ??
      (nameKey === null ? undefined : byKey.get(`n:${nameKey}`));
    if (foundId !== undefined) {
      const current = loaded.get(foundId);
      if (current !== undefined && row.organizationName !== null) {
        const merged = mergeImportedOrganization(current.fields, fields);
        if (JSON.stringify(merged) !== JSON.stringify(current.fields)) {
          const updated: Organization = {
            ...current,
            fields: merged,
            version: current.version + 1,
            modifyDate: now,
          };
          if (!ctx.dryRun) await updateOrganization(trx, updated, current.version);
          loaded.set(foundId, updated);
          changes.push(organizationChange(ctx, 'updated', current, updated));
        }
      }
      linked.set(row, foundId);
      continue;
    }
    if (row.organizationName === null) {
      failures.push(
        failure(
          row.record,
          `no organization has the external id "${externalId ?? ''}", and the row gives no ` +
            'externalOrganization.name to create it with',
        ),
      );
      continue;
    }
    const organization: Organization = {
      id: newId(),
      orgId: ctx.job.orgId,
      divisionId: ctx.job.divisionId,
      fields: fields as OrganizationFields,
      version: 1,
      createDate: now,
      modifyDate: now,
    };
    if (!ctx.dryRun) {
      await insertOrganization(trx, organization);
      // Claimed, so that the next import finds it by its external id.
      if (externalId !== undefined) {
        await insertFreeClaims(trx, [
          {
            orgId: ctx.job.orgId,
            entityType: 'organization',
            divisionKey: ctx.job.divisionId ?? UNASSIGNED,
            type: 'ExternalId',
            sourceKey: sourceId,
            value: externalId,
            entityId: organization.id,
            createdAt: now,
          },
        ]);
      }
    }
    changes.push(organizationChange(ctx, 'created', null, organization));
    loaded.set(organization.id, organization);
    if (externalId !== undefined) byKey.set(`x:${externalId}`, organization.id);
    if (nameKey !== null) byKey.set(`n:${nameKey}`, organization.id);
    linked.set(row, organization.id);
  }
  return linked;
}

function contactChange(ctx: Context, before: Contact | null, after: Contact): Change {
  return {
    orgId: ctx.job.orgId,
    topic: contactTopic(after.id),
    kind: before === null ? 'created' : 'updated',
    entityType: 'contact',
    entityId: after.id,
    divisionId: after.divisionId,
    principal: ctx.principal,
    before: before && toContactView(before),
    after: toContactView(after),
    audited: before !== null,
  };
}

function organizationChange(
  ctx: Context,
  kind: 'created' | 'updated',
  before: Organization | null,
  after: Organization,
): Change {
  return {
    orgId: ctx.job.orgId,
    topic: organizationTopic(after.id),
    kind,
    entityType: 'organization',
    entityId: after.id,
    divisionId: after.divisionId,
    principal: ctx.principal,
    before: before && toOrganizationView(before),
    after: toOrganizationView(after),
  };
}

/**
 * Imports one batch inside `trx`: rows already imported (same fingerprint, contact still there)
 * are left alone; the others match by external id, then the settings' criteria, among the
 * contacts of the job's division — earlier rows of the batch included — and update what they
 * match (the first match, or all with mergeContacts) or make a Curated contact.
 */
async function importBatch(
  trx: Kysely<DB>,
  ctx: Context,
  records: readonly CsvRecord[],
  preparations: readonly Preparation[],
): Promise<BatchOutcome> {
  const failures: ImportFailure[] = [];
  const rows: PreparedRow[] = [];
  for (const [i, record] of records.entries()) {
    const prepared = preparations[i] as Preparation;
    if ('reason' in prepared) {
      failures.push(failure(record, prepared.reason));
      continue;
    }
    let contact = prepared.contact;
    if (contact?.customFields !== undefined) {
      const checked = await ctx.customFields.check(trx, contact);
      if (typeof checked === 'string') {
        failures.push(failure(record, checked));
        continue;
      }
      contact = checked;
    }
    rows.push({ ...prepared, record, contact });
  }
  const orgId = ctx.job.orgId;
  const seen = await findFingerprints(
    trx,
    orgId,
    rows.map((r) => r.fingerprint),
  );
  const seenContacts = new Set(
    (
      await findContacts(
        trx,
        orgId,
        [...seen.values()].flatMap((s) => (s.contactId === null ? [] : [s.contactId])),
      )
    )
      .filter((c) => c.mergedTo === undefined)
      .map((c) => c.id),
  );
  const stale: string[] = [];
  const pending: PreparedRow[] = [];
  let unchanged = 0;
  for (const row of rows) {
    const before = seen.get(row.fingerprint);
    if (before !== undefined && (before.contactId === null || seenContacts.has(before.contactId))) {
      unchanged += 1;
      continue;
    }
    if (before !== undefined) stale.push(row.fingerprint);
    pending.push(row);
  }

  const changes: Change[] = [];
  const organizations = await resolveOrganizations(trx, ctx, pending, failures, changes);
  const ready = pending.filter((r) => r.organization === null || organizations.has(r));
  const sourceId = ctx.settings.externalSourceId;

  // Every key any row could match on, looked up at once.
  const keysOfRow = new Map<PreparedRow, { kind: string; value: string }[][]>();
  const lookups = new Map<string, { kind: string; value: string }>();
  for (const row of ready) {
    if (row.contact === null) continue;
    const keys = matchKeys(row.contact, ctx.settings.matchingCriteria, sourceId);
    keysOfRow.set(row, keys);
    for (const group of keys) for (const k of group) lookups.set(keyOf(k.kind, k.value), k);
  }
  const matched = await findContactIdsByPoints(trx, orgId, [...lookups.values()]);
  const explicitIds = ready.flatMap((r) => (r.id === undefined ? [] : [r.id]));
  const candidateIds = new Set<string>(explicitIds);
  for (const ids of matched.values()) for (const id of ids) candidateIds.add(id);
  const contacts = new Map<string, Contact>();
  for (const c of await findContacts(trx, orgId, [...candidateIds]))
    if (c.mergedTo === undefined) contacts.set(c.id, c);

  const now = nowIso();
  const created: Contact[] = [];
  /** The place in `created` of each contact the batch creates, by id. */
  const createdAt = new Map<string, number>();
  const updatedIds = new Set<string>();
  const before = new Map<string, Contact>();
  const fingerprints: {
    fingerprint: string;
    contactId: string | null;
    organizationId: string | null;
  }[] = [];
  for (const row of ready) {
    const organizationId = organizations.get(row) ?? null;
    if (row.contact === null) {
      fingerprints.push({ fingerprint: row.fingerprint, contactId: null, organizationId });
      continue;
    }
    const fields: ContactFields =
      organizationId === null
        ? row.contact
        : { ...row.contact, externalOrganization: { id: organizationId } };
    let targets: string[] = [];
    if (row.id !== undefined) {
      const target = contacts.get(row.id);
      if (target === undefined) {
        failures.push(failure(row.record, `no contact has the id ${row.id}`));
        continue;
      }
      if (target.divisionId !== ctx.job.divisionId) {
        failures.push(
          failure(row.record, `contact ${row.id} is in another division than the import's`),
        );
        continue;
      }
      targets = [target.id];
    } else {
      for (const group of keysOfRow.get(row) ?? []) {
        const found = new Set<string>();
        for (const k of group)
          for (const id of matched.get(keyOf(k.kind, k.value)) ?? [])
            if (contacts.get(id)?.divisionId === ctx.job.divisionId) found.add(id);
        if (found.size > 0) {
          const ordered = [...found].sort((a, b) =>
            (contacts.get(a)?.createDate ?? '').localeCompare(contacts.get(b)?.createDate ?? ''),
          );
          targets = ctx.settings.mergeContacts ? ordered : ordered.slice(0, 1);
          break;
        }
      }
    }
    if (targets.length === 0) {
      const contact: Contact = {
        id: newId(),
        orgId,
        divisionId: ctx.job.divisionId,
        type: 'Curated',
        fields,
        version: 1,
        createDate: now,
        modifyDate: now,
      };
      createdAt.set(contact.id, created.length);
      created.push(contact);
      contacts.set(contact.id, contact);
      // Later rows of the batch find it as they would find a stored contact.
      for (const group of keysOfRow.get(row) ?? [])
        for (const k of group) {
          const key = keyOf(k.kind, k.value);
          matched.set(key, [...(matched.get(key) ?? []), contact.id]);
        }
      fingerprints.push({ fingerprint: row.fingerprint, contactId: contact.id, organizationId });
      continue;
    }
    let changed = false;
    for (const id of targets) {
      const current = contacts.get(id) as Contact;
      const merged = mergeImportedFields(current.fields, fields);
      if (JSON.stringify(merged) === JSON.stringify(current.fields)) continue;
      changed = true;
      if (!before.has(id) && !createdAt.has(id)) before.set(id, current);
      const next: Contact = {
        ...current,
        fields: merged,
        type:
          current.type === 'Ephemeral' || current.type === 'Identified' ? 'Curated' : current.type,
        version: createdAt.has(id) ? current.version : current.version + 1,
        modifyDate: now,
      };
      contacts.set(id, next);
      const at = createdAt.get(id);
      if (at !== undefined) created[at] = next;
      else updatedIds.add(id);
    }
    // The row found its contact as it says: nothing to write.
    if (!changed) unchanged += 1;
    fingerprints.push({
      fingerprint: row.fingerprint,
      contactId: targets[0] ?? null,
      organizationId,
    });
  }

  if (!ctx.dryRun) {
    await insertRows(trx, 'contacts', created.map(contactToRow));
    await insertRows(
      trx,
      'contact_points',
      created.flatMap((c) =>
        contactPoints(c.fields, ctx.blocklist).map((p) => ({
          org_id: orgId,
          kind: p.kind,
          value: p.value,
          contact_id: c.id,
        })),
      ),
    );
    for (const id of updatedIds) {
      const next = contacts.get(id) as Contact;
      const previous = before.get(id) as Contact;
      if (
        !(await updateContact(
          trx,
          next,
          previous.version,
          contactPoints(next.fields, ctx.blocklist),
        ))
      )
        throw new ChangedMeanwhile(`contact ${id} changed during the import`);
    }
    // The events of a bulk load: a created contact's event carries it whole, so only updates,
    // which have a before, go to the audit log as well. All in one insert per table.
    for (const contact of created) changes.push(contactChange(ctx, null, contact));
    for (const id of updatedIds)
      changes.push(contactChange(ctx, before.get(id) as Contact, contacts.get(id) as Contact));
    await recordChanges(trx, changes);
    await saveFingerprints(trx, orgId, fingerprints, stale);
  }
  return { failures, created: created.length, updated: updatedIds.size, unchanged };
}

/** A batch read and prepared, with what its checkpoint records. */
interface BatchToCommit {
  readonly records: readonly CsvRecord[];
  readonly preparations: readonly Preparation[];
  readonly last: CsvRecord;
  /** The header, when this is the batch it was read with (the checkpoint then records it). */
  readonly newHeader: string[] | undefined;
  readonly separator: string;
  /** The job's counts before the batch. */
  readonly counts: JobCounts;
}

/**
 * Imports a batch and saves the job's checkpoint in one transaction, running it again when its
 * contacts changed meanwhile (the batch rolled back whole; its rows are read again, against the
 * contacts as they are now).
 * @returns the job's counts after the batch.
 * @throws Stopped when the job was cancelled or taken over.
 */
async function commitBatch(
  db: Kysely<DB>,
  ctx: Context,
  owner: string,
  batch: BatchToCommit,
): Promise<JobCounts> {
  const { job, dryRun } = ctx;
  const { records, preparations, last, newHeader, separator, counts } = batch;
  const commit = () =>
    db.transaction().execute(async (trx) => {
      const outcome = await importBatch(trx, ctx, records, preparations);
      const succeeded = records.length - outcome.failures.length;
      const next: JobCounts = dryRun
        ? {
            ...counts,
            dryRunSuccess: counts.dryRunSuccess + succeeded,
            dryRunFailed: counts.dryRunFailed + outcome.failures.length,
          }
        : {
            ...counts,
            importSuccess: counts.importSuccess + succeeded,
            importFailed: counts.importFailed + outcome.failures.length,
            created: counts.created + outcome.created,
            updated: counts.updated + outcome.updated,
            unchanged: counts.unchanged + outcome.unchanged,
          };
      if (outcome.failures.length > 0) await insertFailures(trx, job, job.phase, outcome.failures);
      const now = nowIso();
      const saved = await saveCheckpoint(
        trx,
        job,
        owner,
        {
          nextOffset: last.endOffset,
          nextLine: last.endLine,
          counts: next,
          leaseUntil: addSeconds(now, LEASE_SECONDS),
          ...(newHeader === undefined ? {} : { header: newHeader, separator }),
        },
        now,
      );
      if (!saved) throw new Stopped('the job was cancelled or taken over');
      return next;
    });
  for (let attempt = 1; ; attempt++) {
    try {
      return await commit();
    } catch (error) {
      if (!(error instanceof ChangedMeanwhile) || attempt === BATCH_ATTEMPTS) throw error;
    }
  }
}

function resolvePath(dataDir: string, file: string): string {
  return path.isAbsolute(file) ? file : path.join(dataDir, file);
}

/** Ends a job with `status`, if this process still holds it. */
async function finish(
  db: Kysely<DB>,
  job: ImportJob,
  owner: string,
  changes: Parameters<typeof updateJobState>[3],
): Promise<void> {
  const now = nowIso();
  await updateJobState(
    db,
    job,
    { status: ['Running'], owner },
    { lease_owner: null, lease_until: null, modified_at: now, ...changes },
  );
}

/**
 * Runs a job this process has claimed (`options.owner` holds its lease) until it ends, is
 * cancelled or is taken over: the dry run or the import, from the job's checkpoint.
 * @returns the job as it stands afterwards.
 */
export async function runImportJob(
  db: Kysely<DB>,
  claimed: ImportJob,
  options: RunOptions,
): Promise<ImportJob> {
  const owner = options.owner;
  let job = claimed;
  const upload = await findUpload(db, job.orgId, job.uploadId);
  const settings = await findImportSettings(db, job.orgId, job.settingsId);
  if (upload === undefined || upload.status !== 'Uploaded' || settings === undefined) {
    await finish(db, job, owner, {
      status: 'Failed',
      status_details:
        upload === undefined || upload.status !== 'Uploaded'
          ? 'the file of this job was never uploaded'
          : `the import settings ${job.settingsId} were deleted`,
    });
    return (await findJob(db, job.orgId, job.id)) ?? job;
  }
  const file = resolvePath(options.dataDir, upload.path);
  try {
    if ((await findExternalSource(db, job.orgId, settings.externalSourceId)) === undefined)
      throw new CsvFileError(
        `the external source ${settings.externalSourceId} of the settings no longer exists`,
      );
    let header = job.header;
    let separator = job.separator;
    let offset = job.nextOffset;
    let line = job.nextLine;
    if (header === null || separator === null || offset === 0) {
      // From the start (a new job, or the import after its dry run): the first line is the header.
      separator = (await inspectCsv(file)).separator;
      header = null;
      offset = 0;
      line = 0;
    }
    const dryRun = job.phase === 'dryRun';
    const principal = jobPrincipal(job);
    const blocklist = await loadBlocklist(db, job.orgId);
    const customFields = new ImportCustomFields(job.orgId);
    const contextOf = (header: readonly string[]): Context => ({
      job,
      settings,
      header,
      blocklist,
      principal,
      dryRun,
      customFields,
    });
    let ctx: Context | null = header === null ? null : contextOf(header);
    const inThread =
      (await fs.stat(file)).size - offset >= (options.threadMinBytes ?? THREAD_MIN_BYTES);
    let preparer: RowPreparer | null = null;
    let counts: JobCounts = { ...job.counts };
    let batches = 0;
    const reader = readCsvRecords(file, {
      separator,
      offset,
      line,
      batchSize: options.batchSize ?? BATCH_SIZE,
    })[Symbol.asyncIterator]();
    /** The next batch, its header taken off, with its rows being prepared; null at the end. */
    const readAhead = async (): Promise<Ahead | null> => {
      const read = await reader.next();
      if (read.done === true) return null;
      const batch = read.value;
      let records = batch;
      let newHeader: string[] | undefined;
      if (ctx === null) {
        newHeader = (batch[0] as CsvRecord).cells.map((h) => h.trim());
        ctx = contextOf(newHeader);
        records = batch.slice(1);
      }
      preparer ??= (inThread ? threadPreparer : inlinePreparer)({
        header: ctx.header,
        mappings: job.mappings,
        externalSourceId: settings.externalSourceId,
        defaultCountry: job.defaultCountry,
        scope: scopeOf(job),
      });
      const preparing = preparer.prepare(records.map((r) => r.cells));
      // Awaited when the batch's turn comes; until then a failure must not count as unhandled.
      preparing.catch(() => undefined);
      return { last: batch[batch.length - 1] as CsvRecord, records, newHeader, preparing };
    };
    try {
      let ahead = await readAhead();
      while (ahead !== null) {
        const { records, newHeader, last } = ahead;
        const preparations = await ahead.preparing;
        // The next batch is read and prepared while this one commits; should the file turn bad
        // there, the job fails once this batch is in, as it would reading batch after batch.
        const following = readAhead();
        following.catch(() => undefined);
        const context = ctx as Context;
        counts = await commitBatch(db, context, owner, {
          records,
          preparations,
          last,
          newHeader,
          separator,
          counts,
        });
        // Each time the rows written double, the planner learns how large the tables have grown.
        batches += 1;
        if (!dryRun && (batches & (batches - 1)) === 0)
          await refreshStatistics(db, IMPORTED_TABLES);
        job = {
          ...job,
          counts,
          nextOffset: last.endOffset,
          nextLine: last.endLine,
          header: context.header as string[],
          separator,
        };
        options.onProgress?.(job, last.endOffset);
        if (options.shouldStop?.() === true) {
          await updateJobState(
            db,
            job,
            { status: ['Running'], owner },
            { lease_owner: null, lease_until: null, modified_at: nowIso() },
          );
          return (await findJob(db, job.orgId, job.id)) ?? job;
        }
        ahead = await following;
      }
    } finally {
      await (preparer as RowPreparer | null)?.close();
      await reader.return?.(undefined);
    }
    if (ctx === null) throw new CsvFileError('the file is empty: it has no header and no rows');
    const now = nowIso();
    if (dryRun && !job.dryRunOnly) {
      await finish(db, job, owner, { status: 'Created', execution_step: 'Validated' });
    } else {
      await finish(db, job, owner, {
        status: 'Completed',
        execution_step: dryRun ? 'Validated' : 'Importing',
        completed_at: now,
      });
    }
  } catch (error) {
    if (error instanceof Stopped) return (await findJob(db, job.orgId, job.id)) ?? job;
    if (error instanceof ChangedMeanwhile) {
      // Contacts of one batch kept changing: give the lease up so that the job runs again soon.
      await updateJobState(
        db,
        job,
        { status: ['Running'], owner },
        { lease_owner: null, lease_until: null, modified_at: nowIso() },
      );
      return (await findJob(db, job.orgId, job.id)) ?? job;
    }
    if (!(error instanceof CsvFileError)) throw error;
    await finish(db, job, owner, { status: 'Failed', status_details: error.message });
  }
  return (await findJob(db, job.orgId, job.id)) ?? job;
}

/** What makes a row the same row again: where it goes and how its columns are read. */
function scopeOf(job: ImportJob): string {
  return `${job.divisionId ?? '*'}|${job.defaultCountry}|${job.settingsId}`;
}
