import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import type { ContactTable, DB } from '../db/schema.js';
import { parseJson } from '../common/json.js';
import { offsetOf, type PageRequest } from '../common/paging.js';
import type { ReadFilter } from '../authorization/access.js';
import { divisionCondition } from '../db/sql.js';
import type { ContactPoint } from './contact-points.js';
import type { SearchTerms } from './contact-search.js';
import {
  fullNameKey,
  searchKey,
  type Contact,
  type ContactFields,
  type ContactType,
} from './contact.js';

function rowToContact(row: ContactTable): Contact {
  return {
    id: row.id,
    orgId: row.org_id,
    divisionId: row.division_id,
    type: row.type as ContactType,
    fields: parseJson<ContactFields>(row.data),
    version: row.version,
    createDate: row.created_at,
    modifyDate: row.modified_at,
  };
}

/** The row of a contact: its columns, search keys and JSON data (bulk loaders reuse it). */
export function contactToRow(c: Contact): ContactTable {
  const f = c.fields;
  return {
    org_id: c.orgId,
    id: c.id,
    division_id: c.divisionId,
    type: c.type,
    first_name: f.firstName ?? null,
    middle_name: f.middleName ?? null,
    last_name: f.lastName ?? null,
    title: f.title ?? null,
    first_name_key: searchKey(f.firstName),
    last_name_key: searchKey(f.lastName),
    full_name_key: fullNameKey(f),
    external_organization_id: f.externalOrganization?.id ?? null,
    data: JSON.stringify(f),
    version: c.version,
    created_at: c.createDate,
    modified_at: c.modifyDate,
  };
}

/** Replaces the contact points of a contact. */
export async function replaceContactPoints(
  db: Kysely<DB>,
  orgId: string,
  contactId: string,
  points: readonly ContactPoint[],
): Promise<void> {
  await db
    .deleteFrom('contact_points')
    .where('org_id', '=', orgId)
    .where('contact_id', '=', contactId)
    .execute();
  if (points.length === 0) return;
  await db
    .insertInto('contact_points')
    .values(
      points.map((p) => ({ org_id: orgId, kind: p.kind, value: p.value, contact_id: contactId })),
    )
    .execute();
}

export async function insertContact(
  db: Kysely<DB>,
  contact: Contact,
  points: readonly ContactPoint[],
): Promise<void> {
  await db.insertInto('contacts').values(contactToRow(contact)).execute();
  await replaceContactPoints(db, contact.orgId, contact.id, points);
}

/**
 * Writes a new version of a contact if it is still at `expectedVersion`.
 * @returns false when another write got there first.
 */
export async function updateContact(
  db: Kysely<DB>,
  contact: Contact,
  expectedVersion: number,
  points: readonly ContactPoint[],
): Promise<boolean> {
  const { org_id: orgId, id, created_at: _created, ...changes } = contactToRow(contact);
  const result = await db
    .updateTable('contacts')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await replaceContactPoints(db, orgId, id, points);
  return true;
}

export async function findContact(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Contact | undefined> {
  const row = await db
    .selectFrom('contacts')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToContact(row);
}

/** The contacts among `ids` that exist, in no particular order. */
export async function findContacts(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Contact[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('contacts')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return rows.map(rowToContact);
}

export async function deleteContactRow(db: Kysely<DB>, orgId: string, id: string): Promise<void> {
  await db
    .deleteFrom('contact_points')
    .where('org_id', '=', orgId)
    .where('contact_id', '=', id)
    .execute();
  await db.deleteFrom('contacts').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Visible contacts holding a contact point, oldest first. */
export async function findContactsByPoint(
  db: Kysely<DB>,
  orgId: string,
  point: ContactPoint,
  filter: ReadFilter,
  limit: number,
): Promise<Contact[]> {
  const rows = await db
    .selectFrom('contact_points as p')
    .innerJoin('contacts as c', (j) =>
      j.onRef('c.org_id', '=', 'p.org_id').onRef('c.id', '=', 'p.contact_id'),
    )
    .selectAll('c')
    .where('p.org_id', '=', orgId)
    .where('p.kind', '=', point.kind)
    .where('p.value', '=', point.value)
    .where((eb) => divisionCondition(eb.ref('c.division_id'), filter))
    .orderBy('c.created_at')
    .orderBy('c.id')
    .limit(limit)
    .execute();
  return rows.map(rowToContact);
}

export type ContactSortField = 'firstName' | 'lastName' | 'middleName' | 'title';
const SORT_COLUMNS = {
  firstName: 'first_name',
  lastName: 'last_name',
  middleName: 'middle_name',
  title: 'title',
} as const;

export interface ContactQuery {
  readonly filter: ReadFilter;
  readonly terms?: SearchTerms | undefined;
  /** Only contacts linked to this organization. */
  readonly organizationId?: string | undefined;
  readonly sort?: { field: ContactSortField; direction: 'asc' | 'desc' } | undefined;
  readonly page: PageRequest;
  /**
   * Count at most this many matches: beyond it the total is this number and `partial` is set.
   * Undefined counts every match, which costs a read of each of them.
   */
  readonly countLimit?: number | undefined;
}

export interface ContactSearchResult {
  readonly contacts: Contact[];
  /** How many contacts match, or `countLimit` when more do. */
  readonly total: number;
  /** More than `countLimit` contacts match: `total` is a floor, not a count. */
  readonly partial: boolean;
}

/**
 * Above this many matches a page is found by walking the visible contacts in id order until it
 * is full (about pageSize × contacts / matches index entries); up to it, by sorting the ids of
 * the matches (about `matches` entries, each cheaper). On a million contacts the two cost the
 * same near 5,000 matches on PostgreSQL and 8,000 on SQLite (bench/RESULTS.md).
 */
const WALK_ABOVE = 5000;

/** The keys that start with a prefix, as a half-open range in code point (byte) order. */
interface KeyRange {
  readonly from: string;
  /** The first key past the prefix; undefined when none is (a prefix of U+10FFFF only). */
  readonly to: string | undefined;
}

function prefixRange(prefix: string): KeyRange {
  const points = [...prefix];
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    if (next <= 0x10ffff) return { from: prefix, to: points.join('') + String.fromCodePoint(next) };
  }
  return { from: prefix, to: undefined };
}

/*
 * Three ways to test a key against a name prefix. `LIKE 'p%'` is not one of them: SQLite uses an
 * index for LIKE only with case_sensitive_like on (its LIKE folds ASCII case), so every name
 * search read the whole table. A range uses the key's B-tree on both dialects (byte order:
 * SQLite's BINARY, PostgreSQL's "C" collation of the key columns).
 */
function inRange(column: Expression<string | null>, range: KeyRange): Expression<SqlBool> {
  return range.to === undefined
    ? sql<SqlBool>`${column} >= ${range.from}`
    : sql<SqlBool>`(${column} >= ${range.from} and ${column} < ${range.to})`;
}

/** The negation of inRange, true for NULL too. */
function outsideRange(column: Expression<string | null>, range: KeyRange): Expression<SqlBool> {
  return range.to === undefined
    ? sql<SqlBool>`(${column} is null or ${column} < ${range.from})`
    : sql<SqlBool>`(${column} is null or ${column} < ${range.from} or ${column} >= ${range.to})`;
}

/** inRange as a plain test no index can serve, so that a walk in id order stays one. */
function hasPrefix(column: Expression<string | null>, prefix: string): Expression<SqlBool> {
  return sql<SqlBool>`substr(${column}, 1, ${[...prefix].length}) = ${prefix}`;
}

type IdQuery = SelectQueryBuilder<DB, 'contacts', { id: string }>;

/** The contacts a query may return before its terms: its organization, divisions and link. */
function visible(
  eb: ExpressionBuilder<DB, 'contacts'>,
  orgId: string,
  query: ContactQuery,
): Expression<SqlBool> {
  const conditions = [
    eb('org_id', '=', orgId),
    divisionCondition(eb.ref('division_id'), query.filter),
  ];
  if (query.organizationId !== undefined)
    conditions.push(eb('external_organization_id', '=', query.organizationId));
  return eb.and(conditions);
}

/** Ids of the contacts holding any of the points: one exact index lookup each. */
function pointContactIds(db: Kysely<DB>, orgId: string, points: readonly ContactPoint[]) {
  const lookups = points.map((point) =>
    db
      .selectFrom('contact_points')
      .select('contact_id as id')
      .where('org_id', '=', orgId)
      .where('kind', '=', point.kind)
      .where('value', '=', point.value),
  );
  return lookups
    .slice(1)
    .reduce((all, lookup) => all.unionAll(lookup), lookups[0] as (typeof lookups)[0]);
}

/**
 * Ids of the visible contacts matching the terms, as a UNION ALL of queries that never overlap,
 * so that it has no duplicates and can stop at a LIMIT: last name in the prefix range; full
 * name in it (last name not); a contact point (neither name). Each reads one index range.
 * First names need no query of their own: the full-name key starts with the first-name key,
 * so every first-name match is a full-name match. Undefined when the terms match nothing.
 */
function matchingIds(
  db: Kysely<DB>,
  orgId: string,
  query: ContactQuery,
  terms: SearchTerms,
): IdQuery | undefined {
  const ids = () =>
    db
      .selectFrom('contacts')
      .select('id')
      .where((eb) => visible(eb, orgId, query));
  const parts: IdQuery[] = [];
  const range = terms.namePrefix === undefined ? undefined : prefixRange(terms.namePrefix);
  if (range !== undefined) {
    parts.push(ids().where((eb) => inRange(eb.ref('last_name_key'), range)));
    parts.push(
      ids()
        .where((eb) => inRange(eb.ref('full_name_key'), range))
        .where((eb) => outsideRange(eb.ref('last_name_key'), range)),
    );
  }
  if (terms.points.length > 0) {
    let byPoint = ids().where('id', 'in', pointContactIds(db, orgId, terms.points));
    if (range !== undefined) {
      byPoint = byPoint
        .where((eb) => outsideRange(eb.ref('last_name_key'), range))
        .where((eb) => outsideRange(eb.ref('full_name_key'), range));
    }
    parts.push(byPoint);
  }
  if (parts.length === 0) return undefined;
  return parts.slice(1).reduce((all, part) => all.unionAll(part), parts[0] as IdQuery);
}

/** The most entries a walk reads; past them the search sorts the ids of every match instead. */
const WALK_BUDGET = 50_000;

/**
 * Ids of the visible contacts matching the terms in id order, found by walking an index of
 * (org_id, id, division_id, last_name_key, full_name_key) and testing each entry: for broad
 * terms this reaches a page after a few thousand entries, where collecting the matches would
 * read all of them. The walk stops after WALK_BUDGET entries, so that matches gathered among the
 * newest contacts (a recent import) cost a bounded walk, not one through every contact.
 */
function walkingIds(db: Kysely<DB>, orgId: string, query: ContactQuery, terms: SearchTerms) {
  const prefix = terms.namePrefix;
  const walked = db
    .selectFrom('contacts')
    .select(['id', 'last_name_key', 'full_name_key'])
    .where((eb) => visible(eb, orgId, query))
    .orderBy('id')
    .limit(WALK_BUDGET)
    .as('w');
  return db
    .selectFrom(walked)
    .select('w.id')
    .where((eb) => {
      const tests: Expression<SqlBool>[] = [];
      if (prefix !== undefined) {
        tests.push(hasPrefix(eb.ref('w.last_name_key'), prefix));
        tests.push(hasPrefix(eb.ref('w.full_name_key'), prefix));
      }
      if (terms.points.length > 0)
        tests.push(eb('w.id', 'in', pointContactIds(db, orgId, terms.points)));
      return eb.or(tests);
    })
    .orderBy('w.id');
}

/**
 * A page of the visible contacts matching the query, in id (creation) order unless sorted, with
 * the total. Without a sort, the cost follows the page and `countLimit`, not the number of
 * matches: the count stops at its limit, and the page of a broad query comes from a walk in id
 * order. With a sort, every match is read.
 */
export async function searchContacts(
  db: Kysely<DB>,
  orgId: string,
  query: ContactQuery,
): Promise<ContactSearchResult> {
  const { page, sort, terms } = query;
  const matches =
    terms === undefined
      ? db
          .selectFrom('contacts')
          .select('id')
          .where((eb) => visible(eb, orgId, query))
      : matchingIds(db, orgId, query, terms);
  if (matches === undefined) return { contacts: [], total: 0, partial: false };
  const limit = query.countLimit;
  const counted = (found: number): { total: number; partial: boolean } =>
    limit !== undefined && found > limit
      ? { total: limit, partial: true }
      : { total: found, partial: false };
  const rows = db.selectFrom('contacts').selectAll().where('org_id', '=', orgId);
  // The page's ids first, then their rows: reading the row of every match to sort them would
  // cost a heap fetch each on PostgreSQL. Sorting the ids of a few thousand matches is cheap.
  const pageOf = (ids: IdQuery) =>
    rows
      .where(
        'id',
        'in',
        db
          .selectFrom(ids.as('m'))
          .select('m.id')
          .orderBy('m.id')
          .limit(page.pageSize)
          .offset(offsetOf(page)),
      )
      .orderBy('id');

  if (terms !== undefined && terms.namePrefix === undefined && sort === undefined) {
    // Contact points are exact lookups with few matches: a page that is not full holds the last
    // of them, and then gives the total without a count (one statement, not two).
    const result = await pageOf(matches).execute();
    if (result.length < page.pageSize && (result.length > 0 || offsetOf(page) === 0))
      return { contacts: result.map(rowToContact), ...counted(offsetOf(page) + result.length) };
  }

  // Where a walk may find the page, counting on to WALK_ABOVE tells which way is shorter.
  const mayWalk = terms !== undefined && sort === undefined;
  const countTo =
    limit === undefined ? undefined : (mayWalk ? Math.max(limit, WALK_ABOVE) : limit) + 1;
  const { n } = await db
    .selectFrom((countTo === undefined ? matches : matches.limit(countTo)).as('m'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const found = Number(n);
  const { total, partial } = counted(found);
  if (found <= offsetOf(page)) return { contacts: [], total, partial };

  if (terms === undefined || sort !== undefined) {
    let selected =
      terms === undefined
        ? rows.where((eb) => visible(eb, orgId, query))
        : rows.where('id', 'in', matches);
    if (sort !== undefined) {
      const column = SORT_COLUMNS[sort.field];
      // Contacts without the field come last either way; the dialects disagree on where NULLs go.
      selected = selected.orderBy(sql`${sql.ref(column)} is null`).orderBy(column, sort.direction);
    }
    const result = await selected
      .orderBy('id')
      .limit(page.pageSize)
      .offset(offsetOf(page))
      .execute();
    return { contacts: result.map(rowToContact), total, partial };
  }
  if (countTo !== undefined && found >= countTo) {
    const walked = await rows
      .where(
        'id',
        'in',
        walkingIds(db, orgId, query, terms).limit(page.pageSize).offset(offsetOf(page)),
      )
      .orderBy('id')
      .execute();
    // A short page means the walk ran out of budget (or this is the last page): sort instead.
    if (walked.length === page.pageSize)
      return { contacts: walked.map(rowToContact), total, partial };
  }
  const result = await pageOf(matches).execute();
  return { contacts: result.map(rowToContact), total, partial };
}

/** One page of visible contacts after `afterId`, in id (creation) order: the scan endpoints. */
export async function scanContacts(
  db: Kysely<DB>,
  orgId: string,
  filter: ReadFilter,
  afterId: string | undefined,
  limit: number,
): Promise<Contact[]> {
  let query = db
    .selectFrom('contacts')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter));
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(rowToContact);
}
