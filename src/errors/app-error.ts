import { ErrorCode } from './error-codes.js';

/** One entry of a Genesys error body's `details`: which field broke which rule. */
export interface ErrorDetail {
  errorCode: string;
  fieldName?: string;
  entityId?: string;
  entityName?: string;
}

/**
 * An error that is part of Kith's contract: a stable code, an HTTP status and a message meant for
 * the caller. Services throw these; one HTTP error handler turns them into Genesys error bodies.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly details: ErrorDetail[] = [],
    readonly messageParams: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function badRequest(message: string, fieldName?: string): AppError {
  const details = fieldName === undefined ? [] : [{ errorCode: ErrorCode.invalidValue, fieldName }];
  return new AppError(ErrorCode.badRequest, message, 400, details);
}

export function notFound(entity: string, id?: string): AppError {
  const message = id === undefined ? `${entity} not found` : `${entity} ${id} not found`;
  return new AppError(ErrorCode.notFound, message, 404, [], id === undefined ? {} : { id });
}

export function conflict(message: string, details: ErrorDetail[] = []): AppError {
  return new AppError(ErrorCode.conflict, message, 409, details);
}

/** A write that lost the race for a record another request changed first: 409, try again. */
export function changedMeanwhile(entity: 'Contact' | 'Organization', id: string): AppError {
  return conflict(`${entity} ${id} was changed by another request at the same time; try again`);
}

export function missingPermissions(permissions: readonly string[]): AppError {
  return new AppError(
    ErrorCode.missingPermissions,
    `You are missing the following permission(s): ${permissions.join(', ')}`,
    403,
    [],
    { permissions: permissions.join(', ') },
  );
}

export function unauthenticated(
  message = 'Authentication is required: send a valid bearer token',
): AppError {
  return new AppError(
    ErrorCode.authenticationRequired,
    message,
    401,
    [],
    {},
    {
      'www-authenticate': 'Bearer',
    },
  );
}
