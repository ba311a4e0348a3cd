import type { Kysely } from 'kysely';
import type { DB, ResolutionReviewTable } from '../db/schema.js';
import { parseJson, parseJsonOrNull } from '../common/json.js';
import { divisionCondition } from '../db/sql.js';
import type { ReadFilter } from '../authorization/access.js';

export type ReviewStatus = 'open' | 'resolved' | 'dismissed';

/** An ambiguous resolution waiting for an agent (SPEC §5 rule 3, Beyond). */
export interface Review {
  id: string;
  orgId: string;
  interactionId: string;
  /** The contact the interaction went to: the first-created candidate. */
  contactId: string;
  divisionId: string | null;
  reason: string;
  matchedOn: { type: string; value: string; via: 'claim' | 'contactPoint' };
  /** Every candidate, first-created first. */
  candidates: string[];
  status: ReviewStatus;
  resolution: {
    action: 'choose' | 'merge' | 'dismiss';
    contactId?: string;
    claimed?: boolean;
  } | null;
  resolvedBy: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

function rowToReview(row: ResolutionReviewTable): Review {
  return {
    id: row.id,
    orgId: row.org_id,
    interactionId: row.interaction_id,
    contactId: row.contact_id,
    divisionId: row.division_id,
    reason: row.reason,
    matchedOn: {
      type: row.matched_type,
      value: row.matched_value,
      via: row.matched_via === 'claim' ? 'claim' : 'contactPoint',
    },
    candidates: parseJson<string[]>(row.candidates),
    status: row.status as ReviewStatus,
    resolution: parseJsonOrNull<Review['resolution']>(row.resolution),
    resolvedBy: row.resolved_by,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
  };
}

export async function insertReviews(db: Kysely<DB>, reviews: readonly Review[]): Promise<void> {
  if (reviews.length === 0) return;
  await db
    .insertInto('resolution_reviews')
    .values(
      reviews.map((r) => ({
        org_id: r.orgId,
        id: r.id,
        interaction_id: r.interactionId,
        contact_id: r.contactId,
        division_id: r.divisionId,
        reason: r.reason,
        matched_type: r.matchedOn.type,
        matched_value: r.matchedOn.value,
        matched_via: r.matchedOn.via,
        candidates: JSON.stringify(r.candidates),
        status: r.status,
        resolution: r.resolution === null ? null : JSON.stringify(r.resolution),
        resolved_by: r.resolvedBy,
        created_at: r.createdAt,
        resolved_at: r.resolvedAt,
      })),
    )
    .execute();
}

export async function findReview(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Review | undefined> {
  const row = await db
    .selectFrom('resolution_reviews')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToReview(row);
}

/** Reviews in a status, oldest first, after the review `afterId`, in the visible divisions. */
export async function listReviews(
  db: Kysely<DB>,
  orgId: string,
  status: ReviewStatus,
  filter: ReadFilter,
  afterId: string | undefined,
  limit: number,
): Promise<Review[]> {
  let query = db
    .selectFrom('resolution_reviews')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '=', status)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter));
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(rowToReview);
}

/**
 * Closes an open review.
 * @returns false when it was no longer open (someone else closed it first).
 */
export async function closeReview(
  db: Kysely<DB>,
  review: Pick<Review, 'orgId' | 'id' | 'status' | 'resolution' | 'resolvedBy' | 'resolvedAt'>,
): Promise<boolean> {
  const result = await db
    .updateTable('resolution_reviews')
    .set({
      status: review.status,
      resolution: JSON.stringify(review.resolution),
      resolved_by: review.resolvedBy,
      resolved_at: review.resolvedAt,
    })
    .where('org_id', '=', review.orgId)
    .where('id', '=', review.id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
