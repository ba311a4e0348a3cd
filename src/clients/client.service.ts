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
import { hashSecret, newClientSecret } from '../auth/credentials.js';
import { deleteSubjectTokens } from '../auth/token.repository.js';
import { randomId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import { badRequest, conflict, notFound } from '../errors/app-error.js';
import {
  deleteClient as deleteClientRow,
  findClient,
  findClientForLogin,
  insertClient,
  listClients as listClientRows,
  updateClient as updateClientRow,
} from './client.repository.js';
import type { OAuthClient } from './client.js';

export const CLIENT_CREDENTIALS = 'CLIENT-CREDENTIALS';

export interface ClientInput {
  name: string;
  description?: string | undefined;
  authorizedGrantType?: string | undefined;
  accessTokenValiditySeconds?: number | undefined;
  rateLimitPerMinute?: number | undefined;
  roleDivisions?: readonly RoleDivision[] | undefined;
  state?: string | undefined;
}

/** A client with its grants; `secret` is present only right after creation. */
export interface ClientWithGrants {
  client: OAuthClient;
  roleDivisions: RoleDivision[];
  secret?: string;
}

function cleanInput(
  input: ClientInput,
): Required<Pick<ClientInput, 'name' | 'description' | 'authorizedGrantType' | 'state'>> {
  const name = input.name.trim();
  if (name === '' || name.length > 200)
    throw badRequest('A client name has 1 to 200 characters', 'name');
  const grantType = input.authorizedGrantType ?? CLIENT_CREDENTIALS;
  if (grantType !== CLIENT_CREDENTIALS) {
    throw badRequest(
      `Kith issues client tokens with ${CLIENT_CREDENTIALS} only`,
      'authorizedGrantType',
    );
  }
  const state = input.state ?? 'active';
  if (state !== 'active' && state !== 'inactive')
    throw badRequest('state is active or inactive', 'state');
  return {
    name,
    description: (input.description ?? '').trim(),
    authorizedGrantType: grantType,
    state,
  };
}

export async function getClient(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<ClientWithGrants> {
  requirePermission(principal, 'oauth:client:view');
  const client = await findClient(db, principal.orgId, id);
  if (!client) throw notFound('OAuth client', id);
  const grants = await listRoleDivisions(db, principal.orgId, [id]);
  return { client, roleDivisions: grants.get(id) ?? [] };
}

export async function listClients(
  db: Kysely<DB>,
  principal: Principal,
  page: PageRequest,
): Promise<{ clients: ClientWithGrants[]; total: number }> {
  requirePermission(principal, 'oauth:client:view');
  const { clients, total } = await listClientRows(
    db,
    principal.orgId,
    checkPage(page, { maxPageSize: 500 }),
  );
  const grants = await listRoleDivisions(
    db,
    principal.orgId,
    clients.map((c) => c.id),
  );
  return {
    clients: clients.map((client) => ({ client, roleDivisions: grants.get(client.id) ?? [] })),
    total,
  };
}

/** Creates a client for a principal that holds `oauth:client:add`. */
export async function createClient(
  db: Kysely<DB>,
  principal: Principal,
  input: ClientInput,
): Promise<ClientWithGrants> {
  requirePermission(principal, 'oauth:client:add');
  return registerClient(db, principal.orgId, principal.id, input);
}

/**
 * Creates a client and its grants, with no permission check (the CLI and the start-up bootstrap
 * act for the operator). The secret is generated unless one is given, is returned here once and
 * stored only as a scrypt hash.
 * @throws AppError 409 when the id is taken; 400 for an unknown role or division.
 */
export async function registerClient(
  db: Kysely<DB>,
  orgId: string,
  createdBy: string | null,
  input: ClientInput,
  fixed: { id?: string; secret?: string } = {},
): Promise<ClientWithGrants & { secret: string }> {
  const clean = cleanInput(input);
  const roleDivisions = [...(input.roleDivisions ?? [])];
  const secret = fixed.secret ?? newClientSecret();
  const secretHash = await hashSecret(secret);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        await checkRoleDivisions(trx, orgId, roleDivisions);
        const id = fixed.id ?? randomId();
        if (await findClientForLogin(trx, id))
          throw conflict(`An OAuth client with id ${id} already exists`);
        const now = nowIso();
        const client: OAuthClient = {
          id,
          orgId,
          ...clean,
          secretHash,
          accessTokenValiditySeconds: input.accessTokenValiditySeconds ?? null,
          rateLimitPerMinute: input.rateLimitPerMinute ?? null,
          createdBy,
          createdAt: now,
          modifiedAt: now,
        };
        await insertClient(trx, client);
        await replaceGrants(trx, orgId, id, roleDivisions);
        return { client, roleDivisions, secret };
      }),
    'An OAuth client with that id already exists',
  );
}

/** Replaces a client's settings and grants; its secret is kept. */
export async function updateClient(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: ClientInput,
): Promise<ClientWithGrants> {
  requirePermission(principal, 'oauth:client:edit');
  const clean = cleanInput(input);
  return db.transaction().execute(async (trx) => {
    const current = await findClient(trx, principal.orgId, id);
    if (!current) throw notFound('OAuth client', id);
    const updated: OAuthClient = {
      ...current,
      ...clean,
      accessTokenValiditySeconds: input.accessTokenValiditySeconds ?? null,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      modifiedAt: nowIso(),
    };
    await updateClientRow(trx, updated);
    let roleDivisions: RoleDivision[];
    if (input.roleDivisions !== undefined) {
      roleDivisions = [...input.roleDivisions];
      await checkRoleDivisions(trx, principal.orgId, roleDivisions);
      await replaceGrants(trx, principal.orgId, id, roleDivisions);
    } else {
      roleDivisions = (await listRoleDivisions(trx, principal.orgId, [id])).get(id) ?? [];
    }
    if (updated.state !== 'active') await deleteSubjectTokens(trx, principal.orgId, id);
    return { client: updated, roleDivisions };
  });
}

/** Deletes a client, its grants and every token it holds. */
export async function deleteClient(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<void> {
  requirePermission(principal, 'oauth:client:delete');
  await db.transaction().execute(async (trx) => {
    const current = await findClient(trx, principal.orgId, id);
    if (!current) throw notFound('OAuth client', id);
    await replaceGrants(trx, principal.orgId, id, []);
    await deleteSubjectTokens(trx, principal.orgId, id);
    await deleteClientRow(trx, principal.orgId, id);
  });
}
