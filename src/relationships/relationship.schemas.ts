import { Type } from '@sinclair/typebox';
import { DivisionRefSchema } from '../contacts/contact.schemas.js';

/** Route schemas of the relationship endpoints: they drive validation, types and the OpenAPI document. */

const Str = Type.Optional(Type.String());
const Ref = Type.Object({ id: Str, selfUri: Str }, { additionalProperties: true });

/** The writable `Relationship` fields, typed loosely: the service names every broken rule. */
export const RelationshipBodySchema = Type.Object(
  {
    id: Str,
    division: Type.Optional(DivisionRefSchema),
    user: Type.Optional(Ref),
    externalOrganization: Type.Optional(Ref),
    relationship: Str,
  },
  { title: 'Relationship', additionalProperties: true },
);

export const RelationshipSchema = Type.Object(
  {
    id: Type.String(),
    division: DivisionRefSchema,
    user: Type.Object({ id: Type.String(), selfUri: Type.String() }),
    externalOrganization: Type.Object({ id: Type.String(), selfUri: Type.String() }),
    relationship: Type.String(),
    selfUri: Type.String(),
  },
  { title: 'Relationship', additionalProperties: true },
);
