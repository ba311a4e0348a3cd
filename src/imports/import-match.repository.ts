import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { UNASSIGNED, searchKey } from '../contacts/contact.js';

/** The most values one statement asks about; larger lookups are cut into such pieces. */
const CHUNK = 500;

function chunks<T>(values: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

/**
 * The contacts that have each contact point, by `kind\0value`: the candidates an import row can
 * match (the caller keeps those of its division). Merged-away contacts have no points. Only the
 * points' primary key is read: joining contacts here let the planner walk a division's index.
 */
export async function findContactIdsByPoints(
  db: Kysely<DB>,
  orgId: string,
  points: readonly { kind: string; value: string }[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const byKind = new Map<string, string[]>();
  for (const p of points) {
    const values = byKind.get(p.kind);
    if (values === undefined) byKind.set(p.kind, [p.value]);
    else values.push(p.value);
  }
  for (const [kind, values] of byKind) {
    for (const part of chunks(values)) {
      const rows = await db
        .selectFrom('contact_points')
        .select(['value', 'contact_id'])
        .where('org_id', '=', orgId)
        .where('kind', '=', kind)
        .where('value', 'in', part)
        .execute();
      for (const row of rows) {
        const key = `${kind}\u0000${row.value}`;
        const ids = found.get(key);
        if (ids === undefined) found.set(key, [row.contact_id]);
        else ids.push(row.contact_id);
      }
    }
  }
  return found;
}

/**
 * The organizations of a division an import row names: by an external id of `sourceId` they
 * claim (`x:<value>`), or by name in any case (`n:<name key>`), the earliest first.
 */
export async function findOrganizationsByKeys(
  db: Kysely<DB>,
  orgId: string,
  divisionId: string | null,
  keys: { sourceId: string; externalIds: readonly string[]; names: readonly string[] },
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const part of chunks([...new Set(keys.externalIds)])) {
    const rows = await db
      .selectFrom('claims')
      .select(['value', 'entity_id'])
      .where('org_id', '=', orgId)
      .where('entity_type', '=', 'organization')
      .where('division_key', '=', divisionId ?? UNASSIGNED)
      .where('type', '=', 'ExternalId')
      .where('source_key', '=', keys.sourceId)
      .where('value', 'in', part)
      .orderBy('created_at')
      .execute();
    for (const row of rows)
      if (!found.has(`x:${row.value}`)) found.set(`x:${row.value}`, row.entity_id);
  }
  const nameKeys = [...new Set(keys.names.map((n) => searchKey(n) ?? ''))].filter((k) => k !== '');
  for (const part of chunks(nameKeys)) {
    const rows = await db
      .selectFrom('organizations')
      .select(['name_key', 'id'])
      .where('org_id', '=', orgId)
      .where('name_key', 'in', part)
      .where('division_id', divisionId === null ? 'is' : '=', divisionId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const row of rows)
      if (!found.has(`n:${row.name_key}`)) found.set(`n:${row.name_key}`, row.id);
  }
  return found;
}
