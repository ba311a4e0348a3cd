import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { checkBulkSize, runBulk } from '../common/bulk.js';
import { badRequest } from '../errors/app-error.js';
import { principalOf } from '../http/fastify-types.js';
import { cursorListing } from '../http/cursor-listing.js';
import {
  BulkIdsBody,
  ScanQuery,
  bulkEntitiesBody,
  bulkResponseSchema,
  cursorListingSchema,
} from '../http/bulk-schemas.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { createNote, deleteNoteById, getNoteById, replaceNote, scanNotes } from './note.service.js';
import { renderNote, renderNotes } from './note.views.js';
import { NoteBodySchema, NoteSchema } from './note.schemas.js';
import { noteTargetOf } from './note.js';

const ROOT = '/api/v2/externalcontacts';
const tags = ['Notes (bulk and scan)'];

const NotesBody = bulkEntitiesBody(NoteBodySchema);
const BulkResponseSchema = bulkResponseSchema('BulkNotesResponse');
const ScanListing = cursorListingSchema(NoteSchema, 'CursorNoteListing');

/**
 * The bulk and scan endpoints of notes. A bulk note names what it is on by `entityType`
 * (`contact` or `organization`) and `entityId`, as the Genesys `Note` model does; fetch and
 * remove name notes by id alone.
 */
export function noteBulkRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const respond = { 200: BulkResponseSchema, ...STANDARD_ERRORS };

    r.post(
      `${ROOT}/bulk/notes`,
      { schema: { tags, summary: 'Bulk fetch notes', body: BulkIdsBody, response: respond } },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async ({ id }) => ({
            entity: await renderNote(db, principal, await getNoteById(db, principal, id)),
          }),
          (e) => e.id,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/notes/add`,
      {
        schema: {
          tags,
          summary: 'Bulk add notes to contacts and external organizations',
          body: NotesBody,
          response: respond,
        },
      },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async (input, index) => {
            const target = noteTargetOf(input, `entities[${index}]`);
            const note = await createNote(db, principal, target, input);
            return { id: note.id, entity: await renderNote(db, principal, note) };
          },
          () => undefined,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/notes/update`,
      {
        schema: {
          tags,
          summary: 'Bulk update notes (each needs its id, entityType and entityId)',
          body: NotesBody,
          response: respond,
        },
      },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async (input, index) => {
            if (input.id === undefined)
              throw badRequest(
                `entities[${index}].id is required to update a note`,
                `entities[${index}].id`,
              );
            const target = noteTargetOf(input, `entities[${index}]`);
            const note = await replaceNote(db, principal, target, input.id, input);
            return { entity: await renderNote(db, principal, note) };
          },
          (e) => e.id,
        );
      },
    );

    r.post(
      `${ROOT}/bulk/notes/remove`,
      { schema: { tags, summary: 'Bulk delete notes', body: BulkIdsBody, response: respond } },
      async (request) => {
        const principal = principalOf(request);
        checkBulkSize(request.body.entities);
        return runBulk(
          request.body.entities,
          async ({ id }) => {
            await deleteNoteById(db, principal, id);
            return {};
          },
          (e) => e.id,
        );
      },
    );

    for (const [path, allDivisions] of [
      [`${ROOT}/scan/notes`, false],
      [`${ROOT}/scan/notes/divisionviews/all`, true],
    ] as const) {
      r.get(
        path,
        {
          schema: {
            tags,
            summary: allDivisions
              ? 'Scan the notes of every division (needs contact viewAll; organization notes with organization viewAll)'
              : 'Scan the notes of one division (default *, unassigned); organization notes with organization view',
            querystring: ScanQuery,
            response: { 200: ScanListing, ...STANDARD_ERRORS },
          },
        },
        async (request) => {
          const principal = principalOf(request);
          const { notes, next } = await scanNotes(db, principal, {
            ...request.query,
            allDivisions,
          });
          return cursorListing(await renderNotes(db, principal, notes), next, path, request.query);
        },
      );
    }
  };
}
