import { ok } from './http.js';
import type { TestKith } from './kith.js';

export const ORGANIZATIONS = '/api/v2/externalcontacts/organizations';
export const RELATIONSHIPS = '/api/v2/externalcontacts/relationships';
export const EXTERNAL_SOURCES = '/api/v2/externalcontacts/externalsources';
export const ORGANIZATION_LOOKUP = '/api/v2/externalcontacts/identifierlookup/organizations';

/** The Genesys `ExternalOrganization` shape, as far as tests read it. */
export interface OrganizationView {
  id: string;
  name: string;
  division: { id: string; name?: string; selfUri?: string };
  companyType?: string;
  industry?: string;
  createDate: string;
  modifyDate: string;
  selfUri: string;
  identifiers?: { type: string; value: string; externalSource?: { id: string } }[];
  [field: string]: unknown;
}

/** The Genesys `Relationship` shape. */
export interface RelationshipView {
  id: string;
  division: { id: string };
  user: { id: string; selfUri: string };
  externalOrganization: { id: string; selfUri: string };
  relationship: string;
  selfUri: string;
}

/** Creates an organization (as the admin unless `token` is given), which must succeed. */
export async function createOrganization(
  kith: TestKith,
  body: Record<string, unknown>,
  token?: string,
): Promise<OrganizationView> {
  return ok<OrganizationView>(
    await kith.request('POST', ORGANIZATIONS, { body, ...(token === undefined ? {} : { token }) }),
  );
}

/** Creates an organization named `name` in `divisionId` (unassigned when undefined). */
export async function organizationIn(
  kith: TestKith,
  name: string,
  divisionId: string | undefined,
  extra: Record<string, unknown> = {},
): Promise<OrganizationView> {
  return createOrganization(kith, {
    name,
    ...(divisionId === undefined ? {} : { division: { id: divisionId } }),
    ...extra,
  });
}

let userCounter = 0;

/** Creates a user of the tenant the token belongs to (the admin's by default) and returns its id. */
export async function createUser(kith: TestKith, name: string, token?: string): Promise<string> {
  userCounter += 1;
  const email = `user-${userCounter}-${Date.now().toString(36)}@example.com`;
  return ok<{ id: string }>(
    await kith.request('POST', '/api/v2/users', {
      body: { name, email, password: 'correct horse battery' },
      ...(token === undefined ? {} : { token }),
    }),
  ).id;
}

/** Creates an external source and returns its id. */
export async function createExternalSource(kith: TestKith, name: string): Promise<string> {
  return ok<{ id: string }>(await kith.request('POST', EXTERNAL_SOURCES, { body: { name } })).id;
}

/** The kinds of the events recorded on a topic, oldest first. */
export async function eventKinds(kith: TestKith, topic: string): Promise<string[]> {
  const rows = await kith.database.db
    .selectFrom('events')
    .select(['kind', 'created_at', 'id'])
    .where('topic', '=', topic)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.kind);
}
