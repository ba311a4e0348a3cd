import { badRequest } from '../errors/app-error.js';
import { divisionRef } from '../contacts/contact.js';
import { USERS_PATH } from '../users/user.js';
import { CLIENTS_PATH } from '../clients/client.js';

/** What a note is attached to. */
export type NoteEntityType = 'contact' | 'organization';

/** Who wrote a note: the user or OAuth client that created it. */
export interface NoteAuthor {
  readonly type: 'user' | 'client';
  readonly id: string;
}

/** A note on a contact or an organization, as services see it. */
export interface Note {
  id: string;
  orgId: string;
  entityType: NoteEntityType;
  entityId: string;
  /** The entity's division; null: unassigned (`*` on the wire). */
  divisionId: string | null;
  noteText: string;
  /** null when Kith itself wrote the note (an import, a merge). */
  createdBy: NoteAuthor | null;
  createDate: string;
  modifyDate: string;
}

/** Genesys' limit on `noteText`, in characters (UTF-16 code units, as Genesys counts them). */
export const NOTE_TEXT_MAX = 32_000;

const ROOT = '/api/v2/externalcontacts';

const COLLECTIONS: Record<NoteEntityType, string> = {
  contact: 'contacts',
  organization: 'organizations',
};

/** `/api/v2/externalcontacts/contacts/{id}/notes`, or the organization equivalent. */
export function notesPath(entityType: NoteEntityType, entityId: string): string {
  return `${ROOT}/${COLLECTIONS[entityType]}/${entityId}/notes`;
}

export function noteSelfUri(note: Pick<Note, 'entityType' | 'entityId' | 'id'>): string {
  return `${notesPath(note.entityType, note.entityId)}/${note.id}`;
}

/** The notification topic of a note, as Genesys names it. */
export function noteTopic(note: Pick<Note, 'entityType' | 'entityId' | 'id'>): string {
  return `v2.externalcontacts.${COLLECTIONS[note.entityType]}.${note.entityId}.notes.${note.id}`;
}

/**
 * Checks a note's text: 1 to 32,000 characters, not only whitespace. The text is kept exactly as
 * given (leading and trailing blanks are part of what the agent wrote).
 * @throws AppError 400 naming noteText.
 */
export function checkNoteText(value: unknown): string {
  if (value === undefined || value === null) {
    throw badRequest('noteText is required: send the text of the note', 'noteText');
  }
  if (typeof value !== 'string') throw badRequest('noteText must be a string', 'noteText');
  if (value.trim() === '') {
    throw badRequest('noteText must not be empty or only whitespace', 'noteText');
  }
  if (value.length > NOTE_TEXT_MAX) {
    throw badRequest(
      `noteText has ${value.length} characters; the limit is ${NOTE_TEXT_MAX}`,
      'noteText',
    );
  }
  return value;
}

const ENTITY_TYPES: readonly NoteEntityType[] = ['contact', 'organization'];

/**
 * The entity a note of a bulk request names by its `entityType` and `entityId` (the paths of the
 * single-note endpoints name it instead). `field` prefixes the field names, e.g. `entities[3]`.
 * @throws AppError 400 naming the field that is missing or invalid.
 */
export function noteTargetOf(
  input: { readonly entityType?: unknown; readonly entityId?: unknown },
  field: string,
): { entityType: NoteEntityType; entityId: string } {
  const { entityType, entityId } = input;
  if (typeof entityType !== 'string' || !ENTITY_TYPES.includes(entityType as NoteEntityType)) {
    throw badRequest(
      `${field}.entityType must be ${ENTITY_TYPES.join(' or ')}: the kind of record the note is on`,
      `${field}.entityType`,
    );
  }
  if (typeof entityId !== 'string' || entityId.trim() === '') {
    throw badRequest(
      `${field}.entityId is required: the id of the ${entityType} the note is on`,
      `${field}.entityId`,
    );
  }
  return { entityType: entityType as NoteEntityType, entityId };
}

/** The key under which an author's name is looked up. */
export function authorKey(author: NoteAuthor): string {
  return `${author.type}:${author.id}`;
}

/** The Genesys `User` reference of a note's author. */
export interface NoteAuthorView {
  id: string;
  name?: string;
  selfUri: string;
}

/** The Genesys `Note` shape. */
export interface NoteView {
  id: string;
  division: { id: string; name?: string; selfUri?: string };
  entityId: string;
  entityType: NoteEntityType;
  noteText: string;
  createDate: string;
  modifyDate: string;
  createdBy?: NoteAuthorView;
  selfUri: string;
}

/** What a read asked to expand, already loaded. */
export interface NoteViewOptions {
  /** Division names by id, for `expand=division`. */
  readonly divisionNames?: ReadonlyMap<string, string>;
  /** Author names by `authorKey`, for `expand=author`. */
  readonly authorNames?: ReadonlyMap<string, string>;
}

function authorView(author: NoteAuthor, names?: ReadonlyMap<string, string>): NoteAuthorView {
  const view: NoteAuthorView = {
    id: author.id,
    selfUri: `${author.type === 'user' ? USERS_PATH : CLIENTS_PATH}/${author.id}`,
  };
  const name = names?.get(authorKey(author));
  if (name !== undefined) view.name = name;
  return view;
}

/** One mapping from the domain note to the wire shape. */
export function toNoteView(note: Note, options: NoteViewOptions = {}): NoteView {
  const view: NoteView = {
    id: note.id,
    division: divisionRef(note.divisionId, options.divisionNames),
    entityId: note.entityId,
    entityType: note.entityType,
    noteText: note.noteText,
    createDate: note.createDate,
    modifyDate: note.modifyDate,
    selfUri: noteSelfUri(note),
  };
  if (note.createdBy !== null) view.createdBy = authorView(note.createdBy, options.authorNames);
  return view;
}
