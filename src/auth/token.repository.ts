import type { Kysely } from 'kysely';
import type { DB, TokenTable } from '../db/schema.js';

export async function insertToken(db: Kysely<DB>, token: TokenTable): Promise<void> {
  await db.insertInto('tokens').values(token).execute();
}

/** The token's row when it exists and has not expired at `now`. */
export async function findLiveToken(
  db: Kysely<DB>,
  orgId: string,
  tokenHash: string,
  now: string,
): Promise<TokenTable | undefined> {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
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
