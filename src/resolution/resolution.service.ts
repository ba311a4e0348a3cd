import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, readFilter, type Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { AppError, badRequest, missingPermissions } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { Batcher } from '../common/batcher.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { recordChanges } from '../events/change.repository.js';
import { contactTopic, type Change } from '../events/change.js';
import { findDivision } from '../divisions/division.repository.js';
import { findExternalSource } from '../external-sources/external-source.repository.js';
import { cachedOrgSettings } from '../settings/settings.service.js';
import { deleteClaimsOf, insertFreeClaims, type Claim } from '../contacts/claim.repository.js';
import {
  deleteContactRow,
  findContactsByIdentifiers,
  insertContactPoints,
  insertSeenContacts,
  renewContact,
  type SeenContact,
} from '../contacts/contact.repository.js';
import {
  contactPoints,
  externalIdPointValue,
  type ContactPoint,
} from '../contacts/contact-points.js';
import { normalizeContactFields } from '../contacts/contact-validation.js';
import {
  isBlockedValue,
  isIdentifierType,
  normalizeIdentifierValue,
} from '../contacts/identifier.js';
import { DEFAULT_COUNTRY, toE164 } from '../contacts/phone.js';
import { toContactView, UNASSIGNED, type Contact } from '../contacts/contact.js';
import { insertInteractions } from '../interactions/interaction.repository.js';
import { toInteractionView, type Interaction } from '../interactions/interaction.js';
import { expires, occurredAtProblem, seenHour } from '../retention/retention.js';
import { insertReviews, type Review } from './review.repository.js';
import { cachedChannelSettings, checkChannel } from './resolution-settings.service.js';
import {
  chooseMatch,
  newContactInput,
  newContactType,
  prioritize,
  type Channel,
  type DroppedIdentifier,
  type InteractionIdentifier,
} from './resolution.js';

export const RESOLVE = 'externalContacts:identity:resolve';
export const MAX_INTERACTION_IDENTIFIERS = 25;

/** An interaction as `POST /identityresolution/interactions` receives it (SPEC §5). */
export interface InteractionInput {
  channel: string;
  divisionId?: string | undefined;
  conversationId?: string | undefined;
  communicationId?: string | undefined;
  mediaType?: string | undefined;
  direction?: 'inbound' | 'outbound' | undefined;
  identifiers: { type: string; value: string; externalSource?: { id?: string | undefined } }[];
  authenticated?: boolean | undefined;
  name?: string | undefined;
  occurredAt?: string | undefined;
}

export type ResolutionOutcome = 'linked' | 'created' | 'ambiguous' | 'skipped';

/** What resolution did with an interaction, and why. */
export interface ResolutionResult {
  outcome: ResolutionOutcome;
  contact?: Contact;
  matchedOn?: { type: string; value: string; via: 'claim' | 'contactPoint' };
  candidates: Contact[];
  interaction?: Interaction;
  reviewId?: string;
  /** Why the interaction was skipped. */
  reason?: string;
  /** Identifiers of the request that took no part, each with why. */
  dropped: DroppedIdentifier[];
}

/** The writes one resolution needs, decided from what the database held when it was read. */
interface WritePlan {
  readonly principal: Principal;
  readonly interaction: Interaction;
  /** Set for a new contact; the link to an existing one otherwise. */
  readonly created?: SeenContact;
  readonly linked?: SeenContact;
  readonly seenAt: string;
  readonly claims: Claim[];
  /** The contact points of a new contact. */
  readonly points: ContactPoint[];
  readonly review?: Review;
  readonly result: ResolutionResult;
}

/** A plan whose claims were taken by a concurrent resolution: it must be decided again. */
const RETRY = Symbol('retry');
/** A plan that failed on its own: its request gets the error. */
interface Failed {
  readonly failed: unknown;
}
type Applied = ResolutionResult | typeof RETRY | Failed;

function claimOf(
  orgId: string,
  contact: Contact,
  identifier: InteractionIdentifier,
  at: string,
): Claim {
  return {
    orgId,
    entityType: 'contact',
    divisionKey: contact.divisionId ?? UNASSIGNED,
    type: identifier.type,
    sourceKey: identifier.sourceKey,
    value: identifier.value,
    entityId: contact.id,
    createdAt: at,
  };
}

/** A claim and its holder: whether this contact, not just someone, took it. */
function claimKey(c: Claim): string {
  return [c.entityType, c.divisionKey, c.type, c.sourceKey, c.value, c.entityId].join('\u0000');
}

/**
 * Normalizes the identifiers of an interaction for matching. Phones may come in any format a
 * telephony system sends (national numbers in the default country); an ExternalId takes the
 * channel's external source when it names none. Junk values and malformed ones are dropped,
 * each with the reason.
 */
async function normalizeIdentifiers(
  db: Kysely<DB>,
  orgId: string,
  input: InteractionInput['identifiers'],
  channelSourceId: string | null,
  blocklist: readonly string[],
): Promise<{ identifiers: InteractionIdentifier[]; dropped: DroppedIdentifier[] }> {
  const identifiers: InteractionIdentifier[] = [];
  const dropped: DroppedIdentifier[] = [];
  const knownSources = new Map<string, boolean>();
  for (const { type, value, externalSource } of input) {
    if (!isIdentifierType(type)) {
      dropped.push({ type, value, reason: `"${type}" is not an identifier type` });
      continue;
    }
    let normalized: string | null;
    if (type === 'Phone') {
      normalized = toE164(value, DEFAULT_COUNTRY);
      if (normalized === null) {
        dropped.push({ type, value, reason: 'not a valid phone number' });
        continue;
      }
    } else {
      const checked = normalizeIdentifierValue(type, value);
      if (!checked.ok) {
        dropped.push({ type, value, reason: checked.message });
        continue;
      }
      normalized = checked.value;
    }
    if (isBlockedValue(type, normalized, blocklist)) {
      dropped.push({ type, value, reason: "on the organization's blocklist of junk values" });
      continue;
    }
    let sourceKey = '';
    if (type === 'ExternalId') {
      const source = externalSource?.id?.trim() || channelSourceId;
      if (source === null || source === undefined || source === '') {
        dropped.push({
          type,
          value,
          reason:
            "an ExternalId needs an externalSource, in the identifier or in the channel's settings",
        });
        continue;
      }
      if (!knownSources.has(source))
        knownSources.set(source, (await findExternalSource(db, orgId, source)) !== undefined);
      if (knownSources.get(source) !== true) {
        dropped.push({ type, value, reason: `external source ${source} does not exist` });
        continue;
      }
      sourceKey = source;
    }
    identifiers.push({ type, value: normalized, sourceKey });
  }
  return { identifiers, dropped };
}

function skipped(reason: string, dropped: DroppedIdentifier[]): ResolutionResult {
  return { outcome: 'skipped', reason, candidates: [], dropped };
}

/**
 * Reads what resolving the interaction needs and decides it (SPEC §5): which contact it links
 * to, or the contact it creates, and the writes either takes. Nothing is written here.
 * @throws AppError 400 for a malformed interaction, 403 without resolve permission.
 */
async function planResolution(
  db: Kysely<DB>,
  principal: Principal,
  input: InteractionInput,
): Promise<WritePlan | ResolutionResult> {
  requirePermission(principal, RESOLVE);
  const channel: Channel = checkChannel(input.channel);
  const now = Date.now();
  const occurredAt = input.occurredAt ?? new Date(now).toISOString();
  const problem = occurredAtProblem(occurredAt, now);
  if (problem !== null) throw badRequest(problem, 'occurredAt');
  if (input.identifiers.length > MAX_INTERACTION_IDENTIFIERS)
    throw badRequest(
      `identifiers holds at most ${MAX_INTERACTION_IDENTIFIERS} identifiers`,
      'identifiers',
    );
  const orgId = principal.orgId;
  const [org, settings] = await Promise.all([
    cachedOrgSettings(db, orgId),
    cachedChannelSettings(db, orgId, channel),
  ]);
  const normalized = await normalizeIdentifiers(
    db,
    orgId,
    input.identifiers,
    settings.externalSourceId,
    org.blocklist,
  );
  const authenticated = input.authenticated === true;
  const { ordered, dropped: unused } = prioritize(channel, normalized.identifiers, authenticated);
  const dropped = [...normalized.dropped, ...unused];
  if (!settings.resolveIdentities)
    return skipped(`identity resolution is off for the ${channel} channel`, dropped);
  if (ordered.length === 0)
    return skipped('the interaction carries no identifier this channel matches on', dropped);

  const requested = input.divisionId?.trim();
  const divisionId =
    requested === undefined || requested === ''
      ? settings.divisionId
      : requested === UNASSIGNED
        ? null
        : requested;
  if (divisionId !== null && divisionId !== settings.divisionId) {
    if (!(await findDivision(db, orgId, divisionId)))
      throw badRequest(`Division ${divisionId} does not exist`, 'divisionId');
  }
  const filter = readFilter(principal, RESOLVE);
  if (filter === null) throw missingPermissions([RESOLVE]);

  const { matches, contacts } = await findContactsByIdentifiers(
    db,
    orgId,
    ordered.map((i) => ({
      type: i.type,
      sourceKey: i.sourceKey,
      value: i.value,
      point:
        i.type === 'ExternalId'
          ? { kind: 'ExternalId', value: externalIdPointValue(i.sourceKey, i.value) }
          : { kind: i.type, value: i.value },
    })),
    filter,
  );
  const choice = chooseMatch(ordered.length, matches);
  const at = nowIso();
  const seenAt = seenHour(occurredAt);
  const interaction: Interaction = {
    id: newId(),
    orgId,
    contactId: '',
    divisionId: null,
    channel,
    direction: input.direction ?? 'inbound',
    authenticated,
    occurredAt: new Date(Date.parse(occurredAt)).toISOString(),
    conversationId: input.conversationId ?? null,
    communicationId: input.communicationId ?? null,
    mediaType: input.mediaType ?? null,
    outcome: 'created',
    matched: null,
    candidates: null,
    identifiers: ordered.map((i) =>
      i.sourceKey === ''
        ? { type: i.type, value: i.value }
        : { type: i.type, value: i.value, externalSourceId: i.sourceKey },
    ),
    principalId: principal.id,
    createdAt: at,
  };

  if (choice.kind === 'none') {
    if (!settings.createContacts)
      return skipped(
        `no contact matches, and the ${channel} channel's settings create none`,
        dropped,
      );
    if (!canAccess(principal, RESOLVE, divisionId)) throw missingPermissions([RESOLVE]);
    const fields = normalizeContactFields(newContactInput(ordered, input.name), DEFAULT_COUNTRY);
    const contact: Contact = {
      id: newId(),
      orgId,
      divisionId,
      type: newContactType(ordered, authenticated),
      fields,
      version: 1,
      createDate: at,
      modifyDate: at,
    };
    const created = { contact, lastSeenAt: seenAt };
    return {
      principal,
      interaction: { ...interaction, contactId: contact.id, divisionId },
      created,
      seenAt,
      claims: ordered.map((i) => claimOf(orgId, contact, i, at)),
      points: contactPoints(fields, org.blocklist),
      result: {
        outcome: 'created',
        contact,
        candidates: [],
        dropped,
      },
    };
  }

  const contactId = choice.kind === 'single' ? choice.contactId : (choice.contactIds[0] as string);
  const linked = contacts.get(contactId) as SeenContact;
  const identifier = ordered[choice.index] as InteractionIdentifier;
  const matchedOn = { type: identifier.type, value: identifier.value, via: choice.via };
  const candidates =
    choice.kind === 'several'
      ? choice.contactIds.map((id) => (contacts.get(id) as SeenContact).contact)
      : [];
  const linkedInteraction: Interaction = {
    ...interaction,
    contactId,
    divisionId: linked.contact.divisionId,
    outcome: choice.kind === 'single' ? 'linked' : 'ambiguous',
    matched: matchedOn,
    candidates: choice.kind === 'several' ? choice.contactIds : null,
  };
  const review: Review | undefined =
    choice.kind === 'several'
      ? {
          id: newId(),
          orgId,
          interactionId: interaction.id,
          contactId,
          divisionId: linked.contact.divisionId,
          reason: `${identifier.type} ${identifier.value} matches ${choice.contactIds.length} contacts (${choice.via === 'claim' ? 'claimed in several divisions' : 'as a contact point'}); the interaction went to the first-created`,
          matchedOn,
          candidates: choice.contactIds,
          status: 'open',
          resolution: null,
          resolvedBy: null,
          createdAt: at,
          resolvedAt: null,
        }
      : undefined;
  // The contact claims the interaction's identifiers nobody claims yet (in its division); an
  // ambiguous link claims nothing, so that a guess does not become the rule for next time.
  const claimed = new Set(
    matches.filter((m) => m.via === 'claim' && m.contactId === contactId).map((m) => m.index),
  );
  const claims =
    choice.kind === 'several'
      ? []
      : ordered
          .filter((_, index) => !claimed.has(index))
          .map((i) => claimOf(orgId, linked.contact, i, at));
  return {
    principal,
    interaction: linkedInteraction,
    linked,
    seenAt,
    claims,
    points: [],
    ...(review === undefined ? {} : { review }),
    result: {
      outcome: choice.kind === 'single' ? 'linked' : 'ambiguous',
      contact: linked.contact,
      matchedOn,
      candidates,
      ...(review === undefined ? {} : { reviewId: review.id }),
      dropped,
    },
  };
}

function interactionChange(plan: WritePlan): Change {
  const { interaction } = plan;
  return {
    orgId: interaction.orgId,
    topic: contactTopic(interaction.contactId),
    kind: 'interaction',
    entityType: 'contact',
    entityId: interaction.contactId,
    divisionId: interaction.divisionId,
    principal: plan.principal,
    audited: false,
    before: null,
    after: {
      outcome: plan.result.outcome,
      interaction: toInteractionView(interaction),
      ...(plan.review === undefined ? {} : { reviewId: plan.review.id }),
    },
  };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Claims sorted by their key: concurrent batches then lock them in the same order. */
function inKeyOrder(claims: readonly Claim[]): Claim[] {
  return claims
    .map((claim) => ({ claim, key: claimKey(claim) }))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((c) => c.claim);
}

/**
 * Writes the plans of a batch in one transaction, a statement per table for all of them: new
 * contacts, then their claims (a claim already held means a concurrent resolution made the
 * contact first: that plan's contact is removed again and the plan decided anew), renewals,
 * claims of linked contacts, contact points, interactions, reviews and events.
 */
async function applyPlans(trx: Kysely<DB>, plans: readonly WritePlan[]): Promise<Applied[]> {
  const creations = plans.filter((p) => p.created !== undefined);
  await insertSeenContacts(
    trx,
    creations.map((p) => p.created as SeenContact),
  );
  const taken = new Set(
    (await insertFreeClaims(trx, inKeyOrder(creations.flatMap((p) => p.claims)))).map(claimKey),
  );
  const lost = new Set<WritePlan>();
  for (const plan of creations) {
    if (plan.claims.every((c) => taken.has(claimKey(c)))) continue;
    lost.add(plan);
    const { contact } = plan.created as SeenContact;
    await deleteClaimsOf(trx, contact.orgId, 'contact', contact.id);
    await deleteContactRow(trx, contact.orgId, contact.id);
  }
  const gone = new Set<WritePlan>();
  const renewing = plans
    .filter((p) => p.linked !== undefined)
    .sort((a, b) => compareKeys(a.interaction.contactId, b.interaction.contactId));
  for (const plan of renewing) {
    const linked = plan.linked;
    if (linked === undefined || !expires(linked.contact.type)) continue;
    if (linked.lastSeenAt !== null && linked.lastSeenAt >= plan.seenAt) continue;
    if (!(await renewContact(trx, linked.contact.orgId, linked.contact.id, plan.seenAt)))
      gone.add(plan);
  }
  const written = plans.filter((p) => !lost.has(p) && !gone.has(p));
  await insertFreeClaims(
    trx,
    inKeyOrder(written.filter((p) => p.linked !== undefined).flatMap((p) => p.claims)),
  );
  await insertContactPoints(
    trx,
    written.flatMap((p) =>
      p.created === undefined
        ? []
        : p.points.map((point) => ({
            orgId: p.interaction.orgId,
            contactId: p.interaction.contactId,
            point,
          })),
    ),
  );
  await insertInteractions(
    trx,
    written.map((p) => p.interaction),
  );
  await insertReviews(
    trx,
    written.flatMap((p) => (p.review === undefined ? [] : [p.review])),
  );
  await recordChanges(
    trx,
    written.flatMap((p) => {
      const changes: Change[] = [];
      if (p.created !== undefined) {
        const contact = p.created.contact;
        changes.push({
          orgId: contact.orgId,
          topic: contactTopic(contact.id),
          kind: 'created',
          entityType: 'contact',
          entityId: contact.id,
          divisionId: contact.divisionId,
          principal: p.principal,
          before: null,
          after: toContactView(contact),
        });
      }
      changes.push(interactionChange(p));
      return changes;
    }),
  );
  return plans.map((p) =>
    lost.has(p) || gone.has(p) ? RETRY : { ...p.result, interaction: p.interaction },
  );
}

const ATTEMPTS = 4;

/**
 * Resolves interactions to contacts (SPEC §5). The writes of concurrent resolutions share one
 * transaction (a Batcher), so a busy contact center pays one commit for many interactions.
 * Correctness does not rest on the batching: two resolutions that both decide to create a
 * contact for the same new identifier race for its claim, which the database lets only one of
 * them win, also across processes; the loser removes its contact and resolves again, finding
 * the winner's.
 */
export class Resolver {
  private readonly batcher: Batcher<WritePlan, Applied>;

  constructor(private readonly db: Kysely<DB>) {
    this.batcher = new Batcher((plans) => this.write(plans));
  }

  async resolve(principal: Principal, input: InteractionInput): Promise<ResolutionResult> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const plan = await planResolution(this.db, principal, input);
      if (!('result' in plan)) return plan;
      const applied = await this.batcher.submit(plan);
      if (applied === RETRY) continue;
      if ('failed' in applied) throw applied.failed;
      return applied;
    }
    throw new AppError(
      ErrorCode.serviceUnavailable,
      'The interaction kept meeting concurrent changes to the same contacts; send it again',
      503,
    );
  }

  /**
   * One transaction for the batch; if it fails (a contact deleted under a link breaks its
   * foreign key), each plan is written alone, so that one plan cannot fail the others.
   */
  private async write(plans: WritePlan[]): Promise<Applied[]> {
    try {
      return await this.db.transaction().execute((trx) => applyPlans(trx, plans));
    } catch (error) {
      if (plans.length > 1)
        return Promise.all(plans.map(async (plan) => (await this.write([plan]))[0] as Applied));
      return [isForeignKeyViolation(error) || isDeadlock(error) ? RETRY : { failed: error }];
    }
  }
}

/**
 * PostgreSQL broke a deadlock by failing this transaction. Two Kith processes sharing the
 * database write batches at the same time; batches take their locks table by table in key
 * order, which makes a deadlock between them rare (a claim one batch makes for a new contact
 * while the other links the same identifier can still close a cycle), and an import or an edit
 * may lock the same rows in another order. Resolving again is then safe.
 */
function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '40P01';
}

function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
