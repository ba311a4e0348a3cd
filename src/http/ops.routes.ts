import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Metrics } from './metrics.js';

/** Health, metrics and the OpenAPI document: public, and not rate limited. */
export function opsRoutes(deps: {
  metrics: Metrics;
  ready: () => Promise<boolean>;
}): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const config = { public: true, rateLimit: false } as const;

    r.get(
      '/healthz',
      {
        config,
        schema: {
          tags: ['Operations'],
          summary: 'Ready when the database is reachable and migrated',
          response: {
            200: Type.Object({ status: Type.Literal('ok') }),
            503: Type.Object({ status: Type.String() }),
          },
        },
      },
      async (_request, reply) => {
        const ok = await deps.ready().catch(() => false);
        return ok ? { status: 'ok' as const } : reply.status(503).send({ status: 'unavailable' });
      },
    );

    r.get(
      '/metrics',
      { config, schema: { tags: ['Operations'], summary: 'Prometheus metrics' } },
      async (_request, reply) => {
        const text = await deps.metrics.registry.metrics();
        return reply.type(deps.metrics.registry.contentType).send(text);
      },
    );

    r.get('/api/docs/openapi.json', { config, schema: { hide: true } }, async () => app.swagger());
  };
}
