import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Type, type TString } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { pagedListing } from '../common/paging.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import {
  createNote,
  deleteNote,
  getNote,
  listEntityNotes,
  patchNote,
  replaceNote,
} from './note.service.js';
import { renderNote, renderNotes } from './note.views.js';
import {
  CONTACT_NOTE_LIST_EXPANSIONS,
  NOTE_EXPANSIONS,
  NoteBodySchema,
  NoteListingSchema,
  NotePatchSchema,
  NoteSchema,
  ExpandQuery,
} from './note.schemas.js';
import { parseExpand } from '../common/list-params.js';
import { notesPath, type NoteEntityType } from './note.js';

const Id = Type.String({ minLength: 1, maxLength: 100 });
const ROOT = '/api/v2/externalcontacts';

/** Where one kind of entity's notes live, with the path parameter Genesys names its id by. */
interface NoteResource<K extends string> {
  readonly entityType: NoteEntityType;
  readonly collection: string;
  readonly idParam: K;
  readonly label: string;
  readonly tag: string;
  readonly listExpansions: readonly string[];
}

function registerNoteRoutes<K extends string>(
  app: FastifyInstance,
  db: Kysely<DB>,
  resource: NoteResource<K>,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { entityType, idParam, label } = resource;
  const tags = [resource.tag];
  const base = `${ROOT}/${resource.collection}/:${idParam}/notes`;
  const item = `${base}/:noteId`;
  const Params = Type.Object({ [idParam]: Id } as { [P in K]: TString });
  const ItemParams = Type.Object({ [idParam]: Id, noteId: Id } as { [P in K | 'noteId']: TString });
  // TypeBox cannot type a schema keyed by a type parameter; the schemas above check the shape.
  const paramsOf = (params: unknown) => params as { [P in K]: string } & { noteId: string };
  const target = (params: unknown) => ({ entityType, entityId: paramsOf(params)[idParam] });

  r.get(
    base,
    {
      schema: {
        tags,
        summary: `List the notes of an external ${label}`,
        params: Params,
        querystring: Type.Object({
          pageSize: Type.Integer({ default: 20 }),
          pageNumber: Type.Integer({ default: 1 }),
          sortOrder: Type.Optional(Type.String({ maxLength: 100 })),
          expand: ExpandQuery,
        }),
        response: { 200: NoteListingSchema, ...STANDARD_ERRORS },
      },
    },
    async (request) => {
      const { pageSize, pageNumber, sortOrder, expand } = request.query;
      const expansions = parseExpand(expand, resource.listExpansions);
      const principal = principalOf(request);
      const page = { pageSize, pageNumber };
      const on = target(request.params);
      const { notes, total } = await listEntityNotes(db, principal, on, {
        page,
        sortOrder,
        mergeSet: expansions.includes('mergeset'),
      });
      const entities = await renderNotes(db, principal, notes, expansions);
      return {
        ...pagedListing(entities, total, page, notesPath(entityType, on.entityId), {
          sortOrder,
          expand,
        }),
        partialResults: false,
      };
    },
  );

  r.post(
    base,
    {
      schema: {
        tags,
        summary: `Add a note to an external ${label}`,
        params: Params,
        body: NoteBodySchema,
        response: { 200: NoteSchema, ...STANDARD_ERRORS },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const note = await createNote(db, principal, target(request.params), request.body);
      return renderNote(db, principal, note);
    },
  );

  r.get(
    item,
    {
      schema: {
        tags,
        summary: `Fetch a note of an external ${label}`,
        params: ItemParams,
        querystring: Type.Object({ expand: ExpandQuery }),
        response: { 200: NoteSchema, ...STANDARD_ERRORS },
      },
    },
    async (request) => {
      const expansions = parseExpand(request.query.expand, NOTE_EXPANSIONS);
      const principal = principalOf(request);
      const note = await getNote(
        db,
        principal,
        target(request.params),
        paramsOf(request.params).noteId,
      );
      return renderNote(db, principal, note, expansions);
    },
  );

  r.put(
    item,
    {
      schema: {
        tags,
        summary: `Update a note of an external ${label}`,
        params: ItemParams,
        body: NoteBodySchema,
        response: { 200: NoteSchema, ...STANDARD_ERRORS },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const note = await replaceNote(
        db,
        principal,
        target(request.params),
        paramsOf(request.params).noteId,
        request.body,
      );
      return renderNote(db, principal, note);
    },
  );

  r.patch(
    item,
    {
      schema: {
        tags,
        summary: `Patch a note of an external ${label} (changes[] on $.noteText, or a new noteText)`,
        params: ItemParams,
        body: NotePatchSchema,
        response: { 200: NoteSchema, ...STANDARD_ERRORS },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const note = await patchNote(
        db,
        principal,
        target(request.params),
        paramsOf(request.params).noteId,
        request.body,
      );
      return renderNote(db, principal, note);
    },
  );

  r.delete(
    item,
    {
      schema: {
        tags,
        summary: `Delete a note of an external ${label}`,
        params: ItemParams,
        response: { 200: Type.Object({}), ...STANDARD_ERRORS },
      },
    },
    async (request) => {
      await deleteNote(
        db,
        principalOf(request),
        target(request.params),
        paramsOf(request.params).noteId,
      );
      return {};
    },
  );
}

/** The note endpoints of contacts and of external organizations. */
export function noteRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    registerNoteRoutes(app, db, {
      entityType: 'contact',
      collection: 'contacts',
      idParam: 'contactId',
      label: 'contact',
      tag: 'External contacts',
      listExpansions: CONTACT_NOTE_LIST_EXPANSIONS,
    });
    registerNoteRoutes(app, db, {
      entityType: 'organization',
      collection: 'organizations',
      idParam: 'externalOrganizationId',
      label: 'organization',
      tag: 'External organizations',
      listExpansions: NOTE_EXPANSIONS,
    });
  };
}
