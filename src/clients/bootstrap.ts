import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { ALL_DIVISIONS } from '../authorization/access.js';
import { listRoleDivisions, replaceGrants } from '../authorization/grant.repository.js';
import { hashSecret, verifySecret } from '../auth/credentials.js';
import { findRoleByName } from '../roles/role.repository.js';
import { BUILT_IN_ROLES } from '../authorization/permissions.js';
import { nowIso } from '../common/time.js';
import { findClientForLogin, listClients, updateClient } from './client.repository.js';
import { registerClient } from './client.service.js';

export type BootstrapResult =
  | { kind: 'created'; clientId: string; clientSecret: string; printSecret: boolean }
  | { kind: 'kept'; clientId: string }
  | { kind: 'none' };

/**
 * Makes sure the default organization can be administered on first start.
 * - With `KITH_ADMIN_CLIENT_ID`/`_SECRET`: that client exists with the admin role on every
 *   division; an existing one is kept (its secret follows the environment).
 * - Without them: when the organization has no client yet, one admin client is created and its
 *   secret returned to be printed this once.
 */
export async function bootstrapAdminClient(
  db: Kysely<DB>,
  orgId: string,
  fixed: { id?: string | undefined; secret?: string | undefined },
): Promise<BootstrapResult> {
  const admin = await findRoleByName(db, orgId, BUILT_IN_ROLES.admin.name);
  if (!admin) throw new Error('the built-in admin role is missing from the default organization');
  const grants = [{ roleId: admin.id, divisionId: ALL_DIVISIONS }];

  if (fixed.id !== undefined && fixed.secret !== undefined) {
    const existing = await findClientForLogin(db, fixed.id);
    if (existing === undefined) {
      const created = await registerClient(
        db,
        orgId,
        null,
        { name: 'Kith admin', roleDivisions: grants },
        fixed,
      );
      return {
        kind: 'created',
        clientId: created.client.id,
        clientSecret: created.secret,
        printSecret: false,
      };
    }
    if (existing.orgId !== orgId)
      throw new Error(`KITH_ADMIN_CLIENT_ID ${fixed.id} belongs to another organization`);
    await db.transaction().execute(async (trx) => {
      if (!(await verifySecret(fixed.secret ?? '', existing.secretHash))) {
        await updateClient(trx, {
          ...existing,
          secretHash: await hashSecret(fixed.secret ?? ''),
          modifiedAt: nowIso(),
        });
      }
      const held = (await listRoleDivisions(trx, orgId, [existing.id])).get(existing.id) ?? [];
      if (!held.some((g) => g.roleId === admin.id && g.divisionId === ALL_DIVISIONS)) {
        await replaceGrants(trx, orgId, existing.id, [...held, ...grants]);
      }
    });
    return { kind: 'kept', clientId: existing.id };
  }

  const { total } = await listClients(db, orgId, { pageNumber: 1, pageSize: 1 });
  if (total > 0) return { kind: 'none' };
  const created = await registerClient(db, orgId, null, {
    name: 'Kith admin',
    roleDivisions: grants,
  });
  return {
    kind: 'created',
    clientId: created.client.id,
    clientSecret: created.secret,
    printSecret: true,
  };
}
