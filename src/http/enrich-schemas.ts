import { Type, type TProperties, type TSchema } from '@sinclair/typebox';

/*
 * The request of the enrich endpoints (`ContactEnrichRequest`, `ExternalOrganizationEnrichRequest`):
 * the same matching identifiers and field rules around the record they carry. Actions, rules and
 * limits are checked by the service, which names the field in its 400.
 */

const MatchingIdentifiers = Type.Array(
  Type.Object(
    {
      type: Type.String({ maxLength: 100 }),
      value: Type.String({ maxLength: 1000 }),
      externalSource: Type.Optional(Type.Object({ id: Type.Optional(Type.String()) })),
    },
    { additionalProperties: true },
  ),
  { maxItems: 1000 },
);

const FieldRules = Type.Object(
  {
    defaultAction: Type.Optional(Type.String({ maxLength: 100 })),
    defaultArrayAction: Type.Optional(Type.String({ maxLength: 100 })),
    rules: Type.Optional(
      Type.Array(
        Type.Object(
          {
            field: Type.Optional(Type.String({ maxLength: 500 })),
            action: Type.Optional(Type.String({ maxLength: 100 })),
            arrayAction: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: true },
        ),
        { maxItems: 200 },
      ),
    ),
  },
  { additionalProperties: true },
);

/** An enrich request carrying `record` under the name `field`. */
export function enrichRequestSchema(
  field: string,
  record: TSchema,
  title: string,
  extra: TProperties = {},
) {
  return Type.Object(
    {
      id: Type.Optional(Type.String({ maxLength: 100 })),
      division: Type.Optional(Type.Object({ id: Type.Optional(Type.String({ maxLength: 100 })) })),
      matchingIdentifiers: Type.Optional(MatchingIdentifiers),
      action: Type.Optional(Type.String({ maxLength: 100 })),
      [field]: Type.Optional(record),
      fieldRules: Type.Optional(FieldRules),
      ...extra,
    },
    { title, additionalProperties: true },
  );
}
