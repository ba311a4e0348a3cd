import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * The organizations among `ids` in wire shape, for a contact's `expand=externalOrganization`.
 * Replaced by the organization module's own view once it exists.
 */
export async function findOrganizationViews(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const rows = await db
    .selectFrom('organizations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      { id: r.id, name: r.name, selfUri: `/api/v2/externalcontacts/organizations/${r.id}` },
    ]),
  );
}
