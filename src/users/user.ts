import type { RoleDivision } from '../authorization/grant.repository.js';

/** A person who signs in (to the web UI, or through the password grant). */
export interface User {
  id: string;
  orgId: string;
  name: string;
  email: string;
  passwordHash: string | null;
  title: string | null;
  department: string | null;
  divisionId: string;
  state: string;
  version: number;
  createdAt: string;
  modifiedAt: string;
}

export const USERS_PATH = '/api/v2/users';

/** The Genesys `User` shape, with the user's grants as `roleDivisions`. */
export interface UserView {
  id: string;
  name: string;
  email: string;
  username: string;
  title?: string;
  department?: string;
  division: { id: string; selfUri: string };
  state: string;
  version: number;
  roleDivisions: RoleDivision[];
  selfUri: string;
}

export function toUserView(user: User, roleDivisions: RoleDivision[]): UserView {
  const view: UserView = {
    id: user.id,
    name: user.name,
    email: user.email,
    username: user.email,
    division: {
      id: user.divisionId,
      selfUri: `/api/v2/authorization/divisions/${user.divisionId}`,
    },
    state: user.state,
    version: user.version,
    roleDivisions,
    selfUri: `${USERS_PATH}/${user.id}`,
  };
  if (user.title !== null) view.title = user.title;
  if (user.department !== null) view.department = user.department;
  return view;
}
