import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { findDivision } from '../divisions/division.repository.js';
import { findExternalSource } from '../external-sources/external-source.repository.js';
import { externalSourceRef } from '../external-sources/external-source.js';
import { badRequest } from '../errors/app-error.js';
import { recordChange } from '../events/change.repository.js';
import { divisionRef, requestedDivisionId } from '../contacts/contact.js';
import { perDatabase, TtlCache } from '../common/ttl-cache.js';
import { CHANNELS, isChannel, type Channel } from './resolution.js';
import {
  findChannelSettings,
  saveChannelSettings,
  type ChannelSettings,
} from './resolution-settings.repository.js';

export const RESOLUTION_SETTINGS_PATH = '/api/v2/externalcontacts/identityresolution/settings';

/** A channel named in a path or body. @throws AppError 400 listing the channels. */
export function checkChannel(value: string, field = 'channel'): Channel {
  if (!isChannel(value))
    throw badRequest(
      `${field} "${value}" is not a channel; channels: ${CHANNELS.join(', ')}`,
      field,
    );
  return value;
}

/** The wire shape of a channel's settings, as Genesys' per-channel identity resolution configs. */
export function toChannelSettingsView(settings: ChannelSettings): Record<string, unknown> {
  const view: Record<string, unknown> = {
    channel: settings.channel,
    resolveIdentities: settings.resolveIdentities,
    division: divisionRef(settings.divisionId),
    createContacts: settings.createContacts,
    selfUri: `${RESOLUTION_SETTINGS_PATH}/${settings.channel}`,
  };
  if (settings.externalSourceId !== null)
    view.externalSource = externalSourceRef(settings.externalSourceId);
  return view;
}

export async function getChannelSettings(
  db: Kysely<DB>,
  principal: Principal,
  channel: string,
): Promise<ChannelSettings> {
  requirePermission(principal, 'externalContacts:settings:view');
  return findChannelSettings(db, principal.orgId, checkChannel(channel));
}

/** How long a process keeps a channel's settings before reading them again. */
export const SETTINGS_CACHE_MS = 1000;
const channelSettingsCache = perDatabase<Kysely<DB>, ChannelSettings>(
  () => new TtlCache(SETTINGS_CACHE_MS),
);

/**
 * A channel's settings as identity resolution reads them on every interaction: kept a second, so
 * that a change made by another process sharing the database applies within a second (one made
 * by this process applies at once).
 */
export function cachedChannelSettings(
  db: Kysely<DB>,
  orgId: string,
  channel: Channel,
): Promise<ChannelSettings> {
  return channelSettingsCache(db).get(`${orgId}\u0000${channel}`, () =>
    findChannelSettings(db, orgId, channel),
  );
}

export interface ChannelSettingsInput {
  resolveIdentities?: boolean | undefined;
  division?: { id?: string | undefined } | null | undefined;
  divisionId?: string | null | undefined;
  externalSource?: { id?: string | undefined } | null | undefined;
  externalSourceId?: string | null | undefined;
  createContacts?: boolean | undefined;
}

/**
 * Changes a channel's settings; what the body leaves out stays as it was. A division is given as
 * `division: {id}` or `divisionId` (`*` unassigned), a source as `externalSource: {id}` or
 * `externalSourceId` (null removes it).
 * @throws AppError 400 for an unknown channel, division or external source.
 */
export async function updateChannelSettings(
  db: Kysely<DB>,
  principal: Principal,
  channel: string,
  input: ChannelSettingsInput,
): Promise<ChannelSettings> {
  requirePermission(principal, 'externalContacts:settings:edit');
  const checked = checkChannel(channel);
  const saved = await db.transaction().execute(async (trx) => {
    const before = await findChannelSettings(trx, principal.orgId, checked);
    const divisionInput =
      input.divisionId !== undefined
        ? requestedDivisionId(input.divisionId === null ? null : { id: input.divisionId })
        : requestedDivisionId(input.division);
    const divisionId = divisionInput === undefined ? before.divisionId : divisionInput;
    if (divisionId !== null && !(await findDivision(trx, principal.orgId, divisionId)))
      throw badRequest(`Division ${divisionId} does not exist`, 'division.id');
    const sourceInput =
      input.externalSourceId !== undefined
        ? input.externalSourceId
        : input.externalSource === undefined
          ? undefined
          : (input.externalSource?.id ?? null);
    const externalSourceId =
      sourceInput === undefined ? before.externalSourceId : sourceInput?.trim() || null;
    if (
      externalSourceId !== null &&
      !(await findExternalSource(trx, principal.orgId, externalSourceId))
    )
      throw badRequest(`External source ${externalSourceId} does not exist`, 'externalSource.id');
    const after: ChannelSettings = {
      channel: checked,
      resolveIdentities: input.resolveIdentities ?? before.resolveIdentities,
      divisionId,
      externalSourceId,
      createContacts: input.createContacts ?? before.createContacts,
    };
    await saveChannelSettings(trx, principal.orgId, after);
    await recordChange(trx, {
      orgId: principal.orgId,
      topic: `v2.externalcontacts.identityresolution.settings.${checked}`,
      kind: 'updated',
      entityType: 'resolutionSettings',
      entityId: checked,
      divisionId: null,
      principal,
      before: toChannelSettingsView(before),
      after: toChannelSettingsView(after),
    });
    return after;
  });
  channelSettingsCache(db).forget(`${principal.orgId}\u0000${checked}`);
  return saved;
}
