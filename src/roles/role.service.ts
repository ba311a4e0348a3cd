import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { conflictOnDuplicate } from '../db/errors.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { isPermissionString } from '../authorization/permissions.js';
import { countRoleHolders } from '../authorization/grant.repository.js';
import { isUuid, newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import { badRequest, conflict, notFound } from '../errors/app-error.js';
import {
  deleteRole as deleteRoleRow,
  findRole,
  findRoleByName,
  insertRole,
  listRoles as listRoleRows,
  updateRole as updateRoleRow,
} from './role.repository.js';
import type { Role } from './role.js';

export interface RoleInput {
  name: string;
  description?: string | undefined;
  permissions?: readonly string[] | undefined;
}

function cleanInput(input: RoleInput): {
  name: string;
  description: string;
  permissions: string[];
} {
  const name = input.name.trim();
  if (name === '' || name.length > 200)
    throw badRequest('A role name has 1 to 200 characters', 'name');
  const description = (input.description ?? '').trim();
  if (description.length > 1000)
    throw badRequest('A role description has at most 1000 characters', 'description');
  const permissions = [...new Set(input.permissions ?? [])];
  const bad = permissions.find((p) => !isPermissionString(p));
  if (bad !== undefined) {
    throw badRequest(
      `"${bad}" is not a permission: write domain:entity:action, e.g. externalContacts:contact:view`,
      'permissions',
    );
  }
  return { name, description, permissions };
}

/** Finds a role by id or, failing that, by name (the CLI's `--role` takes either). */
export async function resolveRole(
  db: Kysely<DB>,
  orgId: string,
  idOrName: string,
): Promise<Role | undefined> {
  return (
    (isUuid(idOrName) ? await findRole(db, orgId, idOrName) : undefined) ??
    findRoleByName(db, orgId, idOrName)
  );
}

export async function getRole(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<Role & { userCount: number }> {
  requirePermission(principal, 'authorization:role:view');
  const role = await findRole(db, principal.orgId, id);
  if (!role) throw notFound('Role', id);
  return { ...role, userCount: await countRoleHolders(db, principal.orgId, id) };
}

export async function listRoles(
  db: Kysely<DB>,
  principal: Principal,
  name: string | undefined,
  page: PageRequest,
): Promise<{ roles: Role[]; total: number }> {
  requirePermission(principal, 'authorization:role:view');
  return listRoleRows(db, principal.orgId, name, checkPage(page, { maxPageSize: 500 }));
}

export async function createRole(
  db: Kysely<DB>,
  principal: Principal,
  input: RoleInput,
): Promise<Role> {
  requirePermission(principal, 'authorization:role:add');
  const clean = cleanInput(input);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        if (await findRoleByName(trx, principal.orgId, clean.name)) {
          throw conflict(`A role named "${clean.name}" already exists`);
        }
        const now = nowIso();
        const role: Role = {
          id: newId(),
          orgId: principal.orgId,
          ...clean,
          builtIn: null,
          createdAt: now,
          modifiedAt: now,
        };
        await insertRole(trx, role);
        return role;
      }),
    'A role with that name already exists',
  );
}

/** @throws AppError 400 when renaming a built-in role (the CLI finds them by name). */
export async function updateRole(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: RoleInput,
): Promise<Role> {
  requirePermission(principal, 'authorization:role:edit');
  const clean = cleanInput(input);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const current = await findRole(trx, principal.orgId, id);
        if (!current) throw notFound('Role', id);
        if (current.builtIn !== null && clean.name.toLowerCase() !== current.name.toLowerCase()) {
          throw badRequest(`The built-in role "${current.name}" cannot be renamed`, 'name');
        }
        const holder = await findRoleByName(trx, principal.orgId, clean.name);
        if (holder && holder.id !== id)
          throw conflict(`A role named "${holder.name}" already exists`);
        const updated: Role = { ...current, ...clean, modifiedAt: nowIso() };
        await updateRoleRow(trx, updated);
        return updated;
      }),
    'A role with that name already exists',
  );
}

/** Deletes a custom role and its grants. @throws AppError 400 for a built-in role. */
export async function deleteRole(db: Kysely<DB>, principal: Principal, id: string): Promise<void> {
  requirePermission(principal, 'authorization:role:delete');
  await db.transaction().execute(async (trx) => {
    const current = await findRole(trx, principal.orgId, id);
    if (!current) throw notFound('Role', id);
    if (current.builtIn !== null)
      throw badRequest(`The built-in role "${current.name}" cannot be deleted`, 'id');
    await deleteRoleRow(trx, principal.orgId, id);
  });
}
