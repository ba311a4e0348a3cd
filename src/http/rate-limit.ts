import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { AppError } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';

const WINDOW_MS = 60_000;

/**
 * Limits requests per principal per minute (by client address before authentication). The
 * default comes from configuration; a client's own `rateLimitPerMinute` overrides it; 0 means
 * unlimited. With Redis the counters are shared by every Kith process.
 */
export async function installRateLimit(
  app: FastifyInstance,
  options: { defaultPerMinute: number; redis?: Redis | undefined },
): Promise<void> {
  const limitFor = (request: FastifyRequest): number =>
    request.principal?.rateLimitPerMinute ?? options.defaultPerMinute;
  await app.register(rateLimit, {
    global: true,
    hook: 'preParsing',
    timeWindow: WINDOW_MS,
    max: (request) => limitFor(request),
    allowList: (request) => limitFor(request) === 0 || request.routeOptions.url === undefined,
    keyGenerator: (request) =>
      request.principal === undefined
        ? `ip:${request.ip}`
        : `p:${request.principal.orgId}:${request.principal.id}`,
    nameSpace: 'kith-rl:',
    // A Redis outage must not take the API down with it: requests pass unlimited until it is back.
    skipOnError: true,
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new AppError(
        ErrorCode.tooManyRequests,
        `Rate limit of ${context.max} requests per minute exceeded; retry in ${seconds} seconds`,
        429,
        [],
        { limit: String(context.max), retryAfterSeconds: String(seconds) },
        { 'retry-after': String(seconds) },
      );
    },
  });
}
