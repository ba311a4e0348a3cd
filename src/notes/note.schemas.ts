import { Type } from '@sinclair/typebox';
import { Listing } from '../http/schemas.js';
import { DivisionRefSchema, PatchChangesSchema } from '../contacts/contact.schemas.js';

/** Route schemas of the note endpoints: they drive validation, types and the OpenAPI document. */

const Str = Type.Optional(Type.String());

export const NoteSchema = Type.Object(
  {
    id: Type.String(),
    division: DivisionRefSchema,
    entityId: Type.String(),
    entityType: Type.String(),
    noteText: Type.String(),
    createDate: Type.String(),
    modifyDate: Type.String(),
    createdBy: Type.Optional(
      Type.Object({ id: Type.String(), name: Str, selfUri: Type.String() }, { title: 'User' }),
    ),
    selfUri: Type.String(),
  },
  { title: 'Note', additionalProperties: true },
);

export const NoteListingSchema = Listing(NoteSchema, 'NoteListing', { partialResults: true });

/**
 * The `Note` a client sends. Only `noteText` is written; the read-only fields of a fetched note
 * are accepted back unchanged (a GET-modify-PUT round trip), and the service refuses a
 * `division`, `entityId` or `entityType` that is not the note's.
 */
export const NoteBodySchema = Type.Object(
  {
    id: Str,
    division: Type.Optional(DivisionRefSchema),
    entityId: Str,
    entityType: Str,
    noteText: Str,
    createDate: Str,
    modifyDate: Str,
    createdBy: Type.Optional(Type.Unknown()),
    externalDataSources: Type.Optional(Type.Unknown()),
    selfUri: Str,
  },
  { title: 'Note', additionalProperties: true },
);

/**
 * PATCH on a note: the SDK's `ExternalContactsPatchRequest` (`changes[]` on `$.noteText`), or a
 * `Note` body as PUT takes it.
 */
export const NotePatchSchema = Type.Object(
  {
    changes: Type.Optional(PatchChangesSchema),
    ...NoteBodySchema.properties,
  },
  { title: 'NotePatch', additionalProperties: true },
);

/** `expand` on a single note. */
export const NOTE_EXPANSIONS = ['author', 'externalDataSources', 'division'] as const;
/** `expand` on a contact's note listing: `mergeset` adds the notes of contacts merged into it. */
export const CONTACT_NOTE_LIST_EXPANSIONS = [...NOTE_EXPANSIONS, 'mergeset'] as const;

/** `expand`, repeated or comma-separated; the values are checked by parseExpand. */
export const ExpandQuery = Type.Optional(Type.Array(Type.String({ maxLength: 500 })));
