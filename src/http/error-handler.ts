import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorDetail } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { ErrorBody } from './schemas.js';

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/address/city` → `address.city`; a missing property is named by itself. */
function fieldOf(issue: ValidationIssue): string {
  const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = issue.params.missingProperty;
  if (typeof missing === 'string') return path === '' ? missing : `${path}.${missing}`;
  const additional = issue.params.additionalProperty;
  if (typeof additional === 'string') return path === '' ? additional : `${path}.${additional}`;
  return path;
}

const CONTEXT_NAMES: Record<string, string> = {
  body: 'body field',
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
};

function validationError(error: FastifyError): AppError {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const context = CONTEXT_NAMES[error.validationContext ?? 'body'] ?? 'field';
  const details: ErrorDetail[] = issues.map((issue) => ({
    errorCode: ErrorCode.invalidValue,
    fieldName: fieldOf(issue),
  }));
  const messages = issues.map((issue) => {
    const field = fieldOf(issue);
    const rule = issue.message ?? 'is invalid';
    const allowed = issue.params.allowedValues;
    const suffix = Array.isArray(allowed) ? `: ${allowed.join(', ')}` : '';
    return field === ''
      ? `The ${context.replace(/ field| parameter/, '')} ${rule}${suffix}`
      : `The ${context} '${field}' ${rule}${suffix}`;
  });
  return new AppError(ErrorCode.badRequest, messages.join('; '), 400, details);
}

/** Maps what Fastify itself throws (bad JSON, big bodies, wrong content types) to AppErrors. */
function fastifyError(error: FastifyError, contentType: string | undefined): AppError | undefined {
  if (error.validation) return validationError(error);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        ErrorCode.payloadTooLarge,
        'The request body is larger than this server accepts',
        413,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        ErrorCode.unsupportedMediaType,
        `Content-Type "${contentType ?? ''}" is not accepted here; send application/json`,
        415,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(
        ErrorCode.badRequest,
        'The request body is empty; send a JSON document',
        400,
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(
        ErrorCode.badRequest,
        'The Content-Length header does not match the body',
        400,
      );
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError(
      ErrorCode.badRequest,
      `The request body is not valid JSON: ${error.message}`,
      400,
    );
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new AppError(
      status === 404 ? ErrorCode.notFound : ErrorCode.badRequest,
      error.message,
      status,
    );
  }
  return undefined;
}

function body(error: AppError, request: FastifyRequest): ErrorBody {
  return {
    message: error.message,
    code: error.code,
    status: error.status,
    messageParams: error.messageParams,
    contextId: request.id,
    details: error.details,
  };
}

/**
 * Installs the one mapping from errors to Genesys error bodies. Anything that is not an AppError
 * or a client error Fastify recognises is logged with the request id and answered as a bare 500:
 * no stack trace or driver message ever reaches the caller.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError =
      error instanceof AppError ? error : fastifyError(error, request.headers['content-type']);
    if (appError === undefined) {
      request.log.error({ err: error }, 'unexpected error');
      const internal = new AppError(
        ErrorCode.internalServerError,
        `The server could not complete the request; quote contextId ${request.id} when reporting it`,
        500,
      );
      return reply.status(500).send(body(internal, request));
    }
    if (appError.status >= 500) request.log.error({ err: error }, appError.message);
    for (const [name, value] of Object.entries(appError.headers)) void reply.header(name, value);
    return reply.status(appError.status).send(body(appError, request));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new AppError(
      ErrorCode.notFound,
      `No route ${request.method} ${request.url.split('?')[0] ?? ''}`,
      404,
    );
    return reply.status(404).send(body(error, request));
  });
}
