import { Type } from '@sinclair/typebox';
import { DivisionRefSchema } from '../contacts/contact.schemas.js';
import { PATCH_ACTIONS, type PatchAction } from '../contacts/contact-patch.js';

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

export const NoteListingSchema = Type.Object(
  {
    entities: Type.Array(NoteSchema),
    pageSize: Type.Integer(),
    pageNumber: Type.Integer(),
    total: Type.Integer(),
    pageCount: Type.Integer(),
    firstUri: Type.String(),
    selfUri: Type.String(),
    lastUri: Type.String(),
    nextUri: Type.Optional(Type.String()),
    previousUri: Type.Optional(Type.String()),
    partialResults: Type.Boolean(),
  },
  { title: 'NoteListing' },
);

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
    changes: Type.Optional(
      Type.Array(
        Type.Object(
          {
            field: Type.String({ minLength: 1, maxLength: 500 }),
            value: Type.Optional(Type.Unknown()),
            action: Type.Unsafe<PatchAction>({ type: 'string', enum: [...PATCH_ACTIONS] }),
          },
          { additionalProperties: true },
        ),
        { minItems: 1, maxItems: 100 },
      ),
    ),
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
