import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { registerBulkRoutes } from '../http/bulk-routes.js';
import { createNote, deleteNoteById, getNoteById, replaceNote, scanNotes } from './note.service.js';
import { renderNote, renderNotes } from './note.views.js';
import { NoteBodySchema, NoteSchema } from './note.schemas.js';
import { noteTargetOf } from './note.js';

/**
 * The bulk and scan endpoints of notes. A bulk note names what it is on by `entityType`
 * (`contact` or `organization`) and `entityId`, as the Genesys `Note` model does; fetch and
 * remove name notes by id alone.
 */
export function noteBulkRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    registerBulkRoutes(app, {
      plural: 'notes',
      tag: 'Notes (bulk and scan)',
      body: NoteBodySchema,
      entity: NoteSchema,
      titles: { bulkResponse: 'BulkNotesResponse', scanListing: 'CursorNoteListing' },
      fetch: [
        {
          suffix: '',
          summary: 'Bulk fetch notes',
          fetch: async (principal, id) =>
            renderNote(db, principal, await getNoteById(db, principal, id)),
        },
      ],
      add: {
        summary: 'Bulk add notes to contacts and external organizations',
        create: async (principal, input, index) => {
          const target = noteTargetOf(input, `entities[${index}]`);
          const note = await createNote(db, principal, target, input);
          return { id: note.id, entity: await renderNote(db, principal, note) };
        },
      },
      update: {
        summary: 'Bulk update notes (each needs its id, entityType and entityId)',
        noun: 'a note',
        replace: async (principal, input, id, index) => {
          const target = noteTargetOf(input, `entities[${index}]`);
          return renderNote(db, principal, await replaceNote(db, principal, target, id, input));
        },
      },
      remove: {
        summary: 'Bulk delete notes',
        remove: (principal, id) => deleteNoteById(db, principal, id),
      },
      scan: {
        summary: {
          oneDivision:
            'Scan the notes of one division (default *, unassigned); organization notes with organization view',
          allDivisions:
            'Scan the notes of every division (needs contact viewAll; organization notes with organization viewAll)',
        },
        scan: async (principal, request) => {
          const { notes, next } = await scanNotes(db, principal, request);
          return { entities: await renderNotes(db, principal, notes), next };
        },
      },
    });
  };
}
