import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics of one Kith instance, in a registry of its own (tests build many instances). */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly resolutions: Counter<'outcome'>;
}

/**
 * Creates the registry. `outboxBacklog`, when given, is asked at each scrape for the number of
 * events not yet delivered.
 */
export function createMetrics(sources: { outboxBacklog?: () => Promise<number> } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kith_' });
  const backlog = sources.outboxBacklog;
  if (backlog !== undefined) {
    new Gauge({
      name: 'kith_outbox_backlog',
      help: 'Events recorded but not yet delivered',
      registers: [registry],
      async collect() {
        this.set(await backlog());
      },
    });
  }
  return {
    registry,
    httpRequests: new Counter({
      name: 'kith_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'kith_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    resolutions: new Counter({
      name: 'kith_resolution_outcomes_total',
      help: 'Interactions resolved, by outcome (linked, created, ambiguous, skipped)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/** Counts and times every request, and logs one line for it with its id. */
export function installRequestObservation(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // Unknown routes share one label, so scanners cannot blow up the label set.
    const route = request.routeOptions.url ?? 'unknown';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, seconds);
    request.log.info(
      {
        method: request.method,
        url: request.url.split('?')[0],
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        principal: request.principal?.id,
      },
      'request',
    );
  });
}
