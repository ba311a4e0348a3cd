import type { Kysely } from 'kysely';
import type { DB, TokenTable } from '../db/schema.js';
import { compileOnce } from '../db/compiled.js';

export async function insertToken(db: Kysely<DB>, token: TokenTable): Promise<void> {
  await db.insertInto('tokens').values(token).execute();
}

/** A live token with what authentication needs of its subject: one row per grant. */
export interface TokenSubjectRow {
  subject_type: string;
  subject_id: string;
  /** The client's or user's name and state; null when the subject no longer exists. */
  name: string | null;
  state: string | null;
  rate_limit_per_minute: number | null;
  /** When the token expires (ISO-8601). */
  expires_at: string;
  /** The grant of this row; null for a subject holding none. */
  role_id: string | null;
  division_id: string | null;
  permissions: string | null;
}

/**
 * The token, if it exists and has not expired at `now`, with its subject and the subject's
 * grants, in one statement: authentication runs on every request, and three round trips to
 * PostgreSQL cost more than the search they guarded.
 */
export async function findLiveTokenSubject(
  db: Kysely<DB>,
  orgId: string,
  tokenHash: string,
  now: string,
): Promise<TokenSubjectRow[]> {
  // Built once: building the joins through Kysely cost more than SQLite took to run them.
  const compiled = compileOnce(db, 'liveTokenSubject', [orgId, tokenHash, now], (value) =>
    db
      .selectFrom('tokens as t')
      .leftJoin('clients as c', (j) =>
        j
          .onRef('c.org_id', '=', 't.org_id')
          .onRef('c.id', '=', 't.subject_id')
          .on('t.subject_type', '=', 'client'),
      )
      .leftJoin('users as u', (j) =>
        j
          .onRef('u.org_id', '=', 't.org_id')
          .onRef('u.id', '=', 't.subject_id')
          .on('t.subject_type', '=', 'user'),
      )
      .leftJoin('grants as g', (j) =>
        j.onRef('g.org_id', '=', 't.org_id').onRef('g.subject_id', '=', 't.subject_id'),
      )
      .leftJoin('roles as r', (j) =>
        j.onRef('r.org_id', '=', 'g.org_id').onRef('r.id', '=', 'g.role_id'),
      )
      .select((eb) => [
        't.subject_type',
        't.subject_id',
        eb.fn.coalesce('c.name', 'u.name').as('name'),
        eb.fn.coalesce('c.state', 'u.state').as('state'),
        'c.rate_limit_per_minute',
        't.expires_at',
        'r.id as role_id',
        'g.division_id',
        'r.permissions',
      ])
      .where('t.org_id', '=', value(0))
      .where('t.token_hash', '=', value(1))
      .where('t.expires_at', '>', value(2)),
  );
  return (await db.executeQuery(compiled)).rows;
}

export async function deleteToken(db: Kysely<DB>, orgId: string, tokenHash: string): Promise<void> {
  await db
    .deleteFrom('tokens')
    .where('org_id', '=', orgId)
    .where('token_hash', '=', tokenHash)
    .execute();
}

/** Revokes every token of a subject (its secret changed, or it was deleted). */
export async function deleteSubjectTokens(
  db: Kysely<DB>,
  orgId: string,
  subjectId: string,
): Promise<void> {
  await db
    .deleteFrom('tokens')
    .where('org_id', '=', orgId)
    .where('subject_id', '=', subjectId)
    .execute();
}

export async function deleteExpiredTokens(
  db: Kysely<DB>,
  orgId: string,
  now: string,
): Promise<number> {
  const result = await db
    .deleteFrom('tokens')
    .where('org_id', '=', orgId)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
