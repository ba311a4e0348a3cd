import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { findDivisionNames } from '../divisions/division.repository.js';
import { findAuthorNames } from './note.repository.js';
import { toNoteView, type Note, type NoteView } from './note.js';

/**
 * Renders notes in the Genesys shape with what `expand` asks for (`author`: the author's name,
 * `division`: the division's name), loading each expansion for all notes at once.
 * `externalDataSources` and `mergeset` change nothing here.
 */
export async function renderNotes(
  db: Kysely<DB>,
  principal: Principal,
  notes: readonly Note[],
  expand: readonly string[] = [],
): Promise<NoteView[]> {
  const wants = new Set(expand);
  const [authorNames, divisionNames] = await Promise.all([
    wants.has('author')
      ? findAuthorNames(
          db,
          principal.orgId,
          notes.flatMap((n) => (n.createdBy === null ? [] : [n.createdBy])),
        )
      : undefined,
    wants.has('division')
      ? findDivisionNames(db, principal.orgId, [
          ...new Set(notes.flatMap((n) => (n.divisionId === null ? [] : [n.divisionId]))),
        ])
      : undefined,
  ]);
  return notes.map((note) =>
    toNoteView(note, {
      ...(authorNames === undefined ? {} : { authorNames }),
      ...(divisionNames === undefined ? {} : { divisionNames }),
    }),
  );
}

export async function renderNote(
  db: Kysely<DB>,
  principal: Principal,
  note: Note,
  expand: readonly string[] = [],
): Promise<NoteView> {
  const [view] = await renderNotes(db, principal, [note], expand);
  return view as NoteView;
}
