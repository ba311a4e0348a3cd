import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { canAccess, type Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { AppError, badRequest, conflict, notFound } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { recordChanges } from '../events/change.repository.js';
import { contactTopic, type Change } from '../events/change.js';
import { loadBlocklist } from '../settings/org-settings.repository.js';
import {
  deleteClaimsOf,
  insertFreeClaims,
  listClaimsOf,
  type Claim,
} from '../contacts/claim.repository.js';
import {
  deleteContactRow,
  findContact,
  findContacts,
  insertContact,
  unmarkMerged,
} from '../contacts/contact.repository.js';
import { contactPoints } from '../contacts/contact-points.js';
import { normalizeContactFields, type ContactInput } from '../contacts/contact-validation.js';
import { DEFAULT_COUNTRY } from '../contacts/phone.js';
import { checkReferences, getContact, VIEW } from '../contacts/contact.service.js';
import {
  toContactView,
  type Contact,
  type ContactFields,
  type MergeLinks,
} from '../contacts/contact.js';
import { listInteractions, moveInteractions } from '../interactions/interaction.repository.js';
import {
  byRecency,
  changedFields,
  MAX_MERGE_INPUTS,
  MAX_MERGE_SET,
  mergeProblem,
  reconcile,
  type FieldSources,
} from './merge.js';
import {
  deleteMerge,
  findMerges,
  insertMerge,
  markMerged,
  moveClaims,
  moveContactHistory,
  type MergeRecord,
} from './merge.repository.js';

export const MERGE = 'externalContacts:identity:merge';

/** What a merge made, or (dry run) would make. */
export interface MergeOutcome {
  readonly contact: Contact;
  readonly links: MergeLinks;
  /** The input (or `valueOverride`) each field came from. */
  readonly sources: FieldSources;
  /** Values that found no free slot, by field. */
  readonly dropped: Record<string, unknown[]>;
  readonly dryRun: boolean;
}

/**
 * Every contact of the trees under `rootIds` (each root first), following the merges that made
 * them: one query a level of the trees, whatever their number.
 */
async function subtrees(
  db: Kysely<DB>,
  orgId: string,
  rootIds: readonly string[],
): Promise<Map<string, string[]>> {
  const trees = new Map(rootIds.map((id) => [id, [id]]));
  let frontier = rootIds.map((id) => ({ id, root: id }));
  for (let level = 0; frontier.length > 0 && level < MAX_MERGE_SET; level += 1) {
    const merges = await findMerges(
      db,
      orgId,
      frontier.map((f) => f.id),
    );
    frontier = frontier.flatMap(({ id, root }) =>
      (merges.get(id)?.inputIds ?? []).map((input) => ({ id: input, root })),
    );
    for (const { id, root } of frontier) trees.get(root)?.push(id);
  }
  return trees;
}

async function subtree(db: Kysely<DB>, orgId: string, rootId: string): Promise<string[]> {
  return (await subtrees(db, orgId, [rootId])).get(rootId) ?? [rootId];
}

/** The head of the tree a contact belongs to: itself unless it was merged away. */
async function headOf(db: Kysely<DB>, contact: Contact): Promise<Contact> {
  let current = contact;
  for (let hop = 0; current.mergedTo !== undefined && hop < MAX_MERGE_SET; hop += 1) {
    const next = await findContact(db, contact.orgId, current.mergedTo);
    if (next === undefined) break;
    current = next;
  }
  return current;
}

/**
 * The merge links of the contacts that take part in a merge (the Genesys `canonicalContact`,
 * `mergeSet`, `mergedFrom`, `mergedTo`). Only a Canonical contact can have been made by a merge
 * and only a merged-away one has a head elsewhere, so for other contacts this reads nothing.
 */
export async function mergeLinksOf(
  db: Kysely<DB>,
  orgId: string,
  contacts: readonly Contact[],
): Promise<Map<string, MergeLinks>> {
  const links = new Map<string, MergeLinks>();
  const involved = contacts.filter((c) => c.type === 'Canonical' || c.mergedTo !== undefined);
  if (involved.length === 0) return links;
  const merges = await findMerges(
    db,
    orgId,
    involved.map((c) => c.id),
  );
  const parts = involved.filter((c) => merges.has(c.id) || c.mergedTo !== undefined);
  const heads = new Map<string, string>();
  for (const contact of parts) heads.set(contact.id, (await headOf(db, contact)).id);
  const trees = await subtrees(db, orgId, [...new Set(heads.values())]);
  for (const contact of parts) {
    const head = heads.get(contact.id) as string;
    const made = merges.get(contact.id);
    links.set(contact.id, {
      canonicalContactId: head,
      mergeSet: trees.get(head) ?? [head],
      mergedFrom: made?.inputIds ?? [],
      ...(contact.mergedTo === undefined ? {} : { mergedTo: contact.mergedTo }),
    });
  }
  return links;
}

/** The ids whose notes and interactions a contact's views include with the merge set. */
export async function mergedAncestors(
  db: Kysely<DB>,
  contact: Contact,
): Promise<readonly string[]> {
  return contact.type === 'Canonical' ? subtree(db, contact.orgId, contact.id) : [contact.id];
}

function checkContactIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.length < 2 || ids.length > MAX_MERGE_INPUTS)
    throw badRequest(
      `contactIds must list 2 to ${MAX_MERGE_INPUTS} contacts to merge${Array.isArray(ids) ? `, got ${ids.length}` : ''}`,
      'contactIds',
    );
  const trimmed = ids.map((id, k) => {
    if (typeof id !== 'string' || id.trim() === '')
      throw badRequest(`contactIds[${k}] must be a contact id`, `contactIds[${k}]`);
    return id.trim();
  });
  const repeated = trimmed.find((id, k) => trimmed.indexOf(id) !== k);
  if (repeated !== undefined)
    throw badRequest(`contactIds lists ${repeated} twice; a contact merges once`, 'contactIds');
  return trimmed;
}

function mergeChange(
  principal: Principal,
  contact: Contact,
  before: Contact | null,
  after: Contact | null,
  links?: MergeLinks,
  kind: 'merged' | 'unmerged' = 'merged',
): Change {
  return {
    orgId: contact.orgId,
    topic: contactTopic(contact.id),
    kind,
    entityType: 'contact',
    entityId: contact.id,
    divisionId: contact.divisionId,
    principal,
    before: before && toContactView(before),
    after: after && toContactView(after, links === undefined ? {} : { merge: links }),
  };
}

/**
 * Merges 2–25 contacts of any type into a new Canonical contact (SPEC §6): the inputs stay as
 * history with `mergedTo`, leave list, search and lookups, and their identifier claims pass to
 * the new contact. With `dryRun` nothing is written and the answer is the contact the merge
 * would make, with the source of every field.
 * @throws AppError 400 for a bad list, inputs already merged or in different divisions, or a
 * merge set beyond 52; 403 without merge permission; 404 for a contact the principal cannot see.
 */
export async function mergeContacts(
  db: Kysely<DB>,
  principal: Principal,
  input: { contactIds: unknown; valueOverride?: ContactInput | undefined },
  options: { dryRun?: boolean } = {},
): Promise<MergeOutcome> {
  const ids = checkContactIds(input.contactIds);
  const override =
    input.valueOverride === undefined
      ? {}
      : normalizeContactFields(withoutNulls(input.valueOverride), DEFAULT_COUNTRY);
  const dryRun = options.dryRun === true;
  // A dry run reads inside a transaction too, so that it sees one state of the contacts.
  return db.transaction().execute((trx) => mergeWithin(trx, principal, ids, override, dryRun));
}

/** mergeContacts inside the caller's transaction, for the ids checked and the override normalized. */
export async function mergeWithin(
  trx: Kysely<DB>,
  principal: Principal,
  ids: readonly string[],
  override: ContactFields,
  dryRun: boolean,
): Promise<MergeOutcome> {
  const found = new Map((await findContacts(trx, principal.orgId, ids)).map((c) => [c.id, c]));
  const inputs = ids.map((id) => {
    const contact = found.get(id);
    // One the principal cannot see answers 404 like a missing one, as getContact does.
    if (contact === undefined || !canAccess(principal, VIEW, contact.divisionId))
      throw notFound('External contact', id);
    return contact;
  });
  const problem = mergeProblem(inputs);
  if (problem !== null) throw badRequest(problem.message, problem.field);
  const divisionId = (inputs[0] as Contact).divisionId;
  requireAccess(principal, MERGE, divisionId);
  const sets = await Promise.all(inputs.map((c) => mergedAncestors(trx, c)));
  const size = sets.reduce((n, s) => n + s.length, 1);
  if (size > MAX_MERGE_SET)
    throw badRequest(
      `The merge set would hold ${size} contacts; a merge set holds at most ${MAX_MERGE_SET}`,
      'contactIds',
    );
  await checkReferences(trx, principal, override);
  const { fields, sources, dropped } = reconcile(inputs, override);
  const at = nowIso();
  const contact: Contact = {
    id: newId(),
    orgId: principal.orgId,
    divisionId,
    type: 'Canonical',
    fields,
    version: 1,
    createDate: at,
    modifyDate: at,
  };
  const links: MergeLinks = {
    canonicalContactId: contact.id,
    mergeSet: [contact.id, ...sets.flat()],
    mergedFrom: ids,
  };
  if (dryRun) return { contact, links, sources, dropped, dryRun };

  const claims = await listClaimsOf(trx, principal.orgId, 'contact', ids);
  const inputClaims: Record<string, Claim[]> = Object.fromEntries(ids.map((id) => [id, []]));
  for (const claim of claims) inputClaims[claim.entityId]?.push(claim);
  const blocklist = await loadBlocklist(trx, principal.orgId);
  if (!(await markMerged(trx, principal.orgId, ids, contact.id)))
    throw conflict(
      `One of the contacts ${ids.join(', ')} was merged by another request at the same time; read them again`,
    );
  await insertContact(trx, contact, contactPoints(fields, blocklist));
  await moveClaims(trx, principal.orgId, ids, contact.id);
  await insertMerge(trx, {
    orgId: principal.orgId,
    contactId: contact.id,
    inputIds: ids,
    inputClaims,
    resultFields: fields,
    principalId: principal.id,
    mergedAt: at,
  });
  await recordChanges(trx, [
    mergeChange(principal, contact, null, contact, links),
    ...inputs.map((c) => mergeChange(principal, c, c, { ...c, mergedTo: contact.id })),
  ]);
  return { contact, links, sources, dropped, dryRun };
}

/** `valueOverride` fields sent as null are not overrides: they come from the inputs. */
function withoutNulls(input: ContactInput): ContactInput {
  return Object.fromEntries(
    Object.entries(input as Record<string, unknown>).filter(([, v]) => v !== null),
  );
}

/**
 * The deprecated `POST /merge/contacts {sourceContactId, targetContactId}`: the target must be
 * Curated or Canonical and two Curated contacts cannot be merged this way. The result is the
 * same new Canonical contact, the target's values taking precedence.
 */
export async function mergeSourceIntoTarget(
  db: Kysely<DB>,
  principal: Principal,
  input: { sourceContactId: string; targetContactId: string },
): Promise<MergeOutcome> {
  const sourceId = input.sourceContactId.trim();
  const targetId = input.targetContactId.trim();
  if (sourceId === targetId)
    throw badRequest(
      'sourceContactId and targetContactId name the same contact',
      'sourceContactId',
    );
  const [source, target] = await Promise.all([
    getContact(db, principal, sourceId),
    getContact(db, principal, targetId),
  ]);
  if (target.type !== 'Curated' && target.type !== 'Canonical')
    throw badRequest(
      `The target of a merge must be a Curated or Canonical contact; ${target.id} is ${target.type}. POST /api/v2/externalcontacts/contacts/merge merges contacts of any type`,
      'targetContactId',
    );
  if (source.type === 'Curated' && target.type === 'Curated')
    throw badRequest(
      'Two Curated contacts cannot be merged with /merge/contacts; POST /api/v2/externalcontacts/contacts/merge merges them',
      'sourceContactId',
    );
  return mergeContacts(db, principal, {
    contactIds: [targetId, sourceId],
    valueOverride: target.fields as ContactInput,
  });
}

/** A change made to a merged contact since its merge, which unmerge would undo. */
export interface LaterChange {
  readonly kind: 'field' | 'claimAdded' | 'claimReleased';
  readonly name: string;
}

function claimName(c: Claim): string {
  return `${c.type} ${c.value}${c.sourceKey === '' ? '' : ` (${c.sourceKey})`}`;
}

function claimIdentity(c: Claim): string {
  return [c.type, c.sourceKey, c.value, c.divisionKey].join('\u0000');
}

function laterChanges(
  current: Contact,
  merge: MergeRecord,
  claims: readonly Claim[],
): LaterChange[] {
  const changes: LaterChange[] = changedFields(merge.resultFields, current.fields).map((name) => ({
    kind: 'field' as const,
    name,
  }));
  const before = Object.values(merge.inputClaims).flat();
  const held = new Set(before.map(claimIdentity));
  const now = new Set(claims.map(claimIdentity));
  for (const c of claims)
    if (!held.has(claimIdentity(c))) changes.push({ kind: 'claimAdded', name: claimName(c) });
  for (const c of before)
    if (!now.has(claimIdentity(c))) changes.push({ kind: 'claimReleased', name: claimName(c) });
  return changes;
}

function describeChange(change: LaterChange): string {
  return change.kind === 'field'
    ? `${change.name} edited`
    : change.kind === 'claimAdded'
      ? `identifier ${change.name} claimed`
      : `identifier ${change.name} released`;
}

/**
 * Undoes the merge that made a contact (SPEC §6, beyond Genesys): every input comes back exactly
 * as it was before the merge, its identifier claims included, and the merged contact is removed.
 * Notes and interactions added to the merged contact since go to the input that holds the
 * identifier they matched on, else to the most recently modified input. Changes made to the
 * merged contact since (fields edited, identifiers claimed or released) would be lost: they are
 * a 409 listing them, unless `discardChanges`.
 * @returns the restored inputs, in the order they were merged.
 * @throws AppError 400 for a contact no merge made; 409 for a contact merged again since, or
 * for later changes.
 */
export async function unmergeContact(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  options: { discardChanges?: boolean } = {},
): Promise<Contact[]> {
  return db.transaction().execute(async (trx) => {
    const merged = await getContact(trx, principal, id);
    requireAccess(principal, MERGE, merged.divisionId);
    if (merged.mergedTo !== undefined)
      throw conflict(
        `Contact ${id} was merged into ${merged.mergedTo} since; unmerge ${merged.mergedTo} first`,
      );
    const merge = (await findMerges(trx, principal.orgId, [id])).get(id);
    if (merge === undefined)
      throw badRequest(`Contact ${id} was not made by a merge: there is nothing to unmerge`);
    const orgId = principal.orgId;
    const claims = await listClaimsOf(trx, orgId, 'contact', [id]);
    const changes = laterChanges(merged, merge, claims);
    if (changes.length > 0 && options.discardChanges !== true)
      throw new AppError(
        ErrorCode.conflict,
        `Contact ${id} changed since the merge (${changes.map(describeChange).join('; ')}); unmerging would lose that. Unmerge with discardChanges=true to drop these changes`,
        409,
        changes.map((c) => ({ errorCode: c.kind, fieldName: c.name })),
      );

    if (!(await deleteMerge(trx, orgId, id)))
      throw conflict(`Contact ${id} was unmerged by another request at the same time`);
    const stored = new Map((await findContacts(trx, orgId, merge.inputIds)).map((c) => [c.id, c]));
    const inputs = merge.inputIds.map((inputId) => {
      const input = stored.get(inputId);
      if (input === undefined) throw new Error(`merge of ${id}: input ${inputId} is missing`);
      return input;
    });
    await deleteClaimsOf(trx, orgId, 'contact', id);
    await insertFreeClaims(trx, Object.values(merge.inputClaims).flat());
    const blocklist = await loadBlocklist(trx, orgId);
    const restored = inputs.map(({ mergedTo: _mergedTo, ...input }) => input);
    for (const input of restored)
      await unmarkMerged(trx, input, contactPoints(input.fields, blocklist));

    // What arrived on the merged contact since goes to the input that holds what it matched.
    const newest = byRecency(restored)[0] as Contact;
    const holders = new Map<string, string>();
    for (const [inputId, held] of Object.entries(merge.inputClaims))
      for (const c of held) holders.set(c.value, inputId);
    for (const input of restored)
      for (const p of contactPoints(input.fields, blocklist))
        if (!holders.has(p.value)) holders.set(p.value, input.id);
    const interactions = await listInteractions(trx, orgId, [id], undefined, 1_000_000);
    const byTarget = new Map<string, string[]>();
    for (const interaction of interactions) {
      const target = holders.get(interaction.matched?.value ?? '') ?? newest.id;
      byTarget.set(target, [...(byTarget.get(target) ?? []), interaction.id]);
    }
    for (const [target, interactionIds] of byTarget)
      await moveInteractions(trx, orgId, interactionIds, target);
    await moveContactHistory(trx, orgId, id, newest.id);
    await deleteContactRow(trx, orgId, id);

    await recordChanges(trx, [
      mergeChange(principal, merged, merged, null, undefined, 'unmerged'),
      ...inputs.map((input, k) =>
        mergeChange(principal, input, input, restored[k] as Contact, undefined, 'unmerged'),
      ),
    ]);
    return restored;
  });
}
