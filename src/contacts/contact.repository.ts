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
import { compileOnce, insertRows } from '../db/compiled.js';
import type { ContactPoint } from './contact-points.js';
import type { SearchTerms } from './contact-search.js';
import {
  fullNameKey,
  searchKey,
  UNASSIGNED,
  type Contact,
  type ContactFields,
  type ContactType,
} from './contact.js';

/** The columns a Contact is read from; the rest (names, keys) are copies kept for search. */
export const CONTACT_COLUMNS = [
  'org_id',
  'id',
  'division_id',
  'type',
  'data',
  'version',
  'created_at',
  'modified_at',
  'merged_to',
] as const;

export function rowToContact(row: Pick<ContactTable, (typeof CONTACT_COLUMNS)[number]>): Contact {
  return {
    id: row.id,
    orgId: row.org_id,
    divisionId: row.division_id,
    type: row.type as ContactType,
    fields: parseJson<ContactFields>(row.data),
    version: row.version,
    createDate: row.created_at,
    modifyDate: row.modified_at,
    ...(row.merged_to === null ? {} : { mergedTo: row.merged_to }),
  };
}

/** The row of a contact: its columns, search keys and JSON data (bulk loaders reuse it). */
export function contactToRow(c: Contact): ContactTable {
  const f = c.fields;
  // A contact merged away keeps its data as history, but no search keys: search passes it by.
  const merged = c.mergedTo !== undefined;
  return {
    org_id: c.orgId,
    id: c.id,
    division_id: c.divisionId,
    type: c.type,
    first_name: f.firstName ?? null,
    middle_name: f.middleName ?? null,
    last_name: f.lastName ?? null,
    title: f.title ?? null,
    first_name_key: merged ? null : searchKey(f.firstName),
    last_name_key: merged ? null : searchKey(f.lastName),
    full_name_key: merged ? null : fullNameKey(f),
    external_organization_id: f.externalOrganization?.id ?? null,
    data: JSON.stringify(f),
    version: c.version,
    created_at: c.createDate,
    modified_at: c.modifyDate,
    merged_to: c.mergedTo ?? null,
    schema_id: f.schema?.id ?? null,
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
    .select(CONTACT_COLUMNS)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && rowToContact(row);
}

/** The most contacts a chain of merges can hold (a merge set holds 52). */
const MAX_MERGE_HOPS = 52;

/**
 * A contact, or the contact that is current in its place: the one it was merged into (following
 * merges to the head), or the one it became when it moved to another division.
 */
export async function findCurrentContact(
  db: Kysely<DB>,
  orgId: string,
  id: string,
): Promise<Contact | undefined> {
  let contact = await findContact(db, orgId, id);
  if (contact === undefined) {
    const moved = await db
      .selectFrom('contact_moves')
      .select('new_id')
      .where('org_id', '=', orgId)
      .where('old_id', '=', id)
      .executeTakeFirst();
    if (moved === undefined) return undefined;
    contact = await findContact(db, orgId, moved.new_id);
  }
  for (let hop = 0; contact?.mergedTo !== undefined && hop < MAX_MERGE_HOPS; hop += 1)
    contact = await findContact(db, orgId, contact.mergedTo);
  return contact;
}

/**
 * Gives a contact's identity to another id, for a move: claims (taking the new division),
 * notes, interactions and reviews pass to `to`, and the old id is remembered as moved; the old
 * row with its points is deleted. The claims must be free in the new division.
 */
export async function moveContactRows(
  db: Kysely<DB>,
  orgId: string,
  fromId: string,
  to: { id: string; divisionId: string | null },
  at: string,
): Promise<void> {
  await db
    .updateTable('claims')
    .set({ entity_id: to.id, division_key: to.divisionId ?? UNASSIGNED })
    .where('org_id', '=', orgId)
    .where('entity_type', '=', 'contact')
    .where('entity_id', '=', fromId)
    .execute();
  await db
    .updateTable('notes')
    .set({ entity_id: to.id, division_id: to.divisionId })
    .where('org_id', '=', orgId)
    .where('entity_type', '=', 'contact')
    .where('entity_id', '=', fromId)
    .execute();
  await db
    .updateTable('interactions')
    .set({ contact_id: to.id, division_id: to.divisionId })
    .where('org_id', '=', orgId)
    .where('contact_id', '=', fromId)
    .execute();
  await db
    .updateTable('resolution_reviews')
    .set({ contact_id: to.id, division_id: to.divisionId })
    .where('org_id', '=', orgId)
    .where('contact_id', '=', fromId)
    .execute();
  // Ids that moved before to the old one now lead to the new one.
  await db
    .updateTable('contact_moves')
    .set({ new_id: to.id })
    .where('org_id', '=', orgId)
    .where('new_id', '=', fromId)
    .execute();
  await db
    .insertInto('contact_moves')
    .values({ org_id: orgId, old_id: fromId, new_id: to.id, moved_at: at })
    .execute();
  await deleteContactRow(db, orgId, fromId);
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
    .select(CONTACT_COLUMNS)
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
    .select(CONTACT_COLUMNS.map((column) => `c.${column}` as const))
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
 * Two ways to test a key against a name prefix. `LIKE 'p%'` is not one of them: SQLite uses an
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

/** A match with the key it ranks by. */
type RankedQuery = SelectQueryBuilder<DB, 'contacts', { id: string; rank_key: string | null }>;

/**
 * The contacts a query may return before its terms: its organization, divisions and link. Columns
 * are qualified, so that the condition also serves a query that joins contacts to another table.
 */
function visible(
  eb: ExpressionBuilder<DB, 'contacts'>,
  orgId: string,
  query: ContactQuery,
): Expression<SqlBool> {
  const conditions = [
    eb('contacts.org_id', '=', orgId),
    divisionCondition(eb.ref('contacts.division_id'), query.filter),
  ];
  if (query.organizationId !== undefined) {
    conditions.push(eb('contacts.external_organization_id', '=', query.organizationId));
    conditions.push(eb('contacts.merged_to', 'is', null));
  }
  return eb.and(conditions);
}

/** Ids of the contacts holding any of the points, each once: one exact index lookup a point. */
function pointContactIds(db: Kysely<DB>, orgId: string, points: readonly ContactPoint[]) {
  const lookups = points.map((point) =>
    db
      .selectFrom('contact_points')
      .select('contact_id')
      .where('org_id', '=', orgId)
      .where('kind', '=', point.kind)
      .where('value', '=', point.value),
  );
  return lookups
    .slice(1)
    .reduce((all, lookup) => all.union(lookup), lookups[0] as (typeof lookups)[0]);
}

/**
 * The visible contacts matching the terms, each with its rank key, as queries that never overlap
 * (so their union has no duplicates and can stop at a LIMIT): a contact point, ranked first (key
 * ''), unless the name matches too; last name in the prefix range, ranked by the last-name key;
 * full name in it (last name not), ranked by the full-name key. Each name arm is one index range
 * that reads in (key, id) order, and within a prefix the exact word comes first ("smith" <
 * "smith j" < "smithers"). First names need no arm: the full-name key starts with the first-name
 * key. Empty when the terms match nothing.
 */
function matchingArms(
  db: Kysely<DB>,
  orgId: string,
  query: ContactQuery,
  terms: SearchTerms,
): RankedQuery[] {
  const candidates = () => db.selectFrom('contacts').where((eb) => visible(eb, orgId, query));
  const range = terms.namePrefix === undefined ? undefined : prefixRange(terms.namePrefix);
  const arms: RankedQuery[] = [];
  if (terms.points.length > 0) {
    // From the points to their contacts, in that order: a CROSS JOIN fixes SQLite's join order
    // (PostgreSQL plans it as any join). Left to itself, SQLite without statistics walks every
    // contact of the organization and probes the points for each.
    let byPoint = db
      .selectFrom(pointContactIds(db, orgId, terms.points).as('p'))
      .crossJoin('contacts')
      .whereRef('contacts.id', '=', 'p.contact_id')
      .where((eb) => visible(eb, orgId, query))
      .select(['contacts.id', sql<string>`''`.as('rank_key')]);
    if (range !== undefined) {
      byPoint = byPoint
        .where((eb) => outsideRange(eb.ref('contacts.last_name_key'), range))
        .where((eb) => outsideRange(eb.ref('contacts.full_name_key'), range));
    }
    arms.push(byPoint);
  }
  if (range !== undefined) {
    arms.push(
      candidates()
        .select(['id', 'last_name_key as rank_key'])
        .where((eb) => inRange(eb.ref('last_name_key'), range)),
      candidates()
        .select(['id', 'full_name_key as rank_key'])
        .where((eb) => inRange(eb.ref('full_name_key'), range))
        .where((eb) => outsideRange(eb.ref('last_name_key'), range)),
    );
  }
  return arms;
}

/** The UNION ALL of queries of one shape. */
function unionOf<Q extends { unionAll(other: Q): Q }>(arms: readonly Q[]): Q {
  return arms.slice(1).reduce((all, arm) => all.unionAll(arm), arms[0] as Q);
}

/**
 * The ids of a ranked page, in (rank key, id) order. Each arm reads at most the page's depth in
 * its index, already in order, and the arms are merged: without the arms' own LIMITs PostgreSQL
 * plans no Merge Append for a UNION ALL of filtered text ranges and sorts every match. Limits are
 * literals, so that PostgreSQL can judge a reused (generic) plan of the statement by its cost.
 */
function rankedPage(db: Kysely<DB>, arms: readonly RankedQuery[], page: PageRequest) {
  const depth = offsetOf(page) + page.pageSize;
  const limited = arms.map((arm) =>
    db
      .selectFrom(arm.orderBy('rank_key').orderBy('id').limit(sql.lit(depth)).as('a'))
      .select(['a.id', 'a.rank_key']),
  );
  return unionOf(limited)
    .orderBy('rank_key')
    .orderBy('id')
    .limit(sql.lit(page.pageSize))
    .offset(sql.lit(offsetOf(page)));
}

/**
 * A page of the visible contacts matching the query with the total. With terms and no sort the
 * page is ranked (matchingArms) and costs its depth in index entries, and comes with its count in
 * one statement; without terms it is in id (creation) order; with a sort every match is read. The
 * count stops at `countLimit`.
 */
export async function searchContacts(
  db: Kysely<DB>,
  orgId: string,
  query: ContactQuery,
): Promise<ContactSearchResult> {
  const { page, sort, terms } = query;
  const arms = terms === undefined ? undefined : matchingArms(db, orgId, query, terms);
  if (arms !== undefined && arms.length === 0) return { contacts: [], total: 0, partial: false };
  const matches =
    arms === undefined
      ? db
          .selectFrom('contacts')
          .select('id')
          .where((eb) => visible(eb, orgId, query))
          // Terms find no merged-away contact (it has no keys or points); a listing must skip them.
          .where('contacts.merged_to', 'is', null)
      : unionOf(arms);
  const limit = query.countLimit;
  const counted = (found: number): { total: number; partial: boolean } =>
    limit !== undefined && found > limit
      ? { total: limit, partial: true }
      : { total: found, partial: false };
  const counting = () =>
    db
      .selectFrom((limit === undefined ? matches : matches.limit(sql.lit(limit + 1))).as('m'))
      .select((eb) => eb.fn.countAll<number>().as('n'));
  const count = async () => counted(Number((await counting().executeTakeFirstOrThrow()).n));
  const offset = offsetOf(page);

  if (arms !== undefined && sort === undefined) {
    // The page and the count in one statement: the count is a subquery run once.
    const result = await db
      .selectFrom(rankedPage(db, arms, page).as('p'))
      .innerJoin('contacts as c', (j) => j.on('c.org_id', '=', orgId).onRef('c.id', '=', 'p.id'))
      .select(CONTACT_COLUMNS.map((column) => `c.${column}` as const))
      .select(counting().as('total'))
      .orderBy('p.rank_key')
      .orderBy('p.id')
      .execute();
    const first = result[0];
    // An empty page past the first has no row to carry the count.
    if (first === undefined)
      return { contacts: [], ...(offset === 0 ? counted(0) : await count()) };
    return { contacts: result.map(rowToContact), ...counted(Number(first.total)) };
  }

  const { total, partial } = await count();
  if (total <= offset && !partial) return { contacts: [], total, partial };
  let selected = db
    .selectFrom('contacts')
    .select(CONTACT_COLUMNS)
    .where('org_id', '=', orgId)
    .where('id', 'in', db.selectFrom(matches.as('m')).select('m.id'));
  if (sort !== undefined) {
    const column = SORT_COLUMNS[sort.field];
    // Contacts without the field come last either way; the dialects disagree on where NULLs go.
    selected = selected.orderBy(sql`${sql.ref(column)} is null`).orderBy(column, sort.direction);
  }
  const result = await selected.orderBy('id').limit(page.pageSize).offset(offset).execute();
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
    .select(CONTACT_COLUMNS)
    .where('org_id', '=', orgId)
    .where('merged_to', 'is', null)
    .where((eb) => divisionCondition(eb.ref('division_id'), filter));
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(rowToContact);
}

/** A contact with the hour it was last seen, for retention (null: it never expires). */
export interface SeenContact {
  readonly contact: Contact;
  readonly lastSeenAt: string | null;
}

/** An identifier to find contacts by: its claim key and the contact point it is indexed as. */
export interface IdentifierLookup {
  readonly type: string;
  readonly sourceKey: string;
  readonly value: string;
  readonly point: ContactPoint;
}

/** The most candidates one identifier yields (an ambiguous result lists them). */
export const MAX_CANDIDATES = 25;

/**
 * The visible contacts that claim, or hold as a contact point, each identifier: one statement of
 * exact index lookups, at most MAX_CANDIDATES per identifier and way, first-created first.
 * `index` in each match is the identifier's position in `lookups`.
 */
export async function findContactsByIdentifiers(
  db: Kysely<DB>,
  orgId: string,
  lookups: readonly IdentifierLookup[],
  filter: ReadFilter,
): Promise<{
  matches: {
    index: number;
    via: 'claim' | 'contactPoint';
    contactId: string;
    createDate: string;
  }[];
  contacts: Map<string, SeenContact>;
}> {
  if (lookups.length === 0) return { matches: [], contacts: new Map() };
  const columns = [
    ...CONTACT_COLUMNS.map((column) => `contacts.${column}` as const),
    'contacts.last_seen_at',
  ] as const;
  // Values: the organization, five per lookup, then the filter's division ids.
  const values: string[] = [orgId];
  for (const l of lookups) values.push(l.type, l.value, l.sourceKey, l.point.kind, l.point.value);
  const divisionIds = filter.divisionIds === 'all' ? [] : filter.divisionIds;
  const firstDivision = values.length;
  values.push(...divisionIds);
  const shape = `contactsByIdentifiers:${lookups.length}:${filter.divisionIds === 'all' ? 'all' : divisionIds.length}:${filter.includeUnassigned}`;
  const compiled = compileOnce(db, shape, values, (value) => {
    const org = value(0);
    const visibleTo: ReadFilter = {
      divisionIds:
        filter.divisionIds === 'all' ? 'all' : divisionIds.map((_, k) => value(firstDivision + k)),
      includeUnassigned: filter.includeUnassigned,
    };
    const arms = lookups.flatMap((_, index) => {
      const at = (k: number) => value(1 + index * 5 + k);
      // From the claim or point to its contact, in that order (a CROSS JOIN fixes SQLite's order).
      const byClaim = db
        .selectFrom('claims')
        .crossJoin('contacts')
        .whereRef('contacts.org_id', '=', 'claims.org_id')
        .whereRef('contacts.id', '=', 'claims.entity_id')
        .where('claims.org_id', '=', org)
        .where('claims.entity_type', '=', 'contact')
        .where('claims.type', '=', at(0))
        .where('claims.value', '=', at(1))
        .where('claims.source_key', '=', at(2))
        .where((eb) => divisionCondition(eb.ref('contacts.division_id'), visibleTo))
        .select([sql.lit(index).as('idx'), sql.lit('claim').as('via'), ...columns]);
      const byPoint = db
        .selectFrom('contact_points')
        .crossJoin('contacts')
        .whereRef('contacts.org_id', '=', 'contact_points.org_id')
        .whereRef('contacts.id', '=', 'contact_points.contact_id')
        .where('contact_points.org_id', '=', org)
        .where('contact_points.kind', '=', at(3))
        .where('contact_points.value', '=', at(4))
        .where((eb) => divisionCondition(eb.ref('contacts.division_id'), visibleTo))
        .select([sql.lit(index).as('idx'), sql.lit('contactPoint').as('via'), ...columns]);
      return [
        db
          .selectFrom(
            byClaim
              .orderBy('contacts.created_at')
              .orderBy('contacts.id')
              .limit(sql.lit(MAX_CANDIDATES))
              .as('m'),
          )
          .selectAll(),
        db
          .selectFrom(
            byPoint
              .orderBy('contacts.created_at')
              .orderBy('contacts.id')
              .limit(sql.lit(MAX_CANDIDATES))
              .as('m'),
          )
          .selectAll(),
      ];
    });
    return unionOf(arms);
  });
  const { rows } = await db.executeQuery(compiled);
  const contacts = new Map<string, SeenContact>();
  const matches = rows.map((row) => {
    if (!contacts.has(row.id))
      contacts.set(row.id, { contact: rowToContact(row), lastSeenAt: row.last_seen_at ?? null });
    return {
      index: Number(row.idx),
      via: row.via === 'claim' ? ('claim' as const) : ('contactPoint' as const),
      contactId: row.id,
      createDate: row.created_at,
    };
  });
  return { matches, contacts };
}

/** Inserts new contacts in one statement, each with the hour it was last seen. */
export async function insertSeenContacts(
  db: Kysely<DB>,
  contacts: readonly SeenContact[],
): Promise<void> {
  if (contacts.length === 0) return;
  await insertRows(
    db,
    'contacts',
    contacts.map((c) => ({ ...contactToRow(c.contact), last_seen_at: c.lastSeenAt })),
  );
}

/** Inserts the contact points of several contacts in one statement. */
export async function insertContactPoints(
  db: Kysely<DB>,
  points: readonly { orgId: string; contactId: string; point: ContactPoint }[],
): Promise<void> {
  if (points.length === 0) return;
  await insertRows(
    db,
    'contact_points',
    points.map(({ orgId, contactId, point }) => ({
      org_id: orgId,
      kind: point.kind,
      value: point.value,
      contact_id: contactId,
    })),
    { ignoreConflicts: true },
  );
}

/**
 * Renews an expiring contact to the hour it was seen, unless it was seen that late already.
 * @returns false when the contact is gone (an expiry sweep deleted it).
 */
export async function renewContact(
  db: Kysely<DB>,
  orgId: string,
  id: string,
  seenAt: string,
): Promise<boolean> {
  const renewed = await db
    .updateTable('contacts')
    .set({ last_seen_at: seenAt })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('type', 'in', ['Ephemeral', 'Identified'])
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', seenAt)]))
    .executeTakeFirst();
  if (Number(renewed.numUpdatedRows) === 1) return true;
  return (await existingContactIds(db, orgId, [id])).size === 1;
}

/** Which of the ids are contacts that exist. */
export async function existingContactIds(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('contacts')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Ephemeral and Identified contacts last seen before `before`, oldest first, at most `limit`. */
export async function findExpiredContacts(
  db: Kysely<DB>,
  orgId: string,
  before: string,
  limit: number,
): Promise<SeenContact[]> {
  const rows = await db
    .selectFrom('contacts')
    .select([...CONTACT_COLUMNS, 'last_seen_at'])
    .where('org_id', '=', orgId)
    .where('last_seen_at', '<', before)
    .where('type', 'in', ['Ephemeral', 'Identified'])
    // A merged-away contact is history of a Canonical contact, which never expires.
    .where('merged_to', 'is', null)
    .orderBy('last_seen_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ contact: rowToContact(row), lastSeenAt: row.last_seen_at ?? null }));
}

/**
 * Deletes those of the contacts that are still expired (Ephemeral or Identified, last seen
 * before `before`), with their claims, points, interactions and notes. The test is made again
 * in the deleting statement, so an interaction that renewed a contact since it was selected
 * keeps it alive.
 * @returns the ids deleted.
 */
export async function deleteExpiredContacts(
  db: Kysely<DB>,
  orgId: string,
  ids: readonly string[],
  before: string,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const deleted = await db
    .deleteFrom('contacts')
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .where('last_seen_at', '<', before)
    .where('type', 'in', ['Ephemeral', 'Identified'])
    .where('merged_to', 'is', null)
    .returning('id')
    .execute();
  const gone = deleted.map((r) => r.id);
  if (gone.length > 0) {
    await db
      .deleteFrom('claims')
      .where('org_id', '=', orgId)
      .where('entity_type', '=', 'contact')
      .where('entity_id', 'in', gone)
      .execute();
    await db
      .deleteFrom('notes')
      .where('org_id', '=', orgId)
      .where('entity_type', '=', 'contact')
      .where('entity_id', 'in', gone)
      .execute();
  }
  return gone;
}

/** Makes a merged-away contact current again, as it was: its search keys and points return. */
export async function unmarkMerged(
  db: Kysely<DB>,
  contact: Contact,
  points: readonly ContactPoint[],
): Promise<void> {
  const { mergedTo: _mergedTo, ...current } = contact;
  const row = contactToRow(current);
  await db
    .updateTable('contacts')
    .set({
      merged_to: null,
      first_name_key: row.first_name_key,
      last_name_key: row.last_name_key,
      full_name_key: row.full_name_key,
    })
    .where('org_id', '=', contact.orgId)
    .where('id', '=', contact.id)
    .execute();
  await replaceContactPoints(db, contact.orgId, contact.id, points);
}
