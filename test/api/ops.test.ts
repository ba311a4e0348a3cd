import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS } from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
}

for (const dialect of DIALECTS) {
  describe(`operations endpoints (${dialect})`, () => {
    const kith = useTestKith(dialect, { env: { KITH_RATE_LIMIT_PER_MINUTE: '1' } });

    it('answers GET /healthz with {status: "ok"} without a token', async () => {
      const res = await kith.request('GET', '/healthz', { token: null });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('answers GET /metrics with Prometheus text counting requests by route and status', async () => {
      await kith.request('GET', '/healthz', { token: null });
      await kith.request('GET', '/no-such-page', { token: null });
      const res = await kith.request('GET', '/metrics', { token: null });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('# TYPE kith_http_requests_total counter');
      expect(res.body).toMatch(
        /^kith_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/m,
      );
      expect(res.body).toMatch(/^kith_http_requests_total\{[^}]*status="404"[^}]*\} \d+/m);
      expect(res.body).toContain('kith_http_request_duration_seconds_bucket');
    });

    it('serves an OpenAPI 3 document listing the contacts endpoints without a token', async () => {
      const res = await kith.request('GET', '/api/docs/openapi.json', { token: null });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const doc = res.json<OpenApiDocument>();
      expect(doc.openapi).toMatch(/^3\./);
      expect(typeof doc.info.title).toBe('string');
      expect(Object.keys(doc.paths)).toContain(CONTACTS);
      expect(Object.keys(doc.paths[CONTACTS] ?? {})).toEqual(
        expect.arrayContaining(['get', 'post']),
      );
      expect(Object.keys(doc.paths)).toContain(`${CONTACTS}/{contactId}`);
    });

    it('does not rate limit health, metrics or the OpenAPI document', async () => {
      for (let i = 0; i < 5; i++) {
        expect((await kith.request('GET', '/healthz', { token: null })).statusCode).toBe(200);
        expect((await kith.request('GET', '/metrics', { token: null })).statusCode).toBe(200);
        expect(
          (await kith.request('GET', '/api/docs/openapi.json', { token: null })).statusCode,
        ).toBe(200);
      }
    });

    it('serves the API documentation UI at /api/docs without a token', async () => {
      const res = await kith.request('GET', '/api/docs', { token: null });
      expect(res.statusCode).toBeLessThan(400);
    });
  });

  describe(`health when the database is not ready (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('answers GET /healthz with 503 while the database is not ready', async () => {
      const app = await buildApp({
        config: kith.config,
        db: kith.database.db,
        ready: async () => false,
        logger: false,
      });
      try {
        const res = await app.inject({ method: 'GET', url: '/healthz' });
        expect(res.statusCode).toBe(503);
        expect(res.json<{ status: string }>().status).not.toBe('ok');
      } finally {
        await app.close();
      }
    });
  });
}
