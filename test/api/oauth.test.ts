import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import {
  CONTACTS,
  HOME,
  basic,
  clientToken,
  expectGenesysError,
  homeDivisionId,
  postToken,
  roleIdByName,
  type TokenAnswer,
} from '../helpers/http.js';
import { ADMIN_ID, ADMIN_SECRET, useTestKith } from '../helpers/kith.js';

for (const dialect of DIALECTS) {
  describe(`OAuth tokens (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let homeId: string;
    let agentRoleId: string;

    beforeAll(async () => {
      homeId = await homeDivisionId(kith);
      agentRoleId = await roleIdByName(kith, 'agent');
      expect(agentRoleId).not.toBe('');
    });

    it('issues a bearer token for client_credentials with HTTP Basic', async () => {
      const res = await postToken(
        kith,
        { grant_type: 'client_credentials' },
        basic(ADMIN_ID, ADMIN_SECRET),
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json<TokenAnswer>();
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
      expect(body.token_type).toBe('bearer');
      expect(body.expires_in).toBe(86400);
      expect(body.access_token.length).toBeGreaterThan(20);
      expect((await kith.request('GET', HOME, { token: body.access_token })).statusCode).toBe(200);
    });

    it('issues a different token on every grant', async () => {
      const a = await clientToken(kith, ADMIN_ID, ADMIN_SECRET);
      const b = await clientToken(kith, ADMIN_ID, ADMIN_SECRET);
      expect(a).not.toBe(b);
    });

    it('answers a wrong secret with 401 bad.credentials', async () => {
      const res = await postToken(
        kith,
        { grant_type: 'client_credentials' },
        basic(ADMIN_ID, `${ADMIN_SECRET}x`),
      );
      expectGenesysError(res, 401, 'bad.credentials');
      expect(res.body).not.toContain('access_token');
    });

    it('answers an unknown client id with the same 401 bad.credentials', async () => {
      const wrongSecret = expectGenesysError(
        await postToken(kith, { grant_type: 'client_credentials' }, basic(ADMIN_ID, 'nope')),
        401,
        'bad.credentials',
      );
      const unknown = expectGenesysError(
        await postToken(kith, { grant_type: 'client_credentials' }, basic('no-such-client', 'x')),
        401,
        'bad.credentials',
      );
      expect(unknown.message).toBe(wrongSecret.message);
    });

    it('answers client_credentials without credentials with 401', async () => {
      expectGenesysError(await postToken(kith, { grant_type: 'client_credentials' }), 401);
    });

    it('answers malformed percent-escapes in Basic credentials with 401, not 500', async () => {
      const res = await postToken(
        kith,
        { grant_type: 'client_credentials' },
        basic(ADMIN_ID, '%E0%A4%A'),
      );
      expectGenesysError(res, 401, 'bad.credentials');
    });

    it('answers an unsupported grant_type with 400 naming grant_type', async () => {
      const body = expectGenesysError(
        await postToken(kith, { grant_type: 'authorization_code', code: 'x' }),
        400,
        'bad.request',
      );
      expect(body.message).toContain('authorization_code');
      expect(body.details.map((d) => d.fieldName)).toContain('grant_type');
    });

    it('answers a form without grant_type with 400 naming grant_type', async () => {
      const body = expectGenesysError(await postToken(kith, { scope: 'all' }), 400, 'bad.request');
      expect(body.details.map((d) => d.fieldName)).toContain('grant_type');
    });

    it('issues user tokens through the password grant', async () => {
      const created = await kith.request('POST', '/api/v2/users', {
        body: {
          name: 'Pat Agent',
          email: 'pat.agent@example.com',
          password: 'correct horse battery',
          roleDivisions: [{ roleId: agentRoleId, divisionId: homeId }],
        },
      });
      expect(created.statusCode).toBe(200);

      const res = await postToken(kith, {
        grant_type: 'password',
        username: 'pat.agent@example.com',
        password: 'correct horse battery',
      });
      expect(res.statusCode).toBe(200);
      const body = res.json<TokenAnswer>();
      expect(body.token_type).toBe('bearer');
      expect(body.expires_in).toBeGreaterThan(0);

      // The agent role works on External Contacts but grants no administration.
      expect((await kith.request('GET', CONTACTS, { token: body.access_token })).statusCode).toBe(
        200,
      );
      expectGenesysError(
        await kith.request('GET', '/api/v2/users', { token: body.access_token }),
        403,
        'missing.permissions',
      );
    });

    it('answers a wrong password with 401 bad.credentials', async () => {
      await kith.request('POST', '/api/v2/users', {
        body: { name: 'Quinn', email: 'quinn@example.com', password: 'right-password-1' },
      });
      expectGenesysError(
        await postToken(kith, {
          grant_type: 'password',
          username: 'quinn@example.com',
          password: 'wrong-password-1',
        }),
        401,
        'bad.credentials',
      );
      expectGenesysError(
        await postToken(kith, {
          grant_type: 'password',
          username: 'nobody@example.com',
          password: 'right-password-1',
        }),
        401,
        'bad.credentials',
      );
    });

    it('answers a password grant without a password with 400', async () => {
      const body = expectGenesysError(
        await postToken(kith, { grant_type: 'password', username: 'quinn@example.com' }),
        400,
        'bad.request',
      );
      expect(body.details.map((d) => d.fieldName)).toContain('password');
    });

    it('revokes the token of the request on DELETE /api/v2/tokens/me', async () => {
      const token = await clientToken(kith, ADMIN_ID, ADMIN_SECRET);
      const other = await clientToken(kith, ADMIN_ID, ADMIN_SECRET);
      expect((await kith.request('GET', HOME, { token })).statusCode).toBe(200);
      const res = await kith.request('DELETE', '/api/v2/tokens/me', { token });
      expect(res.statusCode).toBe(204);
      expectGenesysError(
        await kith.request('GET', HOME, { token }),
        401,
        'authentication.required',
      );
      // Only that token: the client's other tokens still work.
      expect((await kith.request('GET', HOME, { token: other })).statusCode).toBe(200);
    });

    it('needs a token to revoke one', async () => {
      expectGenesysError(
        await kith.request('DELETE', '/api/v2/tokens/me', { token: null }),
        401,
        'authentication.required',
      );
    });

    it("gives a client's tokens its accessTokenValiditySeconds", async () => {
      const created = await kith.request('POST', '/api/v2/oauth/clients', {
        body: { name: 'short-lived', accessTokenValiditySeconds: 600 },
      });
      expect(created.statusCode).toBe(200);
      const { id, secret } = created.json<{ id: string; secret: string }>();
      const res = await postToken(kith, { grant_type: 'client_credentials' }, basic(id, secret));
      expect(res.statusCode).toBe(200);
      expect(res.json<TokenAnswer>().expires_in).toBe(600);
    });

    it('refuses tokens to a deactivated client and revokes the ones it holds', async () => {
      const created = await kith.request('POST', '/api/v2/oauth/clients', {
        body: { name: 'to-deactivate' },
      });
      const { id, secret } = created.json<{ id: string; secret: string }>();
      const token = await clientToken(kith, id, secret);
      const put = await kith.request('PUT', `/api/v2/oauth/clients/${id}`, {
        body: { name: 'to-deactivate', state: 'inactive' },
      });
      expect(put.statusCode).toBe(200);
      expectGenesysError(await kith.request('GET', CONTACTS, { token }), 401);
      expectGenesysError(
        await postToken(kith, { grant_type: 'client_credentials' }, basic(id, secret)),
        401,
        'bad.credentials',
      );
    });
  });

  describe(`token lifetime from the environment (${dialect})`, () => {
    const kith = useTestKith(dialect, { env: { KITH_TOKEN_TTL_SECONDS: '900' } });

    it('answers expires_in from KITH_TOKEN_TTL_SECONDS', async () => {
      const res = await postToken(
        kith,
        { grant_type: 'client_credentials' },
        basic(ADMIN_ID, ADMIN_SECRET),
      );
      expect(res.statusCode).toBe(200);
      expect(res.json<TokenAnswer>().expires_in).toBe(900);
    });
  });
}
