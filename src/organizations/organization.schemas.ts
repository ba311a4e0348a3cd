import { enrichRequestSchema } from '../http/enrich-schemas.js';
import { Type } from '@sinclair/typebox';
import { Listing } from '../http/schemas.js';
import {
  AddressSchema,
  DivisionRefSchema,
  ExternalIdSchema,
  IdentifierSchema,
  PhoneNumberSchema,
} from '../contacts/contact.schemas.js';

/**
 * Route schemas of the organization endpoints: they drive validation, types and the OpenAPI
 * document. Bodies are typed loosely; the service checks every limit and names the field.
 */

const Str = Type.Optional(Type.String());

/** The writable `ExternalOrganization` fields. */
export const OrganizationBodySchema = Type.Object(
  {
    id: Str,
    name: Str,
    division: Type.Optional(DivisionRefSchema),
    companyType: Str,
    industry: Str,
    address: Type.Optional(AddressSchema),
    phoneNumber: Type.Optional(PhoneNumberSchema),
    faxNumber: Type.Optional(PhoneNumberSchema),
    employeeCount: Type.Optional(Type.Integer()),
    revenue: Type.Optional(Type.Integer()),
    tags: Type.Optional(Type.Array(Type.String())),
    websites: Type.Optional(Type.Array(Type.String())),
    tickers: Type.Optional(
      Type.Array(
        Type.Object(
          { symbol: Str, exchange: Str },
          { title: 'Ticker', additionalProperties: true },
        ),
      ),
    ),
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
    externalSystemUrl: Str,
    externalIds: Type.Optional(Type.Array(ExternalIdSchema)),
    schema: Type.Optional(
      Type.Object(
        { id: Str, version: Type.Optional(Type.Integer()) },
        { additionalProperties: true },
      ),
    ),
    customFields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { title: 'ExternalOrganization', additionalProperties: true },
);

/** The answer shape: the declared fields plus whatever the organization carries. */
export const OrganizationSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    division: DivisionRefSchema,
    createDate: Type.String(),
    modifyDate: Type.String(),
    selfUri: Type.String(),
  },
  { title: 'ExternalOrganization', additionalProperties: true },
);

export const OrganizationListingSchema = Listing(
  OrganizationSchema,
  'ExternalOrganizationListing',
  { partialResults: true },
);

export const OrganizationIdentifierSchema = Type.Object(IdentifierSchema.properties, {
  title: 'ExternalOrganizationIdentifier',
  additionalProperties: true,
});

export const ClaimRequestSchema = Type.Object(
  {
    operation: Type.Unsafe<'Claim' | 'Release'>({ type: 'string', enum: ['Claim', 'Release'] }),
    identifier: OrganizationIdentifierSchema,
  },
  { title: 'ExternalOrganizationIdentifierClaimRequest' },
);

/** A Genesys `ExternalOrganizationEnrichRequest`. */
export const OrganizationEnrichRequestSchema = enrichRequestSchema(
  'externalOrganization',
  OrganizationBodySchema,
  'ExternalOrganizationEnrichRequest',
);
