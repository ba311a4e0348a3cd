import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { badRequest } from '../errors/app-error.js';
import { recordChange } from '../events/change.repository.js';
import { loadBlocklist, saveBlocklist } from './org-settings.repository.js';

/** The organization's External Contacts settings (a Kith extension of Genesys' settings). */
export interface ExternalContactsSettings {
  /** Identifier values never claimed, matched or merged on (compared case-insensitively). */
  identifierBlocklist: string[];
}

export const MAX_BLOCKLIST_ENTRIES = 1000;

export async function getSettings(
  db: Kysely<DB>,
  principal: Principal,
): Promise<ExternalContactsSettings> {
  requirePermission(principal, 'externalContacts:settings:view');
  return { identifierBlocklist: [...(await loadBlocklist(db, principal.orgId))] };
}

/**
 * Replaces the settings given; `identifierBlocklist: null` restores the defaults.
 * @throws AppError 400 for a list too long or a value over 255 characters.
 */
export async function updateSettings(
  db: Kysely<DB>,
  principal: Principal,
  input: { identifierBlocklist?: string[] | null | undefined },
): Promise<ExternalContactsSettings> {
  requirePermission(principal, 'externalContacts:settings:edit');
  if (input.identifierBlocklist !== undefined) {
    const list = input.identifierBlocklist;
    if (list !== null) {
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
    await db.transaction().execute(async (trx) => {
      const before = await loadBlocklist(trx, principal.orgId);
      await saveBlocklist(trx, principal.orgId, list);
      await recordChange(trx, {
        orgId: principal.orgId,
        topic: 'v2.externalcontacts.settings',
        kind: 'updated',
        entityType: 'settings',
        entityId: principal.orgId,
        divisionId: null,
        principal,
        before: { identifierBlocklist: before },
        after: { identifierBlocklist: await loadBlocklist(trx, principal.orgId) },
      });
    });
  }
  return { identifierBlocklist: [...(await loadBlocklist(db, principal.orgId))] };
}
