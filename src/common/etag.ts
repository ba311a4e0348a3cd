import { AppError } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';

/** The ETag of a record at `version`: its quoted version number. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Checks an `If-Match` header against a record's version; no header, or `*`, always passes.
 * Weak and strong forms of the tag are treated alike.
 * @throws AppError 412 naming the current version when the header names another one.
 */
export function checkIfMatch(ifMatch: string | undefined, version: number, what: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const wanted = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  const etag = etagOf(version);
  if (!wanted.includes(etag)) {
    throw new AppError(
      ErrorCode.preconditionFailed,
      `The ${what} changed since you read it (now at version ${version}, ETag ${etag}); fetch it again and reapply your change`,
      412,
    );
  }
}
