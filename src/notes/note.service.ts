import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requireAccess } from '../authorization/guard.js';
import { getContact } from '../contacts/contact.service.js';
import { mergedAncestors } from '../merge/merge.service.js';
import {
  ORGANIZATION_EDIT,
  ORGANIZATION_VIEW,
  ORGANIZATION_VIEW_ALL,
  getOrganization,
} from '../organizations/organization.service.js';
import { requestedDivisionId } from '../contacts/contact.js';
import { applyPatch, type PatchChange } from '../contacts/contact-patch.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import {
  checkScanLimit,
  optionalScanFilter,
  scanFilter,
  scanPage,
  type ScanRequest,
} from '../common/scan.js';
import { AppError, badRequest, notFound } from '../errors/app-error.js';
import { recordChange } from '../events/change.repository.js';
import type { ChangeKind } from '../events/change.js';
import {
  deleteNoteRow,
  findNote,
  findNoteById,
  insertNote,
  listNotes,
  lockNoteEntity,
  scanNotes as scanNoteRows,
  updateNoteText,
} from './note.repository.js';
import { checkNoteText, noteTopic, toNoteView, type Note, type NoteEntityType } from './note.js';

/** The entity a note hangs on, as the path names it. */
export interface NoteTarget {
  readonly entityType: NoteEntityType;
  readonly entityId: string;
}

/** How each kind of entity is loaded and which permissions read and write its notes. */
interface EntityKind {
  /** How messages name the entity: `contact`, `organization`. */
  readonly label: string;
  /** How a 404 names it. */
  readonly title: string;
  readonly edit: string;
  /** Loads an entity the principal may view (the read permission); 404 otherwise. */
  readonly load: (
    db: Kysely<DB>,
    principal: Principal,
    id: string,
  ) => Promise<{ divisionId: string | null }>;
}

const ENTITIES: Record<NoteEntityType, EntityKind> = {
  contact: {
    label: 'contact',
    title: 'External contact',
    edit: 'externalContacts:contact:edit',
    load: getContact,
  },
  organization: {
    label: 'organization',
    title: 'External organization',
    edit: ORGANIZATION_EDIT,
    load: getOrganization,
  },
};

/** Loads the note's entity for a read: 404 when the principal cannot view it. */
async function loadForRead(
  db: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
): Promise<{ divisionId: string | null }> {
  return ENTITIES[target.entityType].load(db, principal, target.entityId);
}

/**
 * Loads the note's entity for a write, inside the write's transaction: 404 when the principal
 * cannot view it, 403 without edit on its division. The entity row stays locked until the
 * transaction ends, so it cannot be deleted under the note.
 */
async function loadForWrite(
  trx: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
): Promise<{ divisionId: string | null }> {
  const kind = ENTITIES[target.entityType];
  const entity = await kind.load(trx, principal, target.entityId);
  requireAccess(principal, kind.edit, entity.divisionId);
  if (!(await lockNoteEntity(trx, principal.orgId, target.entityType, target.entityId))) {
    throw notFound(kind.title, target.entityId);
  }
  return entity;
}

function noteNotFound(noteId: string): AppError {
  return notFound('Note', noteId);
}

async function record(
  db: Kysely<DB>,
  principal: Principal,
  kind: ChangeKind,
  before: Note | null,
  after: Note | null,
): Promise<void> {
  const subject = (after ?? before) as Note;
  await recordChange(db, {
    orgId: subject.orgId,
    topic: noteTopic(subject),
    kind,
    entityType: 'note',
    entityId: subject.id,
    divisionId: subject.divisionId,
    principal,
    before: before && toNoteView(before),
    after: after && toNoteView(after),
  });
}

/** The fields of a `Note` body that Kith reads; the rest are read-only and ignored. */
export interface NoteInput {
  readonly noteText?: string | undefined;
  readonly division?: { readonly id?: string | undefined } | undefined;
  readonly entityId?: string | undefined;
  readonly entityType?: string | undefined;
}

/**
 * A note lives in its entity's division and on its entity: a body may repeat them (a fetched
 * note sent back) but not name others.
 * @throws AppError 400 naming the field.
 */
function checkPlacement(
  input: NoteInput,
  target: NoteTarget,
  divisionId: string | null,
  label: string,
): void {
  if (input.entityType !== undefined && input.entityType !== target.entityType) {
    throw badRequest(
      `entityType is ${target.entityType} for a note of an external ${label}`,
      'entityType',
    );
  }
  if (input.entityId !== undefined && input.entityId !== target.entityId) {
    throw badRequest(
      `entityId ${input.entityId} is not the ${label} of the path (${target.entityId}); a note cannot move to another ${label}`,
      'entityId',
    );
  }
  const requested = requestedDivisionId(input.division);
  if (requested !== undefined && requested !== divisionId) {
    throw badRequest(
      `A note is in the division of its ${label} (${divisionId ?? '*'}) and cannot be put in another; leave division out`,
      'division.id',
    );
  }
}

/**
 * Adds a note to a contact or organization, written by the principal.
 * @throws AppError 400 for a bad noteText, 404 when the entity is not visible, 403 without edit
 * on its division.
 */
export async function createNote(
  db: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
  input: NoteInput,
): Promise<Note> {
  const noteText = checkNoteText(input.noteText);
  return db.transaction().execute(async (trx) => {
    const entity = await loadForWrite(trx, principal, target);
    checkPlacement(input, target, entity.divisionId, ENTITIES[target.entityType].label);
    const now = nowIso();
    const note: Note = {
      id: newId(),
      orgId: principal.orgId,
      entityType: target.entityType,
      entityId: target.entityId,
      divisionId: entity.divisionId,
      noteText,
      createdBy: { type: principal.type, id: principal.id },
      createDate: now,
      modifyDate: now,
    };
    await insertNote(trx, note);
    await record(trx, principal, 'created', null, note);
    return note;
  });
}

/**
 * Fetches one note of a visible entity. A note of another entity, or of an entity the principal
 * cannot view, answers 404 like a missing one.
 */
export async function getNote(
  db: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
  noteId: string,
): Promise<Note> {
  await loadForRead(db, principal, target);
  const note = await findNote(db, principal.orgId, target.entityType, target.entityId, noteId);
  if (!note) throw noteNotFound(noteId);
  return note;
}

export interface NoteListRequest {
  readonly page: PageRequest;
  readonly sortOrder?: string | undefined;
  /** A contact's notes with those of the contacts merged into it (`expand=mergeset`). */
  readonly mergeSet?: boolean;
}

/**
 * `createDate`, `createDate:asc` or `createDate:desc`; newest first when absent.
 * @throws AppError 400 naming sortOrder.
 */
export function parseNoteSort(sortOrder: string | undefined): 'asc' | 'desc' {
  if (sortOrder === undefined || sortOrder.trim() === '') return 'desc';
  const [field, direction = 'asc', ...rest] = sortOrder.trim().split(':');
  if (field !== 'createDate' || (direction !== 'asc' && direction !== 'desc') || rest.length > 0) {
    throw badRequest(
      'sortOrder is createDate, optionally with :asc or :desc (e.g. createDate:desc)',
      'sortOrder',
    );
  }
  return direction;
}

/**
 * A page of the notes of a visible entity, newest first unless `sortOrder` says otherwise; with
 * `mergeSet`, a merged contact's notes include those of the contacts merged into it.
 * @throws AppError 400 for paging beyond 100 a page or 1,000 records, or a bad sortOrder; 404
 * when the entity is not visible.
 */
export async function listEntityNotes(
  db: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
  request: NoteListRequest,
): Promise<{ notes: Note[]; total: number }> {
  const page = checkPage(request.page, { maxPageSize: 100, maxRecords: 1000 });
  const direction = parseNoteSort(request.sortOrder);
  await loadForRead(db, principal, target);
  const entityIds =
    request.mergeSet === true && target.entityType === 'contact'
      ? await mergedAncestors(db, await getContact(db, principal, target.entityId))
      : [target.entityId];
  return listNotes(db, principal.orgId, {
    entityType: target.entityType,
    entityIds,
    direction,
    page,
  });
}

/** Writes new text on a note in one transaction, recording the change. */
async function writeText(
  db: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
  noteId: string,
  makeText: (current: Note, entity: { divisionId: string | null }) => string,
): Promise<Note> {
  return db.transaction().execute(async (trx) => {
    const entity = await loadForWrite(trx, principal, target);
    const current = await findNote(
      trx,
      principal.orgId,
      target.entityType,
      target.entityId,
      noteId,
    );
    if (!current) throw noteNotFound(noteId);
    const updated: Note = {
      ...current,
      noteText: makeText(current, entity),
      modifyDate: nowIso(),
    };
    if (!(await updateNoteText(trx, updated))) throw noteNotFound(noteId);
    await record(trx, principal, 'updated', current, updated);
    return updated;
  });
}

/**
 * Replaces a note's text (PUT). The author and creation date stay.
 * @throws AppError 400 for a bad noteText or another entity or division, 403 without edit, 404
 * for a note not on this entity.
 */
export async function replaceNote(
  db: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
  noteId: string,
  input: NoteInput,
): Promise<Note> {
  const noteText = checkNoteText(input.noteText);
  return writeText(db, principal, target, noteId, (_current, entity) => {
    checkPlacement(input, target, entity.divisionId, ENTITIES[target.entityType].label);
    return noteText;
  });
}

/** A PATCH body: Genesys `changes[]`, or a `Note` as PUT takes it. */
export interface NotePatch extends NoteInput {
  readonly changes?: readonly PatchChange[] | undefined;
}

/**
 * Patches a note (PATCH): `changes[]` on `$.noteText` as the SDK's ExternalContactsPatchRequest
 * sends them, or a `Note` body with the new noteText.
 * @throws AppError 400 for a change to another field, a resulting bad noteText, or a body with
 * neither changes nor noteText; 403/404 as replaceNote.
 */
export async function patchNote(
  db: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
  noteId: string,
  patch: NotePatch,
): Promise<Note> {
  const { changes } = patch;
  if (changes === undefined) return replaceNote(db, principal, target, noteId, patch);
  if (patch.noteText !== undefined) {
    throw badRequest('Send either changes or noteText, not both', 'changes');
  }
  changes.forEach((change, i) => {
    if (change.field !== '$.noteText') {
      throw badRequest(
        `changes[${i}]: only $.noteText can be patched on a note`,
        `changes[${i}].field`,
      );
    }
  });
  return writeText(db, principal, target, noteId, (current) => {
    const patched = applyPatch({ noteText: current.noteText }, changes, []);
    return checkNoteText(patched.noteText);
  });
}

/**
 * Deletes a note of a visible entity.
 * @throws AppError 403 without edit on the entity's division, 404 for a note not on the entity.
 */
export async function deleteNote(
  db: Kysely<DB>,
  principal: Principal,
  target: NoteTarget,
  noteId: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await loadForWrite(trx, principal, target);
    const note = await findNote(trx, principal.orgId, target.entityType, target.entityId, noteId);
    if (!note) throw noteNotFound(noteId);
    await deleteNoteRow(trx, principal.orgId, note.id);
    await record(trx, principal, 'deleted', note, null);
  });
}

/**
 * Runs `work` on a note named by its id alone, so that an entity the principal cannot view
 * answers 404 for the note rather than for the entity: the caller named no entity, and the id of
 * one it cannot see must not leak.
 */
async function onNoteById<T>(
  db: Kysely<DB>,
  principal: Principal,
  noteId: string,
  work: (target: NoteTarget) => Promise<T>,
): Promise<T> {
  const note = await findNoteById(db, principal.orgId, noteId);
  if (!note) throw noteNotFound(noteId);
  try {
    return await work({ entityType: note.entityType, entityId: note.entityId });
  } catch (error) {
    if (error instanceof AppError && error.status === 404) throw noteNotFound(noteId);
    throw error;
  }
}

/**
 * Fetches a note by its id alone (bulk fetch), with getNote's visibility rules.
 * @throws AppError 404 when there is no such note or its entity is not visible.
 */
export async function getNoteById(
  db: Kysely<DB>,
  principal: Principal,
  noteId: string,
): Promise<Note> {
  return onNoteById(db, principal, noteId, (target) => getNote(db, principal, target, noteId));
}

/**
 * Deletes a note by its id alone (bulk remove), with deleteNote's rules.
 * @throws AppError 404 when there is no such note or its entity is not visible; 403 without edit
 * on the entity's division.
 */
export async function deleteNoteById(
  db: Kysely<DB>,
  principal: Principal,
  noteId: string,
): Promise<void> {
  await onNoteById(db, principal, noteId, (target) => deleteNote(db, principal, target, noteId));
}

const CONTACT_VIEW = 'externalContacts:contact:view';
const CONTACT_VIEW_ALL = 'externalContacts:contact:viewAll';

/**
 * One page of a note scan and the cursor of the next page, if any. The scan covers the notes of
 * contacts, which the endpoint's permission (contact view, or viewAll for every division)
 * governs, and also the notes of organizations for a principal that may read organizations
 * there (organization view or viewAll); a principal that may not sees contact notes only.
 * @throws AppError 400 for a limit outside 10–200 or a foreign cursor; 403 without contact view
 * on the division (viewAll for every division).
 */
export async function scanNotes(
  db: Kysely<DB>,
  principal: Principal,
  request: ScanRequest,
): Promise<{ notes: Note[]; next?: string }> {
  checkScanLimit(request.limit);
  const contactFilter = scanFilter(principal, CONTACT_VIEW, CONTACT_VIEW_ALL, request);
  const organizationFilter = optionalScanFilter(
    principal,
    ORGANIZATION_VIEW,
    ORGANIZATION_VIEW_ALL,
    request,
  );
  const { items, next } = await scanPage('notes', request, async (afterId, limit) => {
    const [ofContacts, ofOrganizations] = await Promise.all([
      scanNoteRows(db, principal.orgId, contactFilter, afterId, limit, 'contact'),
      organizationFilter === null
        ? []
        : scanNoteRows(db, principal.orgId, organizationFilter, afterId, limit, 'organization'),
    ]);
    // Both lists are in id order; ids are UUIDs of one fixed lower-case form, whose string order
    // is the database's, so the first `limit` of the merge are the next `limit` notes.
    return [...ofContacts, ...ofOrganizations]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit);
  });
  return next === undefined ? { notes: items } : { notes: items, next };
}
