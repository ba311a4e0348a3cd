import { enrichRequestSchema } from '../http/enrich-schemas.js';
import { Type } from '@sinclair/typebox';
import { Listing } from '../http/schemas.js';
import { PATCH_ACTIONS, type PatchAction } from './contact-patch.js';

/** Route schemas of the contact endpoints: they drive validation, types and the OpenAPI document. */

const Str = Type.Optional(Type.String());

export const DivisionRefSchema = Type.Object(
  {
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    selfUri: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const PhoneNumberSchema = Type.Object(
  {
    display: Str,
    extension: Type.Optional(Type.Integer()),
    acceptsSMS: Type.Optional(Type.Boolean()),
    normalizationCountryCode: Str,
    userInput: Str,
    e164: Str,
    countryCode: Str,
  },
  { title: 'PhoneNumber', additionalProperties: true },
);

export const AddressSchema = Type.Object(
  { address1: Str, address2: Str, city: Str, state: Str, postalCode: Str, countryCode: Str },
  { title: 'ContactAddress', additionalProperties: true },
);

const Ref = Type.Object({ id: Str, selfUri: Str }, { additionalProperties: true });

export const ExternalIdSchema = Type.Object(
  { externalSource: Ref, value: Type.String() },
  { title: 'ExternalId', additionalProperties: true },
);

/** The writable `ExternalContact` fields, typed loosely: the service checks every limit. */
export const ContactBodySchema = Type.Object(
  {
    id: Str,
    division: Type.Optional(DivisionRefSchema),
    firstName: Str,
    middleName: Str,
    lastName: Str,
    salutation: Str,
    title: Str,
    workPhone: Type.Optional(PhoneNumberSchema),
    cellPhone: Type.Optional(PhoneNumberSchema),
    homePhone: Type.Optional(PhoneNumberSchema),
    otherPhone: Type.Optional(PhoneNumberSchema),
    workEmail: Str,
    personalEmail: Str,
    otherEmail: Str,
    address: Type.Optional(AddressSchema),
    twitterId: Type.Optional(
      Type.Object(
        {
          id: Str,
          name: Str,
          screenName: Str,
          verified: Type.Optional(Type.Boolean()),
          profileUrl: Str,
        },
        { additionalProperties: true },
      ),
    ),
    lineId: Type.Optional(
      Type.Object(
        {
          ids: Type.Optional(
            Type.Array(Type.Object({ userId: Type.String() }, { additionalProperties: true })),
          ),
          displayName: Str,
        },
        { additionalProperties: true },
      ),
    ),
    whatsAppId: Type.Optional(
      Type.Object(
        { phoneNumber: Type.Optional(PhoneNumberSchema), displayName: Str },
        { additionalProperties: true },
      ),
    ),
    facebookId: Type.Optional(
      Type.Object(
        {
          ids: Type.Optional(
            Type.Array(Type.Object({ scopedId: Type.String() }, { additionalProperties: true })),
          ),
          displayName: Str,
        },
        { additionalProperties: true },
      ),
    ),
    instagramId: Type.Optional(
      Type.Object(
        {
          ids: Type.Optional(
            Type.Array(Type.Object({ scopedId: Type.String() }, { additionalProperties: true })),
          ),
          displayName: Str,
          handle: Str,
        },
        { additionalProperties: true },
      ),
    ),
    appleOpaqueIds: Type.Optional(
      Type.Array(Type.Object({ value: Str }, { additionalProperties: true })),
    ),
    externalIds: Type.Optional(Type.Array(ExternalIdSchema)),
    externalOrganization: Type.Optional(Ref),
    surveyOptOut: Type.Optional(Type.Boolean()),
    externalSystemUrl: Str,
    schema: Type.Optional(
      Type.Object(
        { id: Str, version: Type.Optional(Type.Integer()) },
        { additionalProperties: true },
      ),
    ),
    customFields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { title: 'ExternalContact', additionalProperties: true },
);

/** The answer shape: the declared fields plus whatever the contact carries. */
export const ContactSchema = Type.Object(
  {
    id: Type.String(),
    division: DivisionRefSchema,
    type: Type.String(),
    createDate: Type.String(),
    modifyDate: Type.String(),
    selfUri: Type.String(),
  },
  { title: 'ExternalContact', additionalProperties: true },
);

export const ContactListingSchema = Listing(ContactSchema, 'ContactListing', {
  partialResults: true,
});

export const IdentifierSchema = Type.Object(
  {
    division: Type.Optional(DivisionRefSchema),
    type: Type.String({ minLength: 1 }),
    value: Type.String(),
    dateCreated: Str,
    externalSource: Type.Optional(Ref),
  },
  { title: 'ContactIdentifier', additionalProperties: true },
);

/** The `changes[]` of an `ExternalContactsPatchRequest`: one to a hundred field changes. */
export const PatchChangesSchema = Type.Array(
  Type.Object(
    {
      field: Type.String({ minLength: 1, maxLength: 500 }),
      value: Type.Optional(Type.Unknown()),
      action: Type.Unsafe<PatchAction>({ type: 'string', enum: [...PATCH_ACTIONS] }),
    },
    { additionalProperties: true },
  ),
  { minItems: 1, maxItems: 100 },
);

export const PatchRequestSchema = Type.Object(
  { changes: PatchChangesSchema },
  { title: 'ExternalContactsPatchRequest' },
);

export const ExpandQuery = Type.Optional(Type.Array(Type.String()));

/** A Genesys `ContactEnrichRequest`; the service checks actions, rules and limits by name. */
export const EnrichRequestSchema = enrichRequestSchema(
  'contact',
  ContactBodySchema,
  'ContactEnrichRequest',
  {
    options: Type.Optional(
      Type.Object({ promote: Type.Optional(Type.Boolean()) }, { additionalProperties: true }),
    ),
  },
);
