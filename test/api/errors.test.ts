import { beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { buildApp } from '../../src/app.js';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, HOME, expectExactGenesysError } from '../helpers/http.js';
import { startTestKith, useTestKith } from '../helpers/kith.js';

const REDIS_URL = process.env.REDIS_URL;

for (const dialect of DIALECTS) {
  describe(`error bodies (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('answers an unknown route with a 404 Genesys error body, with or without a token', async () => {
      const body = expectExactGenesysError(
        await kith.request('GET', '/api/v2/no/such/route'),
        404,
        'not.found',
      );
      expect(body.message).toContain('/api/v2/no/such/route');
      expectExactGenesysError(
        await kith.request('POST', '/nowhere', { token: null, body: { a: 1 } }),
        404,
        'not.found',
      );
    });

    it('answers malformed JSON with 400 bad.request', async () => {
      const res = await kith.request('POST', '/api/v2/authorization/divisions', {
        body: '{"name": "Sales",',
        headers: { 'content-type': 'application/json' },
      });
      expectExactGenesysError(res, 400, 'bad.request');
    });

    it('names the offending body field of a schema violation in message and details', async () => {
      const missing = expectExactGenesysError(
        await kith.request('POST', '/api/v2/authorization/divisions', { body: {} }),
        400,
        'bad.request',
      );
      expect(missing.message).toContain('name');
      expect(missing.details.map((d) => d.fieldName)).toContain('name');

      const wrongType = expectExactGenesysError(
        await kith.request('POST', CONTACTS, { body: { firstName: { nested: true } } }),
        400,
        'bad.request',
      );
      expect(wrongType.message).toContain('firstName');
      expect(wrongType.details.map((d) => d.fieldName)).toContain('firstName');
    });

    it('names the offending query parameter of a schema violation', async () => {
      const body = expectExactGenesysError(
        await kith.request('GET', `${CONTACTS}?pageSize=lots`),
        400,
        'bad.request',
      );
      expect(body.message).toContain('pageSize');
      expect(body.details.map((d) => d.fieldName)).toContain('pageSize');
    });

    it('answers a request without a token with 401 authentication.required', async () => {
      const res = await kith.request('GET', CONTACTS, { token: null });
      expectExactGenesysError(res, 401, 'authentication.required');
    });

    it('answers an unknown or malformed bearer token with 401', async () => {
      expectExactGenesysError(
        await kith.request('GET', HOME, { token: 'not-a-kith-token' }),
        401,
        'authentication.required',
      );
      expectExactGenesysError(
        await kith.request('GET', HOME, {
          token: `${kith.adminToken.split('.')[0] ?? ''}.${'A'.repeat(43)}`,
        }),
        401,
        'authentication.required',
      );
      expectExactGenesysError(
        await kith.request('GET', HOME, {
          token: null,
          headers: { authorization: 'Basic Zm9vOmJhcg==' },
        }),
        401,
        'authentication.required',
      );
    });

    it('answers a missing permission with 403 missing.permissions naming it', async () => {
      const { token } = await kith.principal(['externalContacts:contact:view'], ['*']);
      const body = expectExactGenesysError(
        await kith.request('POST', '/api/v2/authorization/divisions', {
          token,
          body: { name: 'Forbidden' },
        }),
        403,
        'missing.permissions',
      );
      expect(body.message).toContain('authorization:division:add');
    });

    it('uses the request id as contextId and echoes a client-supplied X-Request-Id', async () => {
      const given = 'trace-0f8e7d6c.5b4a_3921';
      const error = await kith.request('GET', '/missing', { headers: { 'x-request-id': given } });
      expect(error.headers['x-request-id']).toBe(given);
      expect(error.headers['inin-correlation-id']).toBe(given);
      expect(expectExactGenesysError(error, 404).contextId).toBe(given);

      const ok = await kith.request('GET', HOME, { headers: { 'x-request-id': given } });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-request-id']).toBe(given);
    });

    it('gives every request its own id when none is supplied', async () => {
      const a = expectExactGenesysError(await kith.request('GET', '/missing'), 404);
      const b = expectExactGenesysError(await kith.request('GET', '/missing'), 404);
      expect(a.contextId).not.toBe(b.contextId);
    });

    it('replaces an unusable X-Request-Id and still reports the id it used', async () => {
      const res = await kith.request('GET', '/missing', {
        headers: { 'x-request-id': 'x'.repeat(200) },
      });
      const body = expectExactGenesysError(res, 404);
      expect(body.contextId).not.toBe('x'.repeat(200));
    });

    it('answers an absurd pageNumber on admin lists with 400, not 500', async () => {
      for (const path of [
        '/api/v2/authorization/divisions',
        '/api/v2/authorization/roles',
        '/api/v2/oauth/clients',
        '/api/v2/users',
      ]) {
        const body = expectExactGenesysError(
          await kith.request('GET', `${path}?pageNumber=100000000000000000000`),
          400,
          'bad.request',
        );
        expect(body.details.map((d) => d.fieldName)).toContain('pageNumber');
      }
    });

    it('answers a body string holding a NUL character with no 500', async () => {
      const res = await kith.request('POST', CONTACTS, { body: { firstName: 'a\u0000b' } });
      expect(res.statusCode).toBeLessThan(500);
      if (res.statusCode >= 400) {
        expect(expectExactGenesysError(res, 400).details.map((d) => d.fieldName)).toContain(
          'firstName',
        );
      }
    });

    it('answers an id holding a NUL character with 404, not 500', async () => {
      expectExactGenesysError(await kith.request('GET', `${CONTACTS}/a%00b`), 404, 'not.found');
    });

    it('answers a query parameter holding a NUL character with no 500', async () => {
      const res = await kith.request('GET', '/api/v2/authorization/divisions?name=a%00b');
      expect(res.statusCode).toBeLessThan(500);
    });
  });

  describe(`body size limit (${dialect})`, () => {
    const kith = useTestKith(dialect, { env: { KITH_BODY_LIMIT_BYTES: '1024' } });

    it('answers a body over KITH_BODY_LIMIT_BYTES with 413', async () => {
      const res = await kith.request('POST', CONTACTS, { body: { firstName: 'a'.repeat(1100) } });
      expectExactGenesysError(res, 413, 'request.entity.too.large');
    });

    it('accepts a body under the limit', async () => {
      const res = await kith.request('POST', CONTACTS, { body: { firstName: 'a'.repeat(900) } });
      expect(res.statusCode).toBe(200);
    });
  });

  describe(`internal errors (${dialect})`, () => {
    const kith = useTestKith(dialect);

    beforeAll(async () => {
      kith.app.get('/boom', async () => {
        throw new Error('secret driver detail');
      });
    });

    it('answers an unexpected error with a bare 500 carrying no stack trace or driver message', async () => {
      const res = await kith.request('GET', '/boom', { headers: { 'x-request-id': 'boom-1' } });
      const body = expectExactGenesysError(res, 500, 'internal.server.error');
      expect(body.contextId).toBe('boom-1');
      expect(res.body).not.toContain('secret driver detail');
      expect(res.body).not.toMatch(/\bat .+:\d+/);
      expect(res.body).not.toContain('stack');
      expect(res.body).not.toContain('Error:');
      expect(body.details).toEqual([]);
      expect(body.messageParams).toEqual({});
    });
  });

  describe(`rate limits (${dialect})`, () => {
    const kith = useTestKith(dialect, { env: { KITH_RATE_LIMIT_PER_MINUTE: '2' } });

    it('answers the request over KITH_RATE_LIMIT_PER_MINUTE with 429 and Retry-After', async () => {
      const { token } = await kith.principal(['authorization:division:view'], ['*']);
      expect((await kith.request('GET', HOME, { token })).statusCode).toBe(200);
      expect((await kith.request('GET', HOME, { token })).statusCode).toBe(200);
      const res = await kith.request('GET', HOME, { token });
      expectExactGenesysError(res, 429, 'too.many.requests');
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    });

    it('counts each principal separately', async () => {
      const a = await kith.principal(['authorization:division:view'], ['*']);
      const b = await kith.principal(['authorization:division:view'], ['*']);
      await kith.request('GET', HOME, { token: a.token });
      await kith.request('GET', HOME, { token: a.token });
      expect((await kith.request('GET', HOME, { token: a.token })).statusCode).toBe(429);
      expect((await kith.request('GET', HOME, { token: b.token })).statusCode).toBe(200);
    });

    it("lets a client's higher rateLimitPerMinute override the default", async () => {
      const { token } = await kith.principal(['authorization:division:view'], ['*'], {
        rateLimitPerMinute: 4,
      });
      for (let i = 0; i < 4; i++) {
        expect((await kith.request('GET', HOME, { token })).statusCode).toBe(200);
      }
      expectExactGenesysError(await kith.request('GET', HOME, { token }), 429, 'too.many.requests');
    });

    it('lets a client with rateLimitPerMinute 0 call without limit', async () => {
      const { token } = await kith.principal(['authorization:division:view'], ['*'], {
        rateLimitPerMinute: 0,
      });
      for (let i = 0; i < 10; i++) {
        expect((await kith.request('GET', HOME, { token })).statusCode).toBe(200);
      }
    });

    it('limits the token endpoint by address before sign-in', async () => {
      const form = {
        token: null,
        body: 'grant_type=client_credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
      expect((await kith.request('POST', '/oauth/token', form)).statusCode).toBe(401);
      expect((await kith.request('POST', '/oauth/token', form)).statusCode).toBe(401);
      const res = await kith.request('POST', '/oauth/token', form);
      expectExactGenesysError(res, 429, 'too.many.requests');
      expect(res.headers['retry-after']).toBeDefined();
    });
  });

  describe(`rate limits switched off (${dialect})`, () => {
    const kith = useTestKith(dialect, { env: { KITH_RATE_LIMIT_PER_MINUTE: '0' } });

    it('never answers 429 when KITH_RATE_LIMIT_PER_MINUTE is 0', async () => {
      for (let i = 0; i < 20; i++) {
        expect((await kith.request('GET', HOME)).statusCode).toBe(200);
      }
    });

    it('still limits a client whose own rateLimitPerMinute is set', async () => {
      const { token } = await kith.principal(['authorization:division:view'], ['*'], {
        rateLimitPerMinute: 2,
      });
      expect((await kith.request('GET', HOME, { token })).statusCode).toBe(200);
      expect((await kith.request('GET', HOME, { token })).statusCode).toBe(200);
      expectExactGenesysError(await kith.request('GET', HOME, { token }), 429, 'too.many.requests');
    });
  });

  describe(`rate limits shared through Redis (${dialect})`, () => {
    it.skipIf(REDIS_URL === undefined || REDIS_URL === '')(
      'shares counters between two app instances on the same database',
      async () => {
        const url = REDIS_URL ?? '';
        const redisA = new Redis(url);
        const redisB = new Redis(url);
        const kith = await startTestKith(dialect, {
          env: { KITH_RATE_LIMIT_PER_MINUTE: '3' },
          redis: redisA,
        });
        const second = await buildApp({
          config: kith.config,
          db: kith.database.db,
          redis: redisB,
          logger: false,
        });
        try {
          const call = (app: typeof second) =>
            app.inject({
              method: 'GET',
              url: HOME,
              headers: { authorization: `Bearer ${kith.adminToken}` },
            });
          expect((await call(kith.app)).statusCode).toBe(200);
          expect((await call(second)).statusCode).toBe(200);
          expect((await call(kith.app)).statusCode).toBe(200);
          const res = await call(second);
          expectExactGenesysError(res, 429, 'too.many.requests');
          expect(res.headers['retry-after']).toBeDefined();
          expect((await call(kith.app)).statusCode).toBe(429);
        } finally {
          await second.close();
          await kith.close();
          redisA.disconnect();
          redisB.disconnect();
        }
      },
    );
  });
}
