import type { RoleDivision } from '../authorization/grant.repository.js';

/** An OAuth client: a machine principal that logs in with client credentials. */
export interface OAuthClient {
  id: string;
  orgId: string;
  name: string;
  description: string;
  secretHash: string;
  authorizedGrantType: string;
  accessTokenValiditySeconds: number | null;
  /** Requests per minute for this client; null uses the server default, 0 means unlimited. */
  rateLimitPerMinute: number | null;
  state: string;
  createdBy: string | null;
  createdAt: string;
  modifiedAt: string;
}

export const CLIENTS_PATH = '/api/v2/oauth/clients';

/** The Genesys `OAuthClient` shape; `secret` only in the answer that created the client. */
export interface OAuthClientView {
  id: string;
  name: string;
  description: string;
  authorizedGrantType: string;
  accessTokenValiditySeconds?: number;
  rateLimitPerMinute?: number;
  roleIds: string[];
  roleDivisions: RoleDivision[];
  state: string;
  dateCreated: string;
  dateModified: string;
  createdBy?: { id: string; selfUri?: string };
  secret?: string;
  selfUri: string;
}

export function toClientView(
  client: OAuthClient,
  roleDivisions: RoleDivision[],
  secret?: string,
): OAuthClientView {
  const view: OAuthClientView = {
    id: client.id,
    name: client.name,
    description: client.description,
    authorizedGrantType: client.authorizedGrantType,
    roleIds: [...new Set(roleDivisions.map((rd) => rd.roleId))],
    roleDivisions,
    state: client.state,
    dateCreated: client.createdAt,
    dateModified: client.modifiedAt,
    selfUri: `${CLIENTS_PATH}/${client.id}`,
  };
  if (client.accessTokenValiditySeconds !== null)
    view.accessTokenValiditySeconds = client.accessTokenValiditySeconds;
  if (client.rateLimitPerMinute !== null) view.rateLimitPerMinute = client.rateLimitPerMinute;
  if (client.createdBy !== null) view.createdBy = { id: client.createdBy };
  if (secret !== undefined) view.secret = secret;
  return view;
}
