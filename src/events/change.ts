import type { Principal } from '../authorization/access.js';

export type ChangeKind =
  'created' | 'updated' | 'deleted' | 'merged' | 'unmerged' | 'expired' | 'moved' | 'interaction';

/** One change to one record, as the outbox and the audit log both record it. */
export interface Change {
  readonly orgId: string;
  /** The notification topic, as Genesys names it (`v2.externalcontacts.contacts.{id}`). */
  readonly topic: string;
  readonly kind: ChangeKind;
  readonly entityType: string;
  readonly entityId: string;
  readonly divisionId: string | null;
  /** Who made the change; null for Kith itself (a sweep, a background job). */
  readonly principal: Pick<Principal, 'type' | 'id'> | null;
  readonly before: unknown;
  readonly after: unknown;
  /**
   * False leaves the change out of the audit log, for changes that are their own record: an
   * interaction linked by identity resolution is stored, with who sent it and why it was linked,
   * in the interactions table.
   */
  readonly audited?: boolean;
}

export function contactTopic(contactId: string): string {
  return `v2.externalcontacts.contacts.${contactId}`;
}
