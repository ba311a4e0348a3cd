import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { conflictOnDuplicate } from '../db/errors.js';
import type { Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { deleteGrantsOnDivision } from '../authorization/grant.repository.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { checkPage, type PageRequest } from '../common/paging.js';
import { badRequest, conflict, notFound } from '../errors/app-error.js';
import {
  countDivisionRecords,
  deleteDivision as deleteDivisionRow,
  findDivision,
  findDivisionByName,
  insertDivision,
  listDivisions as listDivisionRows,
  updateDivision as updateDivisionRow,
  type DivisionFilter,
} from './division.repository.js';
import type { Division } from './division.js';

export interface DivisionInput {
  name: string;
  description?: string | undefined;
}

function cleanInput(input: DivisionInput): { name: string; description: string } {
  const name = input.name.trim();
  if (name === '' || name.length > 200)
    throw badRequest('A division name has 1 to 200 characters', 'name');
  const description = (input.description ?? '').trim();
  if (description.length > 1000)
    throw badRequest('A division description has at most 1000 characters', 'description');
  return { name, description };
}

async function assertNameFree(
  db: Kysely<DB>,
  orgId: string,
  name: string,
  exceptId?: string,
): Promise<void> {
  const holder = await findDivisionByName(db, orgId, name);
  if (holder && holder.id !== exceptId)
    throw conflict(`A division named "${holder.name}" already exists`);
}

export async function getDivision(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<Division> {
  requirePermission(principal, 'authorization:division:view');
  const division = await findDivision(db, principal.orgId, id);
  if (!division) throw notFound('Division', id);
  return division;
}

export async function listDivisions(
  db: Kysely<DB>,
  principal: Principal,
  filter: DivisionFilter,
  page: PageRequest,
): Promise<{ divisions: Division[]; total: number }> {
  requirePermission(principal, 'authorization:division:view');
  return listDivisionRows(db, principal.orgId, filter, checkPage(page, { maxPageSize: 500 }));
}

/** @throws AppError 409 when the name is taken. */
export async function createDivision(
  db: Kysely<DB>,
  principal: Principal,
  input: DivisionInput,
): Promise<Division> {
  requirePermission(principal, 'authorization:division:add');
  const { name, description } = cleanInput(input);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        await assertNameFree(trx, principal.orgId, name);
        const now = nowIso();
        const division: Division = {
          id: newId(),
          orgId: principal.orgId,
          name,
          description,
          homeDivision: false,
          createdAt: now,
          modifiedAt: now,
        };
        await insertDivision(trx, division);
        return division;
      }),
    'A division with that name already exists',
  );
}

export async function updateDivision(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: DivisionInput,
): Promise<Division> {
  requirePermission(principal, 'authorization:division:edit');
  const { name, description } = cleanInput(input);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const current = await findDivision(trx, principal.orgId, id);
        if (!current) throw notFound('Division', id);
        await assertNameFree(trx, principal.orgId, name, id);
        const updated: Division = { ...current, name, description, modifiedAt: nowIso() };
        await updateDivisionRow(trx, updated);
        return updated;
      }),
    'A division with that name already exists',
  );
}

/**
 * Deletes an empty division and the grants on it.
 * @throws AppError 409 for the home division or a division that still holds records.
 */
export async function deleteDivision(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<void> {
  requirePermission(principal, 'authorization:division:delete');
  await db.transaction().execute(async (trx) => {
    const current = await findDivision(trx, principal.orgId, id);
    if (!current) throw notFound('Division', id);
    if (current.homeDivision) throw conflict('The home division cannot be deleted');
    const records = await countDivisionRecords(trx, principal.orgId, id);
    if (records > 0) {
      throw conflict(
        `Division "${current.name}" still holds ${records} record(s); move or delete them before deleting the division`,
      );
    }
    await deleteGrantsOnDivision(trx, principal.orgId, id);
    await deleteDivisionRow(trx, principal.orgId, id);
  });
}
