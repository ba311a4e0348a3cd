import { insertRows } from '../db/compiled.js';
import type { Kysely } from 'kysely';
import type { DB, InteractionTable } from '../db/schema.js';
import { parseJson, parseJsonOrNull } from '../common/json.js';
import type { Channel } from '../resolution/resolution.js';
import type { Interaction, InteractionOutcome } from './interaction.js';

function rowToInteraction(row: InteractionTable): Interaction {
  return {
    id: row.id,
    orgId: row.org_id,
    contactId: row.contact_id,
    divisionId: row.division_id,
    channel: row.channel as Channel,
    direction: row.direction === 'outbound' ? 'outbound' : 'inbound',
    authenticated: row.authenticated === 1,
    occurredAt: row.occurred_at,
    conversationId: row.conversation_id,
    communicationId: row.communication_id,
    mediaType: row.media_type,
    outcome: row.outcome as InteractionOutcome,
    matched:
      row.matched_type === null || row.matched_value === null || row.matched_via === null
        ? null
        : {
            type: row.matched_type,
            value: row.matched_value,
            via: row.matched_via === 'claim' ? 'claim' : 'contactPoint',
          },
    candidates: parseJsonOrNull<string[]>(row.candidates),
    identifiers: parseJson<Interaction['identifiers']>(row.identifiers),
    principalId: row.principal_id,
    createdAt: row.created_at,
  };
}

function interactionToRow(i: Interaction): InteractionTable {
  return {
    org_id: i.orgId,
    id: i.id,
    contact_id: i.contactId,
    division_id: i.divisionId,
    channel: i.channel,
    direction: i.direction,
    authenticated: i.authenticated ? 1 : 0,
    occurred_at: i.occurredAt,
    conversation_id: i.conversationId,
    communication_id: i.communicationId,
    media_type: i.mediaType,
    outcome: i.outcome,
    matched_type: i.matched?.type ?? null,
    matched_value: i.matched?.value ?? null,
    matched_via: i.matched?.via ?? null,
    candidates: i.candidates === null ? null : JSON.stringify(i.candidates),
    identifiers: JSON.stringify(i.identifiers),
    principal_id: i.principalId,
    created_at: i.createdAt,
  };
}

/** Inserts interactions in one statement; their contacts must exist. */
export async function insertInteractions(
  db: Kysely<DB>,
  interactions: readonly Interaction[],
): Promise<void> {
  if (interactions.length === 0) return;
  await insertRows(db, 'interactions', interactions.map(interactionToRow));
}

/** Where a page of interactions ends: the next page starts after it. */
export interface InteractionPosition {
  readonly occurredAt: string;
  readonly id: string;
}

/** Interactions of the contacts, newest first, after `after` when given. */
export async function listInteractions(
  db: Kysely<DB>,
  orgId: string,
  contactIds: readonly string[],
  after: InteractionPosition | undefined,
  limit: number,
): Promise<Interaction[]> {
  if (contactIds.length === 0) return [];
  let query = db
    .selectFrom('interactions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('contact_id', 'in', contactIds);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('occurred_at', '<', after.occurredAt),
        eb.and([eb('occurred_at', '=', after.occurredAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(rowToInteraction);
}

export async function findConversationInteractions(
  db: Kysely<DB>,
  orgId: string,
  conversationId: string,
): Promise<Interaction[]> {
  const rows = await db
    .selectFrom('interactions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('conversation_id', '=', conversationId)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
  return rows.map(rowToInteraction);
}

/** Moves interactions to another contact, as a hand association does. */
export async function reassignInteractions(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
  contactId: string,
  divisionId: string | null,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('interactions')
    .set({ contact_id: contactId, division_id: divisionId, outcome: 'associated' })
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
}

export async function deleteInteractions(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('interactions').where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

/** Moves interactions to another contact, as they were (unmerge hands them back). */
export async function moveInteractions(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
  contactId: string,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('interactions')
    .set({ contact_id: contactId })
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
}

export async function findInteraction(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Interaction | undefined> {
  const row = await db
    .selectFrom('interactions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToInteraction(row);
}
