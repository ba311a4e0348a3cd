import type { Kysely } from 'kysely';
import type { ClientTable, DB } from '../db/schema.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import type { OAuthClient } from './client.js';

function rowToClient(row: ClientTable): OAuthClient {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    secretHash: row.secret_hash,
    authorizedGrantType: row.authorized_grant_type,
    accessTokenValiditySeconds: row.access_token_validity_seconds,
    rateLimitPerMinute: row.rate_limit_per_minute,
    state: row.state,
    createdBy: row.created_by,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

function clientToRow(c: OAuthClient): ClientTable {
  return {
    org_id: c.orgId,
    id: c.id,
    name: c.name,
    description: c.description,
    secret_hash: c.secretHash,
    authorized_grant_type: c.authorizedGrantType,
    access_token_validity_seconds: c.accessTokenValiditySeconds,
    rate_limit_per_minute: c.rateLimitPerMinute,
    state: c.state,
    created_by: c.createdBy,
    created_at: c.createdAt,
    modified_at: c.modifiedAt,
  };
}

export async function insertClient(db: Kysely<DB>, client: OAuthClient): Promise<void> {
  await db.insertInto('clients').values(clientToRow(client)).execute();
}

export async function updateClient(db: Kysely<DB>, client: OAuthClient): Promise<void> {
  const { org_id: orgId, id, created_at: _created, ...changes } = clientToRow(client);
  await db
    .updateTable('clients')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteClient(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('clients').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function findClient(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<OAuthClient | undefined> {
  const row = await db
    .selectFrom('clients')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToClient(row);
}

/** Finds a client by id in any organization: the token endpoint does not know the org yet. */
export async function findClientForLogin(
  db: Kysely<DB>,
  id: string,
): Promise<OAuthClient | undefined> {
  const row = await db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
  return row && rowToClient(row);
}

export async function listClients(
  db: Kysely<DB>,
  orgId: string,
  page: PageRequest,
): Promise<{ clients: OAuthClient[]; total: number }> {
  const query = db.selectFrom('clients').where('org_id', '=', orgId);
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.pageSize)
      .offset(offsetOf(page))
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { clients: rows.map(rowToClient), total: Number(count.n) };
}
