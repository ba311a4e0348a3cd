import type { Kysely } from 'kysely';
import type { DB, NoteTable } from '../db/schema.js';
import type { ReadFilter } from '../authorization/access.js';
import { divisionCondition } from '../db/sql.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import { authorKey, type Note, type NoteAuthor, type NoteEntityType } from './note.js';

export function rowToNote(row: NoteTable): Note {
  return {
    id: row.id,
    orgId: row.org_id,
    entityType: row.entity_type as NoteEntityType,
    entityId: row.entity_id,
    divisionId: row.division_id,
    noteText: row.note_text,
    createdBy:
      row.created_by_type === null || row.created_by_id === null
        ? null
        : { type: row.created_by_type as NoteAuthor['type'], id: row.created_by_id },
    createDate: row.created_at,
    modifyDate: row.modified_at,
  };
}

function noteToRow(note: Note): NoteTable {
  return {
    org_id: note.orgId,
    id: note.id,
    entity_type: note.entityType,
    entity_id: note.entityId,
    division_id: note.divisionId,
    note_text: note.noteText,
    created_by_type: note.createdBy?.type ?? null,
    created_by_id: note.createdBy?.id ?? null,
    created_at: note.createDate,
    modified_at: note.modifyDate,
  };
}

const ENTITY_TABLES = { contact: 'contacts', organization: 'organizations' } as const;

/**
 * Locks the entity row a note is written to until the transaction ends, so that a concurrent
 * deletion of the entity waits for the note to commit and then deletes it with the entity's other
 * notes, instead of leaving an orphan. The lock is taken by an update that changes nothing, which
 * both dialects understand (SQLite serializes writers anyway; PostgreSQL locks the row). Call it
 * inside the write's transaction.
 * @returns whether the entity still exists.
 */
export async function lockNoteEntity(
  db: Kysely<DB>,
  orgId: string,
  entityType: NoteEntityType,
  entityId: string,
): Promise<boolean> {
  const result = await db
    .updateTable(ENTITY_TABLES[entityType])
    .set((eb) => ({ version: eb.ref('version') }))
    .where('org_id', '=', orgId)
    .where('id', '=', entityId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertNote(db: Kysely<DB>, note: Note): Promise<void> {
  await db.insertInto('notes').values(noteToRow(note)).execute();
}

/**
 * Writes a note's new text and modification time.
 * @returns false when the note no longer exists.
 */
export async function updateNoteText(db: Kysely<DB>, note: Note): Promise<boolean> {
  const result = await db
    .updateTable('notes')
    .set({ note_text: note.noteText, modified_at: note.modifyDate })
    .where('org_id', '=', note.orgId)
    .where('id', '=', note.id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The note `noteId` of the entity; a note of another entity is not found. */
export async function findNote(
  db: Kysely<DB>,
  orgId: string,
  entityType: NoteEntityType,
  entityId: string,
  noteId: string,
): Promise<Note | undefined> {
  const row = await db
    .selectFrom('notes')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', noteId)
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .executeTakeFirst();
  return row && rowToNote(row);
}

/** The note `id` of the tenant, whatever it is on: the bulk endpoints name notes by id alone. */
export async function findNoteById(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Note | undefined> {
  const row = await db
    .selectFrom('notes')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToNote(row);
}

export interface NoteQuery {
  readonly entityType: NoteEntityType;
  /** The entity, or every entity of its merge set. */
  readonly entityIds: readonly string[];
  readonly direction: 'asc' | 'desc';
  readonly page: PageRequest;
}

/** A page of the notes of the entities, by creation time (ties by id), with the total. */
export async function listNotes(
  db: Kysely<DB>,
  orgId: string,
  query: NoteQuery,
): Promise<{ notes: Note[]; total: number }> {
  if (query.entityIds.length === 0) return { notes: [], total: 0 };
  const base = db
    .selectFrom('notes')
    .where('org_id', '=', orgId)
    .where('entity_type', '=', query.entityType)
    .where('entity_id', 'in', query.entityIds);
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy('created_at', query.direction)
      .orderBy('id', query.direction)
      .limit(query.page.pageSize)
      .offset(offsetOf(query.page))
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { notes: rows.map(rowToNote), total: Number(count.n) };
}

export async function deleteNoteRow(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('notes').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/**
 * Deletes every note of an entity, for the entity's deletion: call it in the same transaction,
 * after the entity's row is deleted (see lockNoteEntity for why after).
 * @returns how many notes were deleted.
 */
export async function deleteNotesOf(
  db: Kysely<DB>,
  orgId: string,
  entityType: NoteEntityType,
  entityId: string,
): Promise<number> {
  const result = await db
    .deleteFrom('notes')
    .where('org_id', '=', orgId)
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * One page of visible notes after `afterId`, in id (creation) order: the scan endpoints. The
 * filter applies to the note's division, which is its entity's; `entityType` narrows the scan to
 * the notes of contacts or of organizations, whose visibility needs different permissions.
 */
export async function scanNotes(
  db: Kysely<DB>,
  orgId: string,
  filter: ReadFilter,
  afterId: string | undefined,
  limit: number,
  entityType?: NoteEntityType,
): Promise<Note[]> {
  let query = db
    .selectFrom('notes')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter));
  if (entityType !== undefined) query = query.where('entity_type', '=', entityType);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(rowToNote);
}

/** The names of the authors, by `authorKey`; authors that no longer exist are left out. */
export async function findAuthorNames(
  db: Kysely<DB>,
  orgId: string,
  authors: readonly NoteAuthor[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const userIds = [...new Set(authors.filter((a) => a.type === 'user').map((a) => a.id))];
  const clientIds = [...new Set(authors.filter((a) => a.type === 'client').map((a) => a.id))];
  const [users, clients] = await Promise.all([
    userIds.length === 0
      ? []
      : db
          .selectFrom('users')
          .select(['id', 'name'])
          .where('org_id', '=', orgId)
          .where('id', 'in', userIds)
          .execute(),
    clientIds.length === 0
      ? []
      : db
          .selectFrom('clients')
          .select(['id', 'name'])
          .where('org_id', '=', orgId)
          .where('id', 'in', clientIds)
          .execute(),
  ]);
  for (const u of users) names.set(authorKey({ type: 'user', id: u.id }), u.name);
  for (const c of clients) names.set(authorKey({ type: 'client', id: c.id }), c.name);
  return names;
}
