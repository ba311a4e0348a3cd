import { insertRows } from '../db/compiled.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import type { Change } from './change.js';

/**
 * Records a change in the outbox (for delivery) and in the audit log (for history). Call it with
 * the transaction that makes the change, so that neither exists without the other.
 */
export async function recordChange(db: Kysely<DB>, change: Change): Promise<void> {
  await recordChanges(db, [change]);
}

/** recordChange for several changes, in two statements whatever their number. */
export async function recordChanges(db: Kysely<DB>, changes: readonly Change[]): Promise<void> {
  if (changes.length === 0) return;
  const at = nowIso();
  await insertRows(
    db,
    'events',
    changes.map((change) => ({
      org_id: change.orgId,
      id: newId(),
      topic: change.topic,
      kind: change.kind,
      entity_type: change.entityType,
      entity_id: change.entityId,
      division_id: change.divisionId,
      principal_id: change.principal?.id ?? null,
      payload: JSON.stringify({
        kind: change.kind,
        before: change.before ?? null,
        after: change.after ?? null,
      }),
      created_at: at,
      delivered_at: null,
    })),
  );
  const audited = changes.filter((change) => change.audited !== false);
  if (audited.length === 0) return;
  await insertRows(
    db,
    'audit_log',
    audited.map((change) => ({
      org_id: change.orgId,
      id: newId(),
      entity_type: change.entityType,
      entity_id: change.entityId,
      action: change.kind,
      principal_type: change.principal?.type ?? null,
      principal_id: change.principal?.id ?? null,
      before: change.before == null ? null : JSON.stringify(change.before),
      after: change.after == null ? null : JSON.stringify(change.after),
      created_at: at,
    })),
  );
}

export interface AuditEntry {
  id: string;
  entityType: string;
  entityId: string;
  action: string;
  principal: { type: string; id: string } | null;
  before: unknown;
  after: unknown;
  createdAt: string;
}

export async function listAuditEntries(
  db: Kysely<DB>,
  orgId: string,
  entityType: string,
  entityId: string,
): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    entityType: r.entity_type,
    entityId: r.entity_id,
    action: r.action,
    principal:
      r.principal_type === null || r.principal_id === null
        ? null
        : { type: r.principal_type, id: r.principal_id },
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
    createdAt: r.created_at,
  }));
}

/** How many events wait for delivery, across organizations (for the metrics endpoint). */
export async function countUndeliveredEvents(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('delivered_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
