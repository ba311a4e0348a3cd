import { badRequest } from '../errors/app-error.js';

/** How long a scan cursor stays valid, as Genesys documents (24 h). */
export const CURSOR_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * An opaque cursor: the last id of a page, what it pages over and when it was made.
 * `scope` keeps a cursor of one listing from being replayed on another.
 */
export function encodeCursor(lastId: string, scope: string, now = Date.now()): string {
  return Buffer.from(JSON.stringify({ a: lastId, s: scope, t: now })).toString('base64url');
}

/**
 * The last id a cursor carries.
 * @throws AppError 400 naming `cursor` when it is malformed, of another listing, or expired.
 */
export function decodeCursor(cursor: string, scope: string, now = Date.now()): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor is not a cursor this listing issued', 'cursor');
  }
  const { a, s, t } = (parsed ?? {}) as { a?: unknown; s?: unknown; t?: unknown };
  if (typeof a !== 'string' || s !== scope || typeof t !== 'number') {
    throw badRequest('cursor is not a cursor this listing issued', 'cursor');
  }
  if (now - t > CURSOR_TTL_MS)
    throw badRequest('cursor has expired (cursors live 24 hours); start the scan again', 'cursor');
  return a;
}
