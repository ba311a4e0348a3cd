import { Type, type Static, type TBoolean, type TObject, type TSchema } from '@sinclair/typebox';

/** The Genesys error body, the answer of every failed request. */
export const ErrorBody = Type.Object(
  {
    message: Type.String(),
    code: Type.String(),
    status: Type.Integer(),
    messageParams: Type.Record(Type.String(), Type.String()),
    contextId: Type.String(),
    details: Type.Array(
      Type.Object({
        errorCode: Type.Optional(Type.String()),
        fieldName: Type.Optional(Type.String()),
        entityId: Type.Optional(Type.String()),
        entityName: Type.Optional(Type.String()),
      }),
    ),
  },
  { $id: 'ErrorBody', description: 'Genesys error body' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Error answers shared by every authenticated route, for the OpenAPI document. */
export const STANDARD_ERRORS = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  429: Type.Ref('ErrorBody'),
  500: Type.Ref('ErrorBody'),
} as const;

export const PageQuery = Type.Object({
  pageSize: Type.Optional(Type.Integer({ default: 25 })),
  pageNumber: Type.Optional(Type.Integer({ default: 1 })),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/** The parts of a download URL that is its own credential, as a pre-signed URL is. */
export const SIGNED_URL_PARAMS = {
  orgId: Type.String({ minLength: 1, maxLength: 100 }),
  token: Type.String({ minLength: 1, maxLength: 200 }),
};

function listingProperties<T extends TSchema>(entity: T) {
  return {
    entities: Type.Array(entity),
    pageSize: Type.Integer(),
    pageNumber: Type.Integer(),
    total: Type.Integer(),
    pageCount: Type.Integer(),
    firstUri: Type.String(),
    selfUri: Type.String(),
    lastUri: Type.String(),
    nextUri: Type.Optional(Type.String()),
    previousUri: Type.Optional(Type.String()),
  };
}

/**
 * A Genesys `*EntityListing` envelope around `entity`, titled `name`. With `partialResults`, it
 * also carries the `partialResults` flag of the listings that may leave out what they cannot
 * read (contacts, external organizations, notes).
 */
export function Listing<T extends TSchema>(
  entity: T,
  name: string,
): TObject<ReturnType<typeof listingProperties<T>>>;
export function Listing<T extends TSchema>(
  entity: T,
  name: string,
  options: { partialResults: true },
): TObject<ReturnType<typeof listingProperties<T>> & { partialResults: TBoolean }>;
export function Listing<T extends TSchema>(
  entity: T,
  name: string,
  options: { partialResults?: boolean } = {},
) {
  const properties = listingProperties(entity);
  return options.partialResults === true
    ? Type.Object({ ...properties, partialResults: Type.Boolean() }, { title: name })
    : Type.Object(properties, { title: name });
}

export const RoleDivisionSchema = Type.Object({
  roleId: Type.String({ minLength: 1 }),
  divisionId: Type.String({ minLength: 1 }),
});
