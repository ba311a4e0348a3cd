import { mergeWithin } from '../merge/merge.service.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { badRequest, conflict, notFound } from '../errors/app-error.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { nowIso } from '../common/time.js';
import { recordChange } from '../events/change.repository.js';
import { contactTopic } from '../events/change.js';
import { contactReadFilter, getContact, VIEW } from '../contacts/contact.service.js';
import { insertFreeClaims } from '../contacts/claim.repository.js';
import { UNASSIGNED } from '../contacts/contact.js';
import { findInteraction, reassignInteractions } from '../interactions/interaction.repository.js';
import { checkInteractionPageSize } from '../interactions/interaction.service.js';
import {
  closeReview,
  findReview,
  listReviews,
  type Review,
  type ReviewStatus,
} from './review.repository.js';

const EDIT = 'externalContacts:contact:edit';
export const REVIEWS_PATH = '/api/v2/externalcontacts/identityresolution/reviews';

export function toReviewView(review: Review): Record<string, unknown> {
  const ref = (id: string) => ({ id, selfUri: `/api/v2/externalcontacts/contacts/${id}` });
  const view: Record<string, unknown> = {
    id: review.id,
    status: review.status,
    reason: review.reason,
    matchedOn: review.matchedOn,
    interaction: { id: review.interactionId },
    contact: ref(review.contactId),
    candidates: review.candidates.map(ref),
    division: { id: review.divisionId ?? UNASSIGNED },
    dateCreated: review.createdAt,
    selfUri: `${REVIEWS_PATH}/${review.id}`,
  };
  if (review.resolution !== null) view.resolution = review.resolution;
  if (review.resolvedBy !== null) view.resolvedBy = { id: review.resolvedBy };
  if (review.resolvedAt !== null) view.dateResolved = review.resolvedAt;
  return view;
}

function checkStatus(value: string | undefined): ReviewStatus {
  const status = value ?? 'open';
  if (status !== 'open' && status !== 'resolved' && status !== 'dismissed')
    throw badRequest(`status must be open, resolved or dismissed, got "${status}"`, 'status');
  return status;
}

/** The review queue: reviews in a status (default open) in the principal's divisions, oldest first. */
export async function listReviewQueue(
  db: Kysely<DB>,
  principal: Principal,
  request: {
    status?: string | undefined;
    pageSize?: string | number | undefined;
    after?: string | undefined;
  },
): Promise<{ reviews: Review[]; next?: string }> {
  const filter = contactReadFilter(principal);
  const status = checkStatus(request.status);
  const limit = checkInteractionPageSize(request.pageSize);
  const scope = `reviews:${status}`;
  const afterId =
    request.after === undefined || request.after === ''
      ? undefined
      : decodeCursor(request.after, scope);
  const page = await listReviews(db, principal.orgId, status, filter, afterId, limit + 1);
  const reviews = page.slice(0, limit);
  const last = reviews[reviews.length - 1];
  return page.length > limit && last !== undefined
    ? { reviews, next: encodeCursor(last.id, scope) }
    : { reviews };
}

export async function getReview(db: Kysely<DB>, principal: Principal, id: string): Promise<Review> {
  const review = await findReview(db, principal.orgId, id);
  if (!review || !canAccess(principal, VIEW, review.divisionId))
    throw notFound('Identity resolution review', id);
  return review;
}

export interface ReviewDecision {
  action: string;
  contactId?: string | undefined;
}

/**
 * Resolves a review: `choose` a candidate (the interaction moves to it, and it claims the
 * identifier that was ambiguous, if nobody in its division holds it, so the next interaction
 * goes straight to it), `merge` the candidates into one Canonical contact (they must share a
 * division), or `dismiss` it (the first-created contact keeps the interaction).
 * @throws AppError 400 for an unknown action or a contact that is not a candidate; 409 when
 * the review is closed already.
 */
export async function resolveReview(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  decision: ReviewDecision,
): Promise<Review> {
  return db.transaction().execute(async (trx) => {
    const review = await getReview(trx, principal, id);
    requireAccess(principal, EDIT, review.divisionId);
    if (review.status !== 'open') throw conflict(`Review ${id} is ${review.status} already`);
    const at = nowIso();
    let closed: Review;
    if (decision.action === 'dismiss') {
      closed = {
        ...review,
        status: 'dismissed',
        resolution: { action: 'dismiss' },
        resolvedBy: principal.id,
        resolvedAt: at,
      };
    } else if (decision.action === 'choose') {
      const chosenId = decision.contactId?.trim() ?? '';
      if (!review.candidates.includes(chosenId))
        throw badRequest(
          `contactId must be one of the review's candidates: ${review.candidates.join(', ')}`,
          'contactId',
        );
      const chosen = await getContact(trx, principal, chosenId);
      requireAccess(principal, EDIT, chosen.divisionId);
      await reassignInteractions(
        trx,
        principal.orgId,
        [review.interactionId],
        chosen.id,
        chosen.divisionId,
      );
      // The identifier as the interaction carried it: an external id claims with its source.
      const interaction = await findInteraction(trx, principal.orgId, review.interactionId);
      const carried = interaction?.identifiers.find(
        (i) => i.type === review.matchedOn.type && i.value === review.matchedOn.value,
      );
      const sourceKey = carried?.externalSourceId ?? '';
      const claimable = review.matchedOn.type !== 'ExternalId' || sourceKey !== '';
      const claimed = !claimable
        ? []
        : await insertFreeClaims(trx, [
            {
              orgId: principal.orgId,
              entityType: 'contact',
              divisionKey: chosen.divisionId ?? UNASSIGNED,
              type: review.matchedOn.type,
              sourceKey,
              value: review.matchedOn.value,
              entityId: chosen.id,
              createdAt: at,
            },
          ]);
      closed = {
        ...review,
        status: 'resolved',
        resolution: { action: 'choose', contactId: chosen.id, claimed: claimed.length === 1 },
        resolvedBy: principal.id,
        resolvedAt: at,
      };
    } else if (decision.action === 'merge') {
      const merged = await mergeWithin(trx, principal, review.candidates, {}, false);
      closed = {
        ...review,
        status: 'resolved',
        resolution: { action: 'merge', contactId: merged.contact.id },
        resolvedBy: principal.id,
        resolvedAt: at,
      };
    } else {
      throw badRequest(
        `action must be choose, merge or dismiss, got "${decision.action}"`,
        'action',
      );
    }
    if (!(await closeReview(trx, closed))) throw conflict(`Review ${id} was closed meanwhile`);
    await recordChange(trx, {
      orgId: principal.orgId,
      topic: contactTopic(closed.resolution?.contactId ?? review.contactId),
      kind: 'updated',
      entityType: 'resolutionReview',
      entityId: review.id,
      divisionId: review.divisionId,
      principal,
      before: toReviewView(review),
      after: toReviewView(closed),
    });
    return closed;
  });
}
