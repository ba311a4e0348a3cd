import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { holdsAnywhere, type Principal } from '../authorization/access.js';
import { requirePermission } from '../authorization/guard.js';
import { conflictOnDuplicate } from '../db/errors.js';
import { newId } from '../common/ids.js';
import { nowIso } from '../common/time.js';
import { badRequest, conflict, missingPermissions, notFound } from '../errors/app-error.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import {
  deleteExternalSource as deleteRow,
  existingExternalSourceIds,
  findExternalSource,
  findExternalSourceByName,
  insertExternalSource,
  listExternalSources as listRows,
  updateExternalSource as updateRow,
} from './external-source.repository.js';
import { toExternalSourceView, type ExternalSource } from './external-source.js';
import { recordChange } from '../events/change.repository.js';
import type { ChangeKind } from '../events/change.js';

/** Records a change to an external source in the outbox and the audit log (same transaction). */
async function recordSourceChange(
  db: Kysely<DB>,
  principal: Principal,
  kind: ChangeKind,
  before: ExternalSource | null,
  after: ExternalSource | null,
): Promise<void> {
  const subject = (after ?? before) as ExternalSource;
  await recordChange(db, {
    orgId: principal.orgId,
    topic: `v2.externalcontacts.externalsources.${subject.id}`,
    kind,
    entityType: 'externalSource',
    entityId: subject.id,
    divisionId: null,
    principal,
    before: before && toExternalSourceView(before),
    after: after && toExternalSourceView(after),
  });
}

export interface ExternalSourceInput {
  name: string;
  active?: boolean | undefined;
  linkConfiguration?: { uriTemplate?: string | undefined } | undefined;
}

function cleanInput(input: ExternalSourceInput): {
  name: string;
  active: boolean;
  uriTemplate: string | null;
} {
  const name = input.name.trim();
  if (name === '' || name.length > 200)
    throw badRequest('An external source name has 1 to 200 characters', 'name');
  const template = input.linkConfiguration?.uriTemplate?.trim();
  if (template !== undefined && template !== '') {
    if (template.length > 400)
      throw badRequest(
        'linkConfiguration.uriTemplate has at most 400 characters',
        'linkConfiguration.uriTemplate',
      );
    try {
      new URL(template.replace(/\{[^}]*\}/g, 'x'));
    } catch {
      throw badRequest(
        `linkConfiguration.uriTemplate "${template}" is not a URL`,
        'linkConfiguration.uriTemplate',
      );
    }
  }
  return {
    name,
    active: input.active ?? true,
    uriTemplate: template === undefined || template === '' ? null : template,
  };
}

// Reading sources is open to anyone who reads contacts or organizations, as in Genesys.
const READERS = [
  'externalContacts:externalSource:view',
  'externalContacts:contact:view',
  'externalContacts:externalOrganization:view',
];

function requireAnyReader(principal: Principal): void {
  if (!READERS.some((permission) => holdsAnywhere(principal, permission)))
    throw missingPermissions(READERS);
}

export async function getExternalSource(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<ExternalSource> {
  requireAnyReader(principal);
  const source = await findExternalSource(db, principal.orgId, id);
  if (!source) throw notFound('External source', id);
  return source;
}

/** A page of sources (cursor paging, `limit` 10–200) and the cursor of the next page. */
export async function listExternalSources(
  db: Kysely<DB>,
  principal: Principal,
  options: {
    cursor?: string | undefined;
    limit: number;
    name?: string | undefined;
    active?: boolean | undefined;
  },
): Promise<{ sources: ExternalSource[]; next?: string }> {
  requireAnyReader(principal);
  if (options.limit < 10 || options.limit > 200)
    throw badRequest('limit must be between 10 and 200', 'limit');
  const afterId =
    options.cursor === undefined ? undefined : decodeCursor(options.cursor, 'externalsources');
  const sources = await listRows(db, principal.orgId, {
    ...options,
    afterId,
    limit: options.limit + 1,
  });
  const page = sources.slice(0, options.limit);
  const last = page[page.length - 1];
  return sources.length > options.limit && last !== undefined
    ? { sources: page, next: encodeCursor(last.id, 'externalsources') }
    : { sources: page };
}

/** @throws AppError 409 when the name is taken (names are unique per organization). */
export async function createExternalSource(
  db: Kysely<DB>,
  principal: Principal,
  input: ExternalSourceInput,
): Promise<ExternalSource> {
  requirePermission(principal, 'externalContacts:externalSource:add');
  const clean = cleanInput(input);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        if (await findExternalSourceByName(trx, principal.orgId, clean.name)) {
          throw conflict(`An external source named "${clean.name}" already exists`);
        }
        const now = nowIso();
        const source: ExternalSource = {
          id: newId(),
          orgId: principal.orgId,
          ...clean,
          createdAt: now,
          modifiedAt: now,
        };
        await insertExternalSource(trx, source);
        await recordSourceChange(trx, principal, 'created', null, source);
        return source;
      }),
    'An external source with that name already exists',
  );
}

export async function updateExternalSource(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: ExternalSourceInput,
): Promise<ExternalSource> {
  requirePermission(principal, 'externalContacts:externalSource:edit');
  const clean = cleanInput(input);
  return conflictOnDuplicate(
    () =>
      db.transaction().execute(async (trx) => {
        const current = await findExternalSource(trx, principal.orgId, id);
        if (!current) throw notFound('External source', id);
        const holder = await findExternalSourceByName(trx, principal.orgId, clean.name);
        if (holder && holder.id !== id)
          throw conflict(`An external source named "${holder.name}" already exists`);
        const updated: ExternalSource = { ...current, ...clean, modifiedAt: nowIso() };
        await updateRow(trx, updated);
        await recordSourceChange(trx, principal, 'updated', current, updated);
        return updated;
      }),
    'An external source with that name already exists',
  );
}

/**
 * Deletes a source. As in Genesys, records that reference it keep their external ids.
 */
export async function deleteExternalSource(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
): Promise<void> {
  requirePermission(principal, 'externalContacts:externalSource:delete');
  await db.transaction().execute(async (trx) => {
    const current = await findExternalSource(trx, principal.orgId, id);
    if (!current) throw notFound('External source', id);
    await deleteRow(trx, principal.orgId, id);
    await recordSourceChange(trx, principal, 'deleted', current, null);
  });
}

/**
 * Every external source `externalIds` names must exist in the tenant; the sources in `kept` (those
 * a record already had) pass without a check, so a record whose source was deleted since can still
 * be edited.
 * @throws AppError 400 naming the first `externalIds[i].externalSource.id` that does not exist.
 */
export async function checkExternalSources(
  db: Kysely<DB>,
  orgId: string,
  externalIds: readonly { externalSource: { id: string } }[],
  kept: ReadonlySet<string> = new Set(),
): Promise<void> {
  const sourceIds = [
    ...new Set(externalIds.map((e) => e.externalSource.id).filter((id) => !kept.has(id))),
  ];
  const known = await existingExternalSourceIds(db, orgId, sourceIds);
  const index = externalIds.findIndex(
    (e) => !kept.has(e.externalSource.id) && !known.has(e.externalSource.id),
  );
  if (index >= 0) {
    throw badRequest(
      `External source ${externalIds[index]?.externalSource.id ?? ''} does not exist; create it with POST /api/v2/externalcontacts/externalsources`,
      `externalIds[${index}].externalSource.id`,
    );
  }
}
