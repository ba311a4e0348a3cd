import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { nowIso } from '../common/time.js';
import { compileOnce } from '../db/compiled.js';
import type { Channel } from './resolution.js';

/** How identity resolution treats one channel (SPEC §5 rule 5). */
export interface ChannelSettings {
  readonly channel: Channel;
  /** Off: interactions of the channel are answered `skipped`. */
  readonly resolveIdentities: boolean;
  /** Where contacts for unknown customers are made; null: unassigned. */
  readonly divisionId: string | null;
  /** The external source of the channel's external ids (an open messaging integration). */
  readonly externalSourceId: string | null;
  /** Off: an interaction that matches nobody makes no contact (and is answered `skipped`). */
  readonly createContacts: boolean;
}

/** A channel's settings before anyone changed them: resolve, unassigned, create contacts. */
export function defaultChannelSettings(channel: Channel): ChannelSettings {
  return {
    channel,
    resolveIdentities: true,
    divisionId: null,
    externalSourceId: null,
    createContacts: true,
  };
}

export async function findChannelSettings(
  db: Kysely<DB>,
  orgId: string,
  channel: Channel,
): Promise<ChannelSettings> {
  const compiled = compileOnce(db, 'channelSettings', [orgId, channel], (value) =>
    db
      .selectFrom('resolution_settings')
      .selectAll()
      .where('org_id', '=', value(0))
      .where('channel', '=', value(1)),
  );
  const row = (await db.executeQuery(compiled)).rows[0];
  if (!row) return defaultChannelSettings(channel);
  return {
    channel,
    resolveIdentities: row.resolve_identities === 1,
    divisionId: row.division_id,
    externalSourceId: row.external_source_id,
    createContacts: row.create_contacts === 1,
  };
}

export async function saveChannelSettings(
  db: Kysely<DB>,
  orgId: string,
  settings: ChannelSettings,
): Promise<void> {
  const values = {
    resolve_identities: settings.resolveIdentities ? 1 : 0,
    division_id: settings.divisionId,
    external_source_id: settings.externalSourceId,
    create_contacts: settings.createContacts ? 1 : 0,
    modified_at: nowIso(),
  };
  await db
    .insertInto('resolution_settings')
    .values({ org_id: orgId, channel: settings.channel, ...values })
    .onConflict((oc) => oc.columns(['org_id', 'channel']).doUpdateSet(values))
    .execute();
}
