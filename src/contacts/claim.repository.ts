import { insertRows } from '../db/compiled.js';
import type { Kysely } from 'kysely';
import type { ClaimTable, DB } from '../db/schema.js';
import { UNASSIGNED } from './contact.js';

/** A claimed identifier: one holder per (organization, division, type, source, value). */
export interface Claim {
  orgId: string;
  entityType: 'contact' | 'organization';
  /** The division id, or `*` for unassigned. */
  divisionKey: string;
  type: string;
  /** The external source id, or '' when the type has none. */
  sourceKey: string;
  value: string;
  entityId: string;
  createdAt: string;
}

function rowToClaim(row: ClaimTable): Claim {
  return {
    orgId: row.org_id,
    entityType: row.entity_type as Claim['entityType'],
    divisionKey: row.division_key,
    type: row.type,
    sourceKey: row.source_key,
    value: row.value,
    entityId: row.entity_id,
    createdAt: row.created_at,
  };
}

function claimToRow(claim: Claim): ClaimTable {
  return {
    org_id: claim.orgId,
    entity_type: claim.entityType,
    division_key: claim.divisionKey,
    type: claim.type,
    source_key: claim.sourceKey,
    value: claim.value,
    entity_id: claim.entityId,
    created_at: claim.createdAt,
  };
}

export type ClaimKey = Pick<
  Claim,
  'orgId' | 'entityType' | 'divisionKey' | 'type' | 'sourceKey' | 'value'
>;

export async function findClaim(db: Kysely<DB>, key: ClaimKey): Promise<Claim | undefined> {
  const row = await db
    .selectFrom('claims')
    .selectAll()
    .where('org_id', '=', key.orgId)
    .where('entity_type', '=', key.entityType)
    .where('division_key', '=', key.divisionKey)
    .where('type', '=', key.type)
    .where('source_key', '=', key.sourceKey)
    .where('value', '=', key.value)
    .executeTakeFirst();
  return row && rowToClaim(row);
}

/** Claims of the identifier in any of the given divisions (lookups across visible divisions). */
export async function findClaimsInDivisions(
  db: Kysely<DB>,
  key: Omit<ClaimKey, 'divisionKey'>,
  divisionKeys: readonly string[] | 'all',
): Promise<Claim[]> {
  let query = db
    .selectFrom('claims')
    .selectAll()
    .where('org_id', '=', key.orgId)
    .where('entity_type', '=', key.entityType)
    .where('type', '=', key.type)
    .where('source_key', '=', key.sourceKey)
    .where('value', '=', key.value);
  if (divisionKeys !== 'all') {
    if (divisionKeys.length === 0) return [];
    query = query.where('division_key', 'in', divisionKeys);
  }
  const rows = await query.orderBy('created_at').execute();
  return rows.map(rowToClaim);
}

/** Inserts a claim; a concurrent claim of the same identifier fails on the primary key. */
export async function insertClaim(db: Kysely<DB>, claim: Claim): Promise<void> {
  await db.insertInto('claims').values(claimToRow(claim)).execute();
}

export async function deleteClaim(db: Kysely<DB>, key: ClaimKey): Promise<void> {
  await db
    .deleteFrom('claims')
    .where('org_id', '=', key.orgId)
    .where('entity_type', '=', key.entityType)
    .where('division_key', '=', key.divisionKey)
    .where('type', '=', key.type)
    .where('source_key', '=', key.sourceKey)
    .where('value', '=', key.value)
    .execute();
}

export async function listClaimsOf(
  db: Kysely<DB>,
  orgId: string,
  entityType: Claim['entityType'],
  entityIds: readonly string[],
): Promise<Claim[]> {
  if (entityIds.length === 0) return [];
  const rows = await db
    .selectFrom('claims')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('entity_type', '=', entityType)
    .where('entity_id', 'in', entityIds)
    .orderBy('created_at')
    .execute();
  return rows.map(rowToClaim);
}

export async function deleteClaimsOf(
  db: Kysely<DB>,
  orgId: string,
  entityType: Claim['entityType'],
  entityId: string,
): Promise<void> {
  await db
    .deleteFrom('claims')
    .where('org_id', '=', orgId)
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .execute();
}

/**
 * Inserts the claims nobody holds yet, in one statement; a claim someone holds (or one that
 * repeats an earlier one of the same statement) is skipped.
 * @returns the claims inserted.
 */
export async function insertFreeClaims(db: Kysely<DB>, claims: readonly Claim[]): Promise<Claim[]> {
  if (claims.length === 0) return [];
  const rows = await insertRows(db, 'claims', claims.map(claimToRow), {
    ignoreConflicts: true,
    returning: true,
  });
  return rows.map((row) => rowToClaim(row as unknown as ClaimTable));
}

/** The record that claims identifiers: a contact or an organization, in its division. */
export interface ClaimHolder {
  readonly orgId: string;
  readonly entityType: Claim['entityType'];
  readonly id: string;
  readonly divisionId: string | null;
}

/** Claims the identifiers nobody holds in the holder's division; the others are left alone. */
export async function claimFreeIdentifiers(
  db: Kysely<DB>,
  holder: ClaimHolder,
  identifiers: readonly Pick<Claim, 'type' | 'sourceKey' | 'value'>[],
  at: string,
): Promise<void> {
  await insertFreeClaims(
    db,
    identifiers.map((i) => ({
      orgId: holder.orgId,
      entityType: holder.entityType,
      divisionKey: holder.divisionId ?? UNASSIGNED,
      type: i.type,
      sourceKey: i.sourceKey,
      value: i.value,
      entityId: holder.id,
      createdAt: at,
    })),
  );
}
