import { Type, type TSchema } from '@sinclair/typebox';
import { BULK_LIMIT } from '../common/bulk.js';

/**
 * Route schemas shared by the bulk and scan endpoints of every kind of record. The entity limit
 * is checked by checkBulkSize, whose 400 says what it is; the schemas only refuse absurd bodies.
 */

/** The Genesys `BulkIdsRequest`: the ids of the records to fetch or remove. */
export const BulkIdsBody = Type.Object({
  entities: Type.Array(
    Type.Object(
      { id: Type.String({ minLength: 1, maxLength: 100 }) },
      { additionalProperties: true },
    ),
    { maxItems: BULK_LIMIT * 10 },
  ),
});

/** A bulk write body: `entities` of one model (`BulkOrganizationsRequest`, ...). */
export function bulkEntitiesBody<T extends TSchema>(entity: T) {
  return Type.Object({ entities: Type.Array(entity, { maxItems: BULK_LIMIT * 10 }) });
}

/** A Genesys `Bulk*Response`: one result per entity, in request order, and the failed indexes. */
export function bulkResponseSchema(title: string) {
  return Type.Object(
    {
      results: Type.Array(Type.Object({}, { additionalProperties: true })),
      errorCount: Type.Integer(),
      errorIndexes: Type.Array(Type.Integer()),
    },
    { title },
  );
}

/** The query of every `GET /scan/...` endpoint; the service checks the limit and names it. */
export const ScanQuery = Type.Object({
  limit: Type.Integer({ default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 1000 })),
  divisionId: Type.Optional(Type.String({ maxLength: 100 })),
});

/** A Genesys `Cursor*Listing` of `entity`. */
export function cursorListingSchema<T extends TSchema>(entity: T, title: string) {
  return Type.Object(
    {
      entities: Type.Array(entity),
      cursors: Type.Optional(Type.Object({ after: Type.String() })),
      nextUri: Type.Optional(Type.String()),
      selfUri: Type.String(),
    },
    { title },
  );
}
