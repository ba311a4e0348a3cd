import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { badRequest } from '../errors/app-error.js';
import { recordChanges } from '../events/change.repository.js';
import { contactTopic } from '../events/change.js';
import { listOrganizations } from '../orgs/org.repository.js';
import { loadOrgSettings } from '../settings/org-settings.repository.js';
import { deleteExpiredContacts, findExpiredContacts } from '../contacts/contact.repository.js';
import { toContactView } from '../contacts/contact.js';
import { expiredBefore, expiryOf } from './retention.js';

export const SWEEP_BATCH = 500;

export interface SweepResult {
  readonly asOf: string;
  /** How many contacts expired and were deleted. */
  readonly swept: number;
}

/**
 * Deletes one organization's Ephemeral and Identified contacts that expired at `asOf`, in
 * batches of SWEEP_BATCH, each in a transaction that deletes the contacts with their claims,
 * points, interactions and notes and records an `expired` event for each.
 *
 * Race-safe: the delete tests expiry again, row by row, so a contact an interaction renewed
 * after it was selected survives; an interaction linked to a contact the sweep is deleting
 * either commits first (and renews it, so it survives) or fails on the missing contact and is
 * resolved again (identity resolution retries). Several processes may sweep at once: a contact
 * is deleted, and its event recorded, by whichever gets to it first.
 * `shouldStop` is asked between batches (a server shutting down finishes its current batch).
 */
export async function sweepOrganization(
  db: Kysely<DB>,
  orgId: string,
  asOf: string,
  principal: Pick<Principal, 'type' | 'id'> | null,
  shouldStop: () => boolean = () => false,
): Promise<number> {
  const { retentionDays } = await loadOrgSettings(db, orgId);
  const before = expiredBefore(asOf, retentionDays);
  let swept = 0;
  for (;;) {
    if (shouldStop()) return swept;
    const candidates = await findExpiredContacts(db, orgId, before, SWEEP_BATCH);
    if (candidates.length === 0) return swept;
    const deleted = await db.transaction().execute(async (trx) => {
      const gone = new Set(
        await deleteExpiredContacts(
          trx,
          orgId,
          candidates.map((c) => c.contact.id),
          before,
        ),
      );
      await recordChanges(
        trx,
        candidates
          .filter((c) => gone.has(c.contact.id))
          .map(({ contact, lastSeenAt }) => ({
            orgId,
            topic: contactTopic(contact.id),
            kind: 'expired' as const,
            entityType: 'contact',
            entityId: contact.id,
            divisionId: contact.divisionId,
            principal,
            before: toContactView(contact),
            after: {
              expiredAt: lastSeenAt === null ? asOf : expiryOf(lastSeenAt, retentionDays),
              retentionDays,
            },
          })),
      );
      return gone.size;
    });
    swept += deleted;
    if (candidates.length < SWEEP_BATCH) return swept;
  }
}

/** An `asOf` as a request or the command line gives it. @throws AppError 400 when unreadable. */
export function checkAsOf(asOf: string | undefined, field = 'asOf'): string {
  if (asOf === undefined || asOf === '') return new Date().toISOString();
  const at = Date.parse(asOf);
  if (Number.isNaN(at)) throw badRequest(`${field} "${asOf}" is not an ISO-8601 date-time`, field);
  return new Date(at).toISOString();
}

/** Sweeps every organization (the scheduled sweep and `kith sweep`). */
export async function sweepAllOrganizations(
  db: Kysely<DB>,
  asOf: string,
  shouldStop: () => boolean = () => false,
): Promise<SweepResult> {
  let swept = 0;
  for (const org of await listOrganizations(db)) {
    if (shouldStop()) break;
    swept += await sweepOrganization(db, org.id, asOf, null, shouldStop);
  }
  return { asOf, swept };
}

/**
 * `POST /retention/sweep`: sweeps the principal's organization now, as of `asOf` (default now;
 * a later time shows what will have expired by then, and deletes it).
 * @throws AppError 403 without settings:edit, 400 for an unreadable asOf.
 */
export async function sweepForPrincipal(
  db: Kysely<DB>,
  principal: Principal,
  asOf: string | undefined,
): Promise<SweepResult> {
  requirePermission(principal, 'externalContacts:settings:edit');
  const at = checkAsOf(asOf);
  return { asOf: at, swept: await sweepOrganization(db, principal.orgId, at, principal) };
}

/** Runs the sweep every `intervalSeconds` until stopped; `stop()` waits for the current batch. */
export function startSweeper(
  db: Kysely<DB>,
  intervalSeconds: number,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let stopping = false;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => sweepAllOrganizations(db, new Date().toISOString(), () => stopping))
      .catch(onError);
  }, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await running;
    },
  };
}
