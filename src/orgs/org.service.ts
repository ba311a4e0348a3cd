import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { conflictOnDuplicate } from '../db/errors.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { conflict, badRequest } from '../errors/app-error.js';
import { BUILT_IN_ROLES, type BuiltInRole } from '../authorization/permissions.js';
import { insertDivision } from '../divisions/division.repository.js';
import { HOME_DIVISION_NAME } from '../divisions/division.js';
import { insertRole } from '../roles/role.repository.js';
import {
  findDefaultOrganization,
  findOrganizationByName,
  insertOrganization,
  type Organization,
} from './org.repository.js';

export const DEFAULT_ORGANIZATION_NAME = 'Default';

/**
 * Creates an organization with its home division and the built-in `admin` and `agent` roles,
 * in one transaction.
 * @throws AppError 409 when an organization of that name exists; 400 for an empty name.
 */
export async function createOrganization(
  db: Kysely<DB>,
  name: string,
  options: { isDefault?: boolean } = {},
): Promise<Organization> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200)
    throw badRequest('An organization name has 1 to 200 characters', 'name');
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        if (await findOrganizationByName(trx, trimmed)) {
          throw conflict(`An organization named "${trimmed}" already exists`);
        }
        const now = nowIso();
        const org: Organization = {
          id: newId(),
          name: trimmed,
          isDefault: options.isDefault ?? false,
          createdAt: now,
        };
        await insertOrganization(trx, org);
        await insertDivision(trx, {
          id: newId(),
          orgId: org.id,
          name: HOME_DIVISION_NAME,
          description: 'The home division',
          homeDivision: true,
          createdAt: now,
          modifiedAt: now,
        });
        for (const key of Object.keys(BUILT_IN_ROLES) as BuiltInRole[]) {
          const role = BUILT_IN_ROLES[key];
          await insertRole(trx, {
            id: newId(),
            orgId: org.id,
            name: role.name,
            description: role.description,
            permissions: [...role.permissions],
            builtIn: key,
            createdAt: now,
            modifiedAt: now,
          });
        }
        return org;
      }),
    'An organization with that name already exists',
  );
}

/** The default organization, created on first call. Safe when several processes start at once. */
export async function ensureDefaultOrganization(db: Kysely<DB>): Promise<Organization> {
  const existing = await findDefaultOrganization(db);
  if (existing) return existing;
  try {
    return await createOrganization(db, DEFAULT_ORGANIZATION_NAME, { isDefault: true });
  } catch (error) {
    // Another process created it between our read and our insert.
    const created = await findDefaultOrganization(db);
    if (created) return created;
    throw error;
  }
}
