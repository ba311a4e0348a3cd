import { Stream } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError, notFound } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';

/** The path (`address.city`, `entities.3`) of the first string holding a NUL character. */
function nulPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (depth > 64 || value === null || typeof value !== 'object') return undefined;
  // A streamed body (an upload) is a socket's object graph, not data; a buffer is bytes.
  if (value instanceof Stream || Buffer.isBuffer(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\u0000')) return path === '' ? key : `${path}.${key}`;
    const found = nulPath(child, path === '' ? key : `${path}.${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses text that no database stores: a NUL character in a body or query value is a 400
 * naming the field (PostgreSQL would reject it deep inside a transaction), and an id holding
 * one cannot name anything, so it is a 404.
 */
export function installInputScreening(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const param = nulPath(request.params, '');
    if (param !== undefined) throw notFound('Resource');
    for (const [source, value] of [
      ['query parameter', request.query],
      ['body field', request.body],
    ] as const) {
      const field = nulPath(value, '');
      if (field !== undefined) {
        throw new AppError(
          ErrorCode.badRequest,
          `The ${source} '${field}' contains a NUL character, which Kith does not store`,
          400,
          [{ errorCode: ErrorCode.invalidValue, fieldName: field }],
        );
      }
    }
  });
}
