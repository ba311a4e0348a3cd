import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { badRequest } from '../errors/app-error.js';
import { recordChange } from '../events/change.repository.js';
import { MAX_RETENTION_DAYS } from '../retention/retention.js';
import { perDatabase, TtlCache } from '../common/ttl-cache.js';
import {
  loadOrgSettings,
  saveBlocklist,
  saveRetentionDays,
  type OrgSettings,
} from './org-settings.repository.js';

/** The organization's External Contacts settings (a Kith extension of Genesys' settings). */
export interface ExternalContactsSettings {
  /** Identifier values never claimed, matched or merged on (compared case-insensitively). */
  identifierBlocklist: string[];
  /** Days an Ephemeral or Identified contact lives after its last meaningful interaction. */
  retentionDays: number;
}

/** How long a process keeps an organization's settings before reading them again. */
export const ORG_SETTINGS_CACHE_MS = 1000;
const orgSettingsCache = perDatabase<Kysely<DB>, OrgSettings>(
  () => new TtlCache(ORG_SETTINGS_CACHE_MS),
);

/**
 * The settings identity resolution reads on every interaction, kept a second: a change made by
 * another process sharing the database applies within a second, one made here at once.
 */
export function cachedOrgSettings(db: Kysely<DB>, orgId: string): Promise<OrgSettings> {
  return orgSettingsCache(db).get(orgId, () => loadOrgSettings(db, orgId));
}

async function currentSettings(db: Kysely<DB>, orgId: string): Promise<ExternalContactsSettings> {
  const settings = await loadOrgSettings(db, orgId);
  return { identifierBlocklist: [...settings.blocklist], retentionDays: settings.retentionDays };
}

export const MAX_BLOCKLIST_ENTRIES = 1000;

export async function getSettings(
  db: Kysely<DB>,
  principal: Principal,
): Promise<ExternalContactsSettings> {
  requirePermission(principal, 'externalContacts:settings:view');
  return currentSettings(db, principal.orgId);
}

/**
 * Replaces the settings given; `identifierBlocklist: null` restores the default list and
 * `retentionDays: null` the default period (60 days). Both are changed in one transaction that
 * records the change.
 * @throws AppError 400 for a list too long, a value over 255 characters, or a retention period
 * that is not a whole number of days from 1 to 3650.
 */
export async function updateSettings(
  db: Kysely<DB>,
  principal: Principal,
  input: {
    identifierBlocklist?: string[] | null | undefined;
    retentionDays?: number | null | undefined;
  },
): Promise<ExternalContactsSettings> {
  requirePermission(principal, 'externalContacts:settings:edit');
  const list = input.identifierBlocklist;
  if (list !== undefined && list !== null) {
    if (list.length > MAX_BLOCKLIST_ENTRIES) {
      throw badRequest(
        `identifierBlocklist holds at most ${MAX_BLOCKLIST_ENTRIES} values`,
        'identifierBlocklist',
      );
    }
    const long = list.findIndex((v) => v.length > 255);
    if (long >= 0)
      throw badRequest(
        `identifierBlocklist[${long}] is longer than 255 characters`,
        `identifierBlocklist[${long}]`,
      );
  }
  const days = input.retentionDays;
  if (
    days !== undefined &&
    days !== null &&
    (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS)
  ) {
    throw badRequest(
      `retentionDays must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${days}`,
      'retentionDays',
    );
  }
  if (list === undefined && days === undefined) return currentSettings(db, principal.orgId);
  const saved = await db.transaction().execute(async (trx) => {
    const before = await currentSettings(trx, principal.orgId);
    if (list !== undefined) await saveBlocklist(trx, principal.orgId, list);
    if (days !== undefined) await saveRetentionDays(trx, principal.orgId, days);
    const after = await currentSettings(trx, principal.orgId);
    await recordChange(trx, {
      orgId: principal.orgId,
      topic: 'v2.externalcontacts.settings',
      kind: 'updated',
      entityType: 'settings',
      entityId: principal.orgId,
      divisionId: null,
      principal,
      before,
      after,
    });
    return after;
  });
  orgSettingsCache(db).forget(principal.orgId);
  return saved;
}
