import type { ContactType } from '../contacts/contact.js';

/*
 * How long auto-created contacts live (SPEC §3): Ephemeral and Identified contacts expire a
 * number of days (an organization setting) after their last meaningful interaction; Curated and
 * Canonical contacts never do.
 */

export const DEFAULT_RETENTION_DAYS = 60;
export const MAX_RETENTION_DAYS = 3650;
/** How far in the future an interaction may say it happened (clock skew between systems). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export function expires(type: ContactType): boolean {
  return type === 'Ephemeral' || type === 'Identified';
}

/**
 * The hour an interaction renews a contact to: its time rounded up to the hour. Retention counts
 * from it, so a contact lives at least the full period after every interaction, and its row is
 * written at most once an hour however busy the customer is.
 */
export function seenHour(occurredAt: string): string {
  return new Date(Math.ceil(Date.parse(occurredAt) / HOUR_MS) * HOUR_MS).toISOString();
}

/** When a contact last seen at `lastSeenAt` expires. */
export function expiryOf(lastSeenAt: string, retentionDays: number): string {
  return new Date(Date.parse(lastSeenAt) + retentionDays * DAY_MS).toISOString();
}

/** Contacts last seen before this instant have expired at `asOf`. */
export function expiredBefore(asOf: string, retentionDays: number): string {
  return new Date(Date.parse(asOf) - retentionDays * DAY_MS).toISOString();
}

/**
 * Checks the time an interaction says it happened: any past time is accepted (a backfill), a
 * time more than five minutes ahead of `now` is not.
 * @returns the problem, or null when the time is acceptable.
 */
export function occurredAtProblem(occurredAt: string, now: number): string | null {
  const at = Date.parse(occurredAt);
  if (Number.isNaN(at)) return `occurredAt "${occurredAt}" is not an ISO-8601 date-time`;
  if (at > now + MAX_FUTURE_SKEW_MS)
    return `occurredAt ${occurredAt} is more than 5 minutes in the future; send the time the interaction happened`;
  return null;
}
