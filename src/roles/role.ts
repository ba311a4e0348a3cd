/** A named set of permissions, granted to principals on divisions. */
export interface Role {
  id: string;
  orgId: string;
  name: string;
  description: string;
  permissions: string[];
  /** Which built-in role this is (`admin`, `agent`), or null for a custom role. */
  builtIn: string | null;
  createdAt: string;
  modifiedAt: string;
}

export const ROLES_PATH = '/api/v2/authorization/roles';

/** The Genesys `DomainOrganizationRole` shape. */
export interface RoleView {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  default: boolean;
  base: boolean;
  userCount?: number;
  selfUri: string;
}

export function toRoleView(role: Role): RoleView {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    permissions: role.permissions,
    default: role.builtIn !== null,
    base: false,
    selfUri: `${ROLES_PATH}/${role.id}`,
  };
}
