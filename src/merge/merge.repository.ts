import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import type { Claim } from '../contacts/claim.repository.js';
import type { ContactFields } from '../contacts/contact.js';

/** One merge: the contact it made, its inputs and what unmerge needs to restore them. */
export interface MergeRecord {
  readonly orgId: string;
  readonly contactId: string;
  readonly inputIds: readonly string[];
  /** The claims each input held before the merge, by input id. */
  readonly inputClaims: Readonly<Record<string, readonly Claim[]>>;
  /** The fields the merge gave the merged contact. */
  readonly resultFields: ContactFields;
  readonly principalId: string | null;
  readonly mergedAt: string;
}

export async function insertMerge(db: Kysely<DB>, merge: MergeRecord): Promise<void> {
  await db
    .insertInto('contact_merges')
    .values({
      org_id: merge.orgId,
      contact_id: merge.contactId,
      input_ids: JSON.stringify(merge.inputIds),
      input_claims: JSON.stringify(merge.inputClaims),
      result_fields: JSON.stringify(merge.resultFields),
      principal_id: merge.principalId,
      merged_at: merge.mergedAt,
    })
    .execute();
}

/** The merges that made the contacts, by the contact they made. */
export async function findMerges(
  db: Kysely<DB>,
  orgId: string,
  contactIds: readonly string[],
): Promise<Map<string, MergeRecord>> {
  if (contactIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('contact_merges')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('contact_id', 'in', contactIds)
    .execute();
  return new Map(
    rows.map((row) => [
      row.contact_id,
      {
        orgId: row.org_id,
        contactId: row.contact_id,
        inputIds: parseJson<string[]>(row.input_ids),
        inputClaims: parseJson<Record<string, Claim[]>>(row.input_claims),
        resultFields: parseJson<ContactFields>(row.result_fields),
        principalId: row.principal_id,
        mergedAt: row.merged_at,
      },
    ]),
  );
}

/** Gives the claims of some contacts to another (claims are keyed by identifier, not holder). */
export async function moveClaims(
  db: Kysely<DB>,
  orgId: string,
  fromIds: readonly string[],
  toId: string,
): Promise<void> {
  if (fromIds.length === 0) return;
  await db
    .updateTable('claims')
    .set({ entity_id: toId })
    .where('org_id', '=', orgId)
    .where('entity_type', '=', 'contact')
    .where('entity_id', 'in', fromIds)
    .execute();
}

/**
 * Marks contacts merged into `toId`: their rows stay as they were, without search keys or contact
 * points, so that nothing but their id finds them. Only contacts not merged yet are marked.
 * @returns false when one was merged meanwhile (a concurrent merge): nothing must be kept.
 */
export async function markMerged(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
  toId: string,
): Promise<boolean> {
  if (ids.length === 0) return true;
  const marked = await db
    .updateTable('contacts')
    .set({ merged_to: toId, first_name_key: null, last_name_key: null, full_name_key: null })
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .where('merged_to', 'is', null)
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== ids.length) return false;
  await db
    .deleteFrom('contact_points')
    .where('org_id', '=', orgId)
    .where('contact_id', 'in', ids)
    .execute();
  return true;
}

/**
 * Forgets a merge, for unmerge.
 * @returns false when it was forgotten already (a concurrent unmerge).
 */
export async function deleteMerge(
  db: Kysely<DB>,
  orgId: string,
  contactId: string,
): Promise<boolean> {
  const deleted = await db
    .deleteFrom('contact_merges')
    .where('org_id', '=', orgId)
    .where('contact_id', '=', contactId)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

/** Moves what was added to a contact (notes, interactions, reviews) to another. */
export async function moveContactHistory(
  db: Kysely<DB>,
  orgId: string,
  fromId: string,
  toId: string,
): Promise<void> {
  await db
    .updateTable('notes')
    .set({ entity_id: toId })
    .where('org_id', '=', orgId)
    .where('entity_type', '=', 'contact')
    .where('entity_id', '=', fromId)
    .execute();
  await db
    .updateTable('resolution_reviews')
    .set({ contact_id: toId })
    .where('org_id', '=', orgId)
    .where('contact_id', '=', fromId)
    .execute();
}
