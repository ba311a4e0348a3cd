import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import {
  CLIENTS,
  CONTACTS,
  ROLES,
  clientToken,
  createClient,
  createRole,
  expectGenesysError,
  ok,
} from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';

/*
 * Authentication keeps what a token stands for a second per process (src/auth/auth-cache.ts).
 * Within the process every change to what it depends on applies to the very next request.
 */

for (const dialect of DIALECTS) {
  describe(`authentication kept a second, changes applied at once (${dialect})`, () => {
    const kith = useTestKith(dialect);

    async function clientWith(permissions: string[]) {
      const roleId = await createRole(kith, `cache-role-${dialect}-${Date.now()}`, permissions);
      const client = await createClient(kith, {
        name: `cache-client-${Date.now()}`,
        roleDivisions: [{ roleId, divisionId: '*' }],
      });
      return {
        roleId,
        clientId: client.id,
        token: await clientToken(kith, client.id, client.secret),
      };
    }

    it('applies a role losing a permission to the next request of its holders', async () => {
      const { roleId, token } = await clientWith(['externalContacts:contact:view']);
      for (let k = 0; k < 3; k += 1)
        expect((await kith.request('GET', CONTACTS, { token })).statusCode).toBe(200);
      ok(
        await kith.request('PUT', `${ROLES}/${roleId}`, {
          body: { name: `cache-role-renamed-${Date.now()}`, permissions: [] },
        }),
      );
      expectGenesysError(await kith.request('GET', CONTACTS, { token }), 403);
    });

    it('refuses the token of a deleted client on the next request', async () => {
      const { clientId, token } = await clientWith(['externalContacts:contact:view']);
      expect((await kith.request('GET', CONTACTS, { token })).statusCode).toBe(200);
      expect((await kith.request('DELETE', `${CLIENTS}/${clientId}`)).statusCode).toBeLessThan(300);
      expectGenesysError(await kith.request('GET', CONTACTS, { token }), 401);
    });

    it('refuses a revoked token on the next request, while the others keep working', async () => {
      const { token } = await clientWith(['externalContacts:contact:view']);
      expect((await kith.request('GET', CONTACTS, { token })).statusCode).toBe(200);
      expect((await kith.request('DELETE', '/api/v2/tokens/me', { token })).statusCode).toBe(204);
      expectGenesysError(await kith.request('GET', CONTACTS, { token }), 401);
      expect((await kith.request('GET', CONTACTS)).statusCode).toBe(200);
    });
  });
}
