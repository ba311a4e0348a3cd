import type { PhoneNumber } from '../contacts/phone.js';
import {
  divisionRef,
  type ContactAddress,
  type ContactIdentifierView,
  type ExternalIdRef,
  type TwitterId,
} from '../contacts/contact.js';

/** A stock listing of a company (`Ticker`). */
export interface Ticker {
  symbol: string;
  exchange: string;
}

/** The writable fields of an external organization, normalized; absent fields are not set. */
export interface OrganizationFields {
  name: string;
  companyType?: string;
  industry?: string;
  address?: ContactAddress;
  phoneNumber?: PhoneNumber;
  faxNumber?: PhoneNumber;
  employeeCount?: number;
  revenue?: number;
  tags?: string[];
  websites?: string[];
  tickers?: Ticker[];
  twitterId?: TwitterId;
  externalSystemUrl?: string;
  externalIds?: ExternalIdRef[];
  schema?: { id: string; version: number };
  customFields?: Record<string, unknown>;
}

/** An external organization (a company the contact center deals with), as services see it. */
export interface Organization {
  id: string;
  orgId: string;
  /** null: unassigned (`*` on the wire). */
  divisionId: string | null;
  fields: OrganizationFields;
  version: number;
  createDate: string;
  modifyDate: string;
}

export const ORGANIZATIONS_PATH = '/api/v2/externalcontacts/organizations';

export function organizationSelfUri(id: string): string {
  return `${ORGANIZATIONS_PATH}/${id}`;
}

/** The notification topic of an organization, as Genesys names it. */
export function organizationTopic(id: string): string {
  return `v2.externalcontacts.organizations.${id}`;
}

/** What a read asked to expand, already loaded by the service. */
export interface OrganizationViewOptions {
  readonly divisionNames?: ReadonlyMap<string, string>;
  readonly identifiers?: readonly ContactIdentifierView[];
}

/** The Genesys `ExternalOrganization` shape. */
export type OrganizationView = Record<string, unknown> & {
  id: string;
  name: string;
  selfUri: string;
};

/** One mapping from the domain organization to the wire shape. */
export function toOrganizationView(
  organization: Organization,
  options: OrganizationViewOptions = {},
): OrganizationView {
  const { name, ...fields } = organization.fields;
  const view: OrganizationView = {
    id: organization.id,
    name,
    division: divisionRef(organization.divisionId, options.divisionNames),
    ...fields,
    createDate: organization.createDate,
    modifyDate: organization.modifyDate,
    selfUri: organizationSelfUri(organization.id),
  };
  if (options.identifiers !== undefined) view.identifiers = [...options.identifiers];
  return view;
}
