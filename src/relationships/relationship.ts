import { divisionRef } from '../contacts/contact.js';
import { organizationSelfUri } from '../organizations/organization.js';

/**
 * A link between one of the tenant's users and an external organization ("Account Manager"). It
 * lives in its organization's division.
 */
export interface Relationship {
  id: string;
  orgId: string;
  /** The organization's division; null: unassigned (`*` on the wire). */
  divisionId: string | null;
  userId: string;
  organizationId: string;
  relationship: string;
  createDate: string;
  modifyDate: string;
}

export const RELATIONSHIPS_PATH = '/api/v2/externalcontacts/relationships';
export const RELATIONSHIP_MAX_LENGTH = 100;

export function relationshipSelfUri(id: string): string {
  return `${RELATIONSHIPS_PATH}/${id}`;
}

/** The notification topic of a relationship, as Genesys names it. */
export function relationshipTopic(id: string): string {
  return `v2.externalcontacts.relationships.${id}`;
}

/** The Genesys `Relationship` shape. */
export interface RelationshipView {
  id: string;
  division: { id: string; name?: string; selfUri?: string };
  user: { id: string; selfUri: string };
  externalOrganization: { id: string; selfUri: string };
  relationship: string;
  selfUri: string;
}

export function toRelationshipView(relationship: Relationship): RelationshipView {
  return {
    id: relationship.id,
    division: divisionRef(relationship.divisionId),
    user: { id: relationship.userId, selfUri: `/api/v2/users/${relationship.userId}` },
    externalOrganization: {
      id: relationship.organizationId,
      selfUri: organizationSelfUri(relationship.organizationId),
    },
    relationship: relationship.relationship,
    selfUri: relationshipSelfUri(relationship.id),
  };
}
