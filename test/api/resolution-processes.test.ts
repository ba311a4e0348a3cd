import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import {
  children,
  freshStore,
  runKith,
  serveWithAdmin,
  TEST_TIMEOUT_MS,
  tokenFor,
  type Server,
  type Store,
} from '../helpers/processes.js';

/*
 * SPEC §5 rule 6 across processes: two Kith servers sharing one PostgreSQL database, each given
 * half of 60 simultaneous interactions that carry the same new phone number, make one contact.
 */

const ADMIN = { id: 'two-process-admin', secret: 'two-process-admin-secret-0123456789' };
const RESOLVE = '/api/v2/externalcontacts/identityresolution/interactions';

const servers: Server[] = [];
const stores: Store[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(stores.map((s) => s.cleanup()));
}, TEST_TIMEOUT_MS);

for (const dialect of DIALECTS) {
  describe(`kith sweep as a process (${dialect})`, () => {
    it(
      'sweeps expired contacts, prints JSON, and refuses an unreadable --as-of with exit 2',
      async () => {
        const store = await freshStore(dialect);
        stores.push(store);
        const swept = await runKith(
          ['sweep', '--as-of', '2030-01-01T00:00:00Z', '--json'],
          store.env,
        );
        expect(swept.code).toBe(0);
        expect(JSON.parse(swept.stdout.trim().split('\n').pop() ?? '')).toEqual({
          asOf: '2030-01-01T00:00:00.000Z',
          swept: 0,
        });
        const bad = await runKith(['sweep', '--as-of', 'next tuesday'], store.env);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/--as-of takes an ISO-8601 date-time/);
      },
      TEST_TIMEOUT_MS,
    );
  });
}

describe('kith sweep beside a busy server on one SQLite file', () => {
  it(
    'sweeps while the server writes, and neither fails',
    async () => {
      const store = await freshStore('sqlite');
      stores.push(store);
      const server = await serveWithAdmin(store.env, ADMIN.id, ADMIN.secret);
      servers.push(server);
      const token = await tokenFor(server.url, ADMIN.id, ADMIN.secret);
      // Old interactions make contacts that a sweep as of now deletes.
      let sent = 0;
      const resolveOld = async () => {
        sent += 1;
        const res = await fetch(`${server.url}${RESOLVE}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            channel: 'voice',
            identifiers: [{ type: 'Phone', value: `+1317555${String(1000 + sent).slice(-4)}` }],
            occurredAt: '2020-01-01T00:00:00Z',
          }),
        });
        return res.status;
      };
      let writing = true;
      const statuses: number[] = [];
      const writers = Array.from({ length: 8 }, async () => {
        while (writing) statuses.push(await resolveOld());
      });
      const sweeps = [];
      for (let k = 0; k < 4; k += 1) sweeps.push(await runKith(['sweep', '--json'], store.env));
      writing = false;
      await Promise.all(writers);
      expect(sweeps.map((r) => [r.code, r.stderr])).toEqual(sweeps.map(() => [0, '']));
      const swept = sweeps.map(
        (r) => (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { swept: number }).swept,
      );
      // The sweeps deleted contacts the server was making meanwhile.
      expect(swept.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.filter((st) => st !== 200)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

describe.skipIf(!DIALECTS.includes('postgres'))(
  'identity resolution across two processes (postgres)',
  () => {
    let pair: Promise<[Server, Server]> | undefined;
    /** Two servers on one fresh database: the first migrates and bootstraps, then the second. */
    const twoServers = () =>
      (pair ??= (async () => {
        const store = await freshStore('postgres');
        stores.push(store);
        const first = await serveWithAdmin(store.env, ADMIN.id, ADMIN.secret);
        servers.push(first);
        const second = await serveWithAdmin(store.env, ADMIN.id, ADMIN.secret);
        servers.push(second);
        return [first, second];
      })());
    it(
      'makes exactly one contact for 60 simultaneous interactions split over two servers',
      async () => {
        const [first, second] = await twoServers();
        const tokens = await Promise.all(
          [first, second].map((s) => tokenFor(s.url, ADMIN.id, ADMIN.secret)),
        );
        const phone = '+13175559876';
        const answers = await Promise.all(
          Array.from({ length: 60 }, async (_, k) => {
            const server = k % 2 === 0 ? first : second;
            const res = await fetch(`${server.url}${RESOLVE}`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${tokens[k % 2] as string}`,
                'content-type': 'application/json',
              },
              body: JSON.stringify({
                channel: 'voice',
                identifiers: [{ type: 'Phone', value: phone }],
              }),
            });
            expect(res.status).toBe(200);
            return (await res.json()) as { outcome: string; contact: { id: string } };
          }),
        );
        const ids = new Set(answers.map((a) => a.contact.id));
        expect(ids.size).toBe(1);
        expect(answers.filter((a) => a.outcome === 'created')).toHaveLength(1);
        const search = await fetch(
          `${first.url}/api/v2/externalcontacts/contacts?q=${encodeURIComponent(phone)}`,
          { headers: { authorization: `Bearer ${tokens[0] as string}` } },
        );
        expect(((await search.json()) as { total: number }).total).toBe(1);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses on one server, within a second, a token revoked on the other',
      async () => {
        const [first, second] = await twoServers();
        const token = await tokenFor(first.url, ADMIN.id, ADMIN.secret);
        const home = () =>
          fetch(`${second.url}/api/v2/authorization/divisions/home`, {
            headers: { authorization: `Bearer ${token}` },
          });
        expect((await home()).status).toBe(200);
        const revoked = await fetch(`${first.url}/api/v2/tokens/me`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(revoked.status).toBe(204);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect((await home()).status).toBe(401);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "applies a channel's settings changed on one server to the other within a second",
      async () => {
        const [first, second] = await twoServers();
        const [firstToken, secondToken] = await Promise.all(
          [first, second].map((s) => tokenFor(s.url, ADMIN.id, ADMIN.secret)),
        );
        const resolveOnSecond = async (value: string) => {
          const res = await fetch(`${second.url}${RESOLVE}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${secondToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ channel: 'sms', identifiers: [{ type: 'Phone', value }] }),
          });
          return ((await res.json()) as { outcome: string }).outcome;
        };
        // The second server has read the sms settings (and keeps them a second).
        expect(await resolveOnSecond('+13175550101')).toBe('created');
        const put = await fetch(
          `${first.url}/api/v2/externalcontacts/identityresolution/settings/sms`,
          {
            method: 'PUT',
            headers: { authorization: `Bearer ${firstToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ createContacts: false }),
          },
        );
        expect(put.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect(await resolveOnSecond('+13175550102')).toBe('skipped');
      },
      TEST_TIMEOUT_MS,
    );
  },
);
