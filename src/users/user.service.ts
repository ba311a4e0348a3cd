import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { conflictOnDuplicate } from '../db/errors.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import {
  listRoleDivisions,
  replaceGrants,
  type RoleDivision,
} from '../authorization/grant.repository.js';
import { checkRoleDivisions } from '../authorization/role-divisions.js';
import { hashSecret } from '../auth/credentials.js';
import { deleteSubjectTokens } from '../auth/token.repository.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import { badRequest, conflict, notFound } from '../errors/app-error.js';
import { findDivision, findHomeDivision } from '../divisions/division.repository.js';
import {
  deleteUser as deleteUserRow,
  findUser,
  findUserForLogin,
  insertUser,
  listUsers as listUserRows,
  updateUser as updateUserRow,
} from './user.repository.js';
import type { User } from './user.js';

export interface UserInput {
  name: string;
  email: string;
  password?: string | undefined;
  title?: string | undefined;
  department?: string | undefined;
  divisionId?: string | undefined;
  state?: string | undefined;
  roleDivisions?: readonly RoleDivision[] | undefined;
}

export interface UserPatch {
  version: number;
  name?: string | undefined;
  email?: string | undefined;
  title?: string | undefined;
  department?: string | undefined;
  state?: string | undefined;
  roleDivisions?: readonly RoleDivision[] | undefined;
}

export interface UserWithGrants {
  user: User;
  roleDivisions: RoleDivision[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD_LENGTH = 8;

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 255)
    throw badRequest('A user name has 1 to 255 characters', 'name');
  return trimmed;
}

function checkEmail(email: string): string {
  const trimmed = email.trim();
  if (!EMAIL.test(trimmed) || trimmed.length > 256)
    throw badRequest(`"${email}" is not a valid email address`, 'email');
  return trimmed;
}

function checkState(state: string | undefined): string {
  const s = state ?? 'active';
  if (s !== 'active' && s !== 'inactive') throw badRequest('state is active or inactive', 'state');
  return s;
}

async function hashPassword(password: string | undefined): Promise<string | null> {
  if (password === undefined) return null;
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw badRequest(`A password has at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
  }
  return hashSecret(password);
}

async function assertEmailFree(db: Kysely<DB>, email: string, exceptId?: string): Promise<void> {
  const holder = await findUserForLogin(db, email);
  if (holder && holder.id !== exceptId) throw conflict(`A user with email ${email} already exists`);
}

export async function getUser(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<UserWithGrants> {
  requirePermission(principal, 'directory:user:view');
  const user = await findUser(db, principal.orgId, id);
  if (!user) throw notFound('User', id);
  return {
    user,
    roleDivisions: (await listRoleDivisions(db, principal.orgId, [id])).get(id) ?? [],
  };
}

export async function listUsers(
  db: Kysely<DB>,
  principal: Principal,
  page: PageRequest,
): Promise<{ users: UserWithGrants[]; total: number }> {
  requirePermission(principal, 'directory:user:view');
  const { users, total } = await listUserRows(
    db,
    principal.orgId,
    checkPage(page, { maxPageSize: 500 }),
  );
  const grants = await listRoleDivisions(
    db,
    principal.orgId,
    users.map((u) => u.id),
  );
  return {
    users: users.map((user) => ({ user, roleDivisions: grants.get(user.id) ?? [] })),
    total,
  };
}

export async function createUser(
  db: Kysely<DB>,
  principal: Principal,
  input: UserInput,
): Promise<UserWithGrants> {
  requirePermission(principal, 'directory:user:add');
  return registerUser(db, principal.orgId, input);
}

/**
 * Creates a user and its grants with no permission check (the CLI acts for the operator).
 * @throws AppError 409 when the email is taken; 400 for a bad field.
 */
export async function registerUser(
  db: Kysely<DB>,
  orgId: string,
  input: UserInput,
): Promise<UserWithGrants> {
  const name = checkName(input.name);
  const email = checkEmail(input.email);
  const state = checkState(input.state);
  const passwordHash = await hashPassword(input.password);
  const roleDivisions = [...(input.roleDivisions ?? [])];
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        await assertEmailFree(trx, email);
        await checkRoleDivisions(trx, orgId, roleDivisions);
        const division =
          input.divisionId === undefined
            ? await findHomeDivision(trx, orgId)
            : await findDivision(trx, orgId, input.divisionId);
        if (!division)
          throw badRequest(`Division ${input.divisionId ?? ''} does not exist`, 'divisionId');
        const now = nowIso();
        const user: User = {
          id: newId(),
          orgId,
          name,
          email,
          passwordHash,
          title: input.title?.trim() || null,
          department: input.department?.trim() || null,
          divisionId: division.id,
          state,
          version: 1,
          createdAt: now,
          modifiedAt: now,
        };
        await insertUser(trx, user);
        await replaceGrants(trx, orgId, user.id, roleDivisions);
        return { user, roleDivisions };
      }),
    'A user with that email already exists',
  );
}

/**
 * Applies a partial update. `version` must be the current version, as Genesys requires.
 * @throws AppError 409 on a stale version or a taken email.
 */
export async function patchUser(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  patch: UserPatch,
): Promise<UserWithGrants> {
  requirePermission(principal, 'directory:user:edit');
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const current = await findUser(trx, principal.orgId, id);
        if (!current) throw notFound('User', id);
        if (patch.version !== current.version) {
          throw conflict(
            `User ${id} is at version ${current.version}, not ${patch.version}; fetch it and try again`,
          );
        }
        const email = patch.email === undefined ? current.email : checkEmail(patch.email);
        if (email.toLowerCase() !== current.email.toLowerCase())
          await assertEmailFree(trx, email, id);
        const updated: User = {
          ...current,
          name: patch.name === undefined ? current.name : checkName(patch.name),
          email,
          title: patch.title === undefined ? current.title : patch.title.trim() || null,
          department:
            patch.department === undefined ? current.department : patch.department.trim() || null,
          state: patch.state === undefined ? current.state : checkState(patch.state),
          version: current.version + 1,
          modifiedAt: nowIso(),
        };
        await updateUserRow(trx, updated);
        if (updated.state !== 'active') await deleteSubjectTokens(trx, principal.orgId, id);
        let roleDivisions: RoleDivision[];
        if (patch.roleDivisions !== undefined) {
          roleDivisions = [...patch.roleDivisions];
          await checkRoleDivisions(trx, principal.orgId, roleDivisions);
          await replaceGrants(trx, principal.orgId, id, roleDivisions);
        } else {
          roleDivisions = (await listRoleDivisions(trx, principal.orgId, [id])).get(id) ?? [];
        }
        return { user: updated, roleDivisions };
      }),
    'A user with that email already exists',
  );
}

/** Sets a user's password (an administrator does this) and revokes the user's tokens. */
export async function setUserPassword(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  password: string,
): Promise<void> {
  requirePermission(principal, 'directory:user:edit');
  const passwordHash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    const current = await findUser(trx, principal.orgId, id);
    if (!current) throw notFound('User', id);
    await updateUserRow(trx, {
      ...current,
      passwordHash,
      version: current.version + 1,
      modifiedAt: nowIso(),
    });
    await deleteSubjectTokens(trx, principal.orgId, id);
  });
}

export async function deleteUser(db: Kysely<DB>, principal: Principal, id: string): Promise<void> {
  requirePermission(principal, 'directory:user:delete');
  await db.transaction().execute(async (trx) => {
    const current = await findUser(trx, principal.orgId, id);
    if (!current) throw notFound('User', id);
    await replaceGrants(trx, principal.orgId, id, []);
    await deleteSubjectTokens(trx, principal.orgId, id);
    await deleteUserRow(trx, principal.orgId, id);
  });
}
