/**
 * Every error code Kith answers with, in one place. The strings are Genesys' own where Genesys
 * has one, so integrations that branch on `code` keep working.
 */
export const ErrorCode = {
  /** 400: the request is malformed or a field breaks a rule; `details` names the field. */
  badRequest: 'bad.request',
  /** 400: a body field fails the route schema. */
  invalidValue: 'invalid.value',
  /** 400: a record's division may not change through an edit. */
  divisionImmutable: 'division.immutable',
  /** 401: no token, or a token that is unknown, expired or revoked. */
  authenticationRequired: 'authentication.required',
  /** 401: the token endpoint was given wrong client or user credentials. */
  badCredentials: 'bad.credentials',
  /** 403: the principal lacks a permission the operation needs. */
  missingPermissions: 'missing.permissions',
  /** 404: no such route, or no such record visible to the principal. */
  notFound: 'not.found',
  /** 409: the change conflicts with the current state (a duplicate name, a held identifier). */
  conflict: 'conflict',
  /** 412: `If-Match` named an out-of-date version. */
  preconditionFailed: 'precondition.failed',
  /** 413: the request body is larger than the server accepts. */
  payloadTooLarge: 'request.entity.too.large',
  /** 415: the body is in a format the route does not read. */
  unsupportedMediaType: 'unsupported.media.type',
  /** 429: the principal's rate limit is used up; `Retry-After` says for how long. */
  tooManyRequests: 'too.many.requests',
  /** 500: something unexpected; the log has the detail under the same contextId. */
  internalServerError: 'internal.server.error',
  /** 503: the service is starting or stopping. */
  serviceUnavailable: 'service.unavailable',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
