import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { parseJsonOrNull } from '../common/json.js';
import { nowIso } from '../common/time.js';
import { compileOnce } from '../db/compiled.js';
import { DEFAULT_BLOCKLIST } from '../contacts/identifier.js';
import { DEFAULT_RETENTION_DAYS } from '../retention/retention.js';

/** The organization's identifier blocklist: its own list, or the defaults when it set none. */
export async function loadBlocklist(db: Kysely<DB>, orgId: string): Promise<readonly string[]> {
  const row = await db
    .selectFrom('org_settings')
    .select('identifier_blocklist')
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return parseJsonOrNull<string[]>(row?.identifier_blocklist ?? null) ?? DEFAULT_BLOCKLIST;
}

/** Stores the organization's blocklist (lower-cased); null restores the defaults. */
export async function saveBlocklist(
  db: Kysely<DB>,
  orgId: string,
  values: readonly string[] | null,
): Promise<void> {
  const json =
    values === null
      ? null
      : JSON.stringify([...new Set(values.map((v) => v.trim().toLowerCase()))]);
  const now = nowIso();
  await db
    .insertInto('org_settings')
    .values({ org_id: orgId, identifier_blocklist: json, modified_at: now })
    .onConflict((oc) =>
      oc.column('org_id').doUpdateSet({ identifier_blocklist: json, modified_at: now }),
    )
    .execute();
}

/** The settings identity resolution and retention read on every interaction, in one query. */
export interface OrgSettings {
  readonly blocklist: readonly string[];
  readonly retentionDays: number;
}

export async function loadOrgSettings(db: Kysely<DB>, orgId: string): Promise<OrgSettings> {
  const compiled = compileOnce(db, 'orgSettings', [orgId], (value) =>
    db
      .selectFrom('org_settings')
      .select(['identifier_blocklist', 'retention_days'])
      .where('org_id', '=', value(0)),
  );
  const row = (await db.executeQuery(compiled)).rows[0];
  return {
    blocklist: parseJsonOrNull<string[]>(row?.identifier_blocklist ?? null) ?? DEFAULT_BLOCKLIST,
    retentionDays: row?.retention_days ?? DEFAULT_RETENTION_DAYS,
  };
}

/** Stores the retention period in days; null restores the default (60). */
export async function saveRetentionDays(
  db: Kysely<DB>,
  orgId: string,
  days: number | null,
): Promise<void> {
  const now = nowIso();
  await db
    .insertInto('org_settings')
    .values({ org_id: orgId, identifier_blocklist: null, retention_days: days, modified_at: now })
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ retention_days: days, modified_at: now }))
    .execute();
}
