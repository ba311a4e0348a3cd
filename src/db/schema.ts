/*
 * Row types: what the tables hold, snake_case, as both dialects return them (JSON as text,
 * timestamps as ISO-8601 text, booleans as 0/1). They stop at the repository boundary.
 */

export interface OrgTable {
  id: string;
  name: string;
  name_key: string;
  is_default: number;
  created_at: string;
}

export interface DivisionTable {
  org_id: string;
  id: string;
  name: string;
  name_key: string;
  description: string;
  home_division: number;
  created_at: string;
  modified_at: string;
}

export interface RoleTable {
  org_id: string;
  id: string;
  name: string;
  name_key: string;
  description: string;
  /** JSON array of permission strings. */
  permissions: string;
  /** The built-in role this one is (`admin`, `agent`), or null for a custom role. */
  built_in: string | null;
  created_at: string;
  modified_at: string;
}

export interface ClientTable {
  org_id: string;
  id: string;
  name: string;
  description: string;
  secret_hash: string;
  authorized_grant_type: string;
  access_token_validity_seconds: number | null;
  rate_limit_per_minute: number | null;
  state: string;
  created_by: string | null;
  created_at: string;
  modified_at: string;
}

export interface UserTable {
  org_id: string;
  id: string;
  name: string;
  email: string;
  username_key: string;
  password_hash: string | null;
  title: string | null;
  department: string | null;
  division_id: string;
  state: string;
  version: number;
  created_at: string;
  modified_at: string;
}

/** A role granted to a client or user on a division (`*` meaning every division). */
export interface GrantTable {
  org_id: string;
  subject_id: string;
  role_id: string;
  division_id: string;
}

export interface TokenTable {
  org_id: string;
  token_hash: string;
  subject_type: string;
  subject_id: string;
  created_at: string;
  expires_at: string;
}

export interface ContactTable {
  org_id: string;
  id: string;
  division_id: string | null;
  type: string;
  first_name: string | null;
  middle_name: string | null;
  last_name: string | null;
  title: string | null;
  /** JSON: the contact's API fields that have no column of their own. */
  data: string;
  version: number;
  created_at: string;
  modified_at: string;
}

/** The outbox: one row per change, written in the change's transaction, delivered later. */
export interface EventTable {
  org_id: string;
  id: string;
  topic: string;
  kind: string;
  entity_type: string;
  entity_id: string;
  division_id: string | null;
  principal_id: string | null;
  payload: string;
  created_at: string;
  delivered_at: string | null;
}

/** Who changed what and when, kept for as long as the organization exists. */
export interface AuditTable {
  org_id: string;
  id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  principal_type: string | null;
  principal_id: string | null;
  before: string | null;
  after: string | null;
  created_at: string;
}

export interface DB {
  orgs: OrgTable;
  divisions: DivisionTable;
  roles: RoleTable;
  clients: ClientTable;
  users: UserTable;
  grants: GrantTable;
  tokens: TokenTable;
  contacts: ContactTable;
  events: EventTable;
  audit_log: AuditTable;
}
