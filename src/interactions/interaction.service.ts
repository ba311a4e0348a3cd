import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { badRequest, missingPermissions } from '../errors/app-error.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { recordChanges } from '../events/change.repository.js';
import { contactTopic, type Change } from '../events/change.js';
import { getContact } from '../contacts/contact.service.js';
import { mergedAncestors } from '../merge/merge.service.js';
import { renewContact } from '../contacts/contact.repository.js';
import { expires, seenHour } from '../retention/retention.js';
import type { Channel } from '../resolution/resolution.js';
import {
  deleteInteractions,
  findConversationInteractions,
  insertInteractions,
  listInteractions,
  reassignInteractions,
  type InteractionPosition,
} from './interaction.repository.js';
import { toInteractionView, type Interaction } from './interaction.js';

const ASSOCIATE = 'externalContacts:conversation:associate';
export const MAX_INTERACTION_PAGE = 200;
export const DEFAULT_INTERACTION_PAGE = 25;

function positionCursor(interaction: Interaction, scope: string): string {
  return encodeCursor(JSON.stringify([interaction.occurredAt, interaction.id]), scope);
}

function positionOf(cursor: string, scope: string): InteractionPosition {
  const decoded = decodeCursor(cursor, scope);
  const [occurredAt, id] = JSON.parse(decoded) as [string, string];
  return { occurredAt, id };
}

/** `pageSize` as the SDK sends it (a string), checked. @throws AppError 400 out of range. */
export function checkInteractionPageSize(pageSize: string | number | undefined): number {
  if (pageSize === undefined || pageSize === '') return DEFAULT_INTERACTION_PAGE;
  const size = Number(pageSize);
  if (!Number.isInteger(size) || size < 1 || size > MAX_INTERACTION_PAGE)
    throw badRequest(
      `pageSize must be a whole number from 1 to ${MAX_INTERACTION_PAGE}, got ${pageSize}`,
      'pageSize',
    );
  return size;
}

/**
 * The single customer view: a contact's interactions across every channel, newest first, a
 * page at a time (`after` is the cursor of the previous page). `includeMerged` adds those of the
 * contacts merged into it.
 * @throws AppError 404 for a contact the principal cannot see, 400 for a bad cursor or size.
 */
export async function listContactInteractions(
  db: Kysely<DB>,
  principal: Principal,
  contactId: string,
  request: {
    pageSize?: string | number | undefined;
    after?: string | undefined;
    includeMerged?: boolean | undefined;
  },
): Promise<{ interactions: Interaction[]; next?: string }> {
  const contact = await getContact(db, principal, contactId);
  const limit = checkInteractionPageSize(request.pageSize);
  const merged = request.includeMerged === true;
  // A position in time: the same cursor serves the listing with or without the merged contacts.
  const scope = `interactions:${contact.id}`;
  const after =
    request.after === undefined || request.after === ''
      ? undefined
      : positionOf(request.after, scope);
  const ids = merged ? await mergedAncestors(db, contact) : [contact.id];
  const page = await listInteractions(db, principal.orgId, ids, after, limit + 1);
  const interactions = page.slice(0, limit);
  const last = interactions[interactions.length - 1];
  return page.length > limit && last !== undefined
    ? { interactions, next: positionCursor(last, scope) }
    : { interactions };
}

/** The channel a Genesys media type stands for, for interactions associated by hand. */
export function channelOfMediaType(mediaType: string): Channel {
  const media = mediaType.trim().toLowerCase();
  if (media === 'email') return 'email';
  if (media === 'sms') return 'sms';
  if (['chat', 'webchat', 'message', 'messaging', 'webmessaging'].includes(media))
    return 'webmessaging';
  if (media === 'openmessaging' || media === 'open') return 'openmessaging';
  for (const social of ['whatsapp', 'facebook', 'instagram', 'twitter', 'line', 'apple'] as const)
    if (media === social) return social;
  return 'voice';
}

export interface ConversationAssociationInput {
  externalContactId?: string | undefined;
  communicationId?: string | undefined;
  mediaType?: string | undefined;
}

function associationChange(
  principal: Principal,
  interaction: Interaction,
  what: 'associated' | 'dissociated',
): Change {
  return {
    orgId: interaction.orgId,
    topic: contactTopic(interaction.contactId),
    kind: 'interaction',
    entityType: 'contact',
    entityId: interaction.contactId,
    divisionId: interaction.divisionId,
    principal,
    before: what === 'dissociated' ? { interaction: toInteractionView(interaction) } : null,
    after:
      what === 'associated'
        ? { outcome: 'associated', interaction: toInteractionView(interaction) }
        : null,
  };
}

/**
 * `PUT /conversations/{id}`: with `externalContactId`, the conversation's interactions move to
 * that contact (one is recorded when it had none), which counts as a meaningful interaction and
 * renews an expiring contact; without it, the conversation's interactions are removed from their
 * contacts. Needs conversation:associate on every division involved.
 * @throws AppError 404 for a contact the principal cannot see; 403 without the permission.
 */
export async function associateConversation(
  db: Kysely<DB>,
  principal: Principal,
  conversationId: string,
  input: ConversationAssociationInput,
): Promise<void> {
  const orgId = principal.orgId;
  await db.transaction().execute(async (trx) => {
    const existing = await findConversationInteractions(trx, orgId, conversationId);
    for (const interaction of existing)
      if (!canAccess(principal, ASSOCIATE, interaction.divisionId))
        throw missingPermissions([ASSOCIATE]);
    const contactId = input.externalContactId?.trim();
    if (contactId === undefined || contactId === '') {
      await deleteInteractions(
        trx,
        orgId,
        existing.map((i) => i.id),
      );
      await recordChanges(
        trx,
        existing.map((i) => associationChange(principal, i, 'dissociated')),
      );
      return;
    }
    const contact = await getContact(trx, principal, contactId);
    requireAccess(principal, ASSOCIATE, contact.divisionId);
    const now = nowIso();
    const moved = existing.filter((i) => i.contactId !== contact.id);
    await reassignInteractions(
      trx,
      orgId,
      moved.map((i) => i.id),
      contact.id,
      contact.divisionId,
    );
    const changes: Change[] = moved.flatMap((i) => [
      associationChange(principal, i, 'dissociated'),
      associationChange(
        principal,
        { ...i, contactId: contact.id, divisionId: contact.divisionId, outcome: 'associated' },
        'associated',
      ),
    ]);
    if (existing.length === 0) {
      const interaction: Interaction = {
        id: newId(),
        orgId,
        contactId: contact.id,
        divisionId: contact.divisionId,
        channel: channelOfMediaType(input.mediaType ?? ''),
        direction: 'inbound',
        authenticated: false,
        occurredAt: now,
        conversationId,
        communicationId: input.communicationId ?? null,
        mediaType: input.mediaType ?? null,
        outcome: 'associated',
        matched: null,
        candidates: null,
        identifiers: [],
        principalId: principal.id,
        createdAt: now,
      };
      await insertInteractions(trx, [interaction]);
      changes.push(associationChange(principal, interaction, 'associated'));
    }
    if (expires(contact.type)) await renewContact(trx, orgId, contact.id, seenHour(now));
    await recordChanges(trx, changes);
  });
}
