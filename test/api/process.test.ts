import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { DialectName } from '../../src/db/database.js';
import { DIALECTS } from '../helpers/databases.js';
import { basic } from '../helpers/http.js';
import {
  children,
  clientCredentials,
  freshStore,
  get,
  PROCESS_TIMEOUT_MS,
  runKith,
  serve,
  serveWithAdmin,
  logLines,
  TEST_TIMEOUT_MS,
  tokenFor,
  until,
  within,
  type Server,
  type Store,
} from '../helpers/processes.js';

/**
 * `node bin/kith.js` as a real child process: start-up, bootstrap credentials, configuration
 * errors, graceful stop and the command-line tool. Every process gets its own store (a temporary
 * data dir, plus a fresh PostgreSQL schema when the dialect is PostgreSQL), so the describes and
 * most tests run concurrently to keep the file quick despite tsx's start-up cost.
 */

const PRINTED_ID = /^ {2}KITH_ADMIN_CLIENT_ID=(\S+)$/m;
const PRINTED_SECRET = /^ {2}KITH_ADMIN_CLIENT_SECRET=(\S+)$/m;

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const stores: Store[] = [];
async function store(dialect: DialectName): Promise<Store> {
  const created = await freshStore(dialect);
  stores.push(created);
  return created;
}

afterAll(async () => {
  const running = [...children].map(
    (child) => new Promise((resolve) => child.once('close', resolve)),
  );
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(running);
  await Promise.all(stores.map((s) => s.cleanup()));
}, TEST_TIMEOUT_MS);

for (const dialect of DIALECTS) {
  describe.concurrent(`kith serve as a process (${dialect})`, () => {
    it(
      'prints generated admin credentials only on the first start of an empty store, and they get a token',
      async ({ expect }) => {
        const { env, dataDir } = await store(dialect);
        const server = await serve(env);
        const stdout = server.stdout();
        expect(occurrences(stdout, 'KITH_ADMIN_CLIENT_ID=')).toBe(1);
        expect(occurrences(stdout, 'KITH_ADMIN_CLIENT_SECRET=')).toBe(1);
        const id = PRINTED_ID.exec(stdout)?.[1];
        const secret = PRINTED_SECRET.exec(stdout)?.[1];
        expect(id).toEqual(expect.any(String));
        expect(secret).toEqual(expect.any(String));

        const health = await fetch(`${server.url}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });

        const res = await clientCredentials(server.url, id!, secret!, {
          'x-request-id': `first-start-${dialect}`,
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-request-id')).toBe(`first-start-${dialect}`);
        const grant = (await res.json()) as Record<string, unknown>;
        expect(grant).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
        const divisions = await get(
          `${server.url}/api/v2/authorization/divisions`,
          grant.access_token as string,
        );
        expect(divisions.status).toBe(200);

        expect(await server.stop()).toEqual({ code: 0, signal: null });
        // One JSON log line per request, with its id; secrets and tokens never reach the log.
        expect(logLines(server.stdout())).toContainEqual(
          expect.objectContaining({
            reqId: `first-start-${dialect}`,
            route: '/oauth/token',
            status: 200,
          }),
        );
        expect(occurrences(server.stdout() + server.stderr(), secret!)).toBe(1);
        expect(server.stdout() + server.stderr()).not.toContain(grant.access_token as string);
        expect(fs.existsSync(path.join(dataDir, 'kith.sqlite'))).toBe(dialect === 'sqlite');

        // A second start on the same store keeps that client and prints nothing.
        const second = await serve(env);
        expect(second.stdout()).not.toContain('KITH_ADMIN_CLIENT_ID=');
        expect(second.stdout()).not.toContain('KITH_ADMIN_CLIENT_SECRET=');
        expect(second.stdout()).not.toContain('Kith created an admin OAuth client');
        expect((await clientCredentials(second.url, id!, secret!)).status).toBe(200);
        expect(await second.stop()).toEqual({ code: 0, signal: null });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'uses KITH_ADMIN_CLIENT_ID and _SECRET from the environment without printing a secret',
      async ({ expect }) => {
        const { env } = await store(dialect);
        const id = `env-admin-${dialect}`;
        const secret = 'env-admin-secret-0123456789abcdef';
        const server = await serveWithAdmin(env, id, secret);
        expect(server.stdout()).not.toContain('KITH_ADMIN_CLIENT_SECRET=');

        const token = await tokenFor(server.url, id, secret);
        const clients = await get(`${server.url}/api/v2/oauth/clients`, token);
        expect(clients.status).toBe(200);
        const listed = (await clients.json()) as { entities: { id: string }[] };
        expect(listed.entities.map((c) => c.id)).toEqual([id]);
        expect((await clientCredentials(server.url, id, 'a-wrong-secret-123456')).status).toBe(401);

        expect((await server.stop()).code).toBe(0);
        expect(server.stdout() + server.stderr()).not.toContain(secret);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'on SIGTERM stops accepting connections, finishes the request in flight and exits 0',
      async ({ expect }) => {
        const { env } = await store(dialect);
        const id = `sigterm-admin-${dialect}`;
        const secret = 'sigterm-admin-secret-0123456789';
        const server = await serveWithAdmin(env, id, secret);
        const health = await fetch(`${server.url}/healthz`);
        expect(health.status).toBe(200);

        // A token request whose body arrives in two parts: SIGTERM lands between them.
        const body = 'grant_type=client_credentials';
        const { hostname, port } = new URL(server.url);
        const request = http.request({
          host: hostname,
          port: Number(port),
          method: 'POST',
          path: '/oauth/token',
          agent: false,
          headers: {
            authorization: basic(id, secret),
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': String(Buffer.byteLength(body)),
          },
        });
        const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
          request.once('error', reject);
          request.once('response', (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
            res.once('error', reject);
          });
        });
        // Awaited below; this keeps an early failure from surfacing as an unhandled rejection.
        answered.catch(() => undefined);
        request.write(body.slice(0, 10));
        await new Promise((resolve) => setTimeout(resolve, 300));

        server.child.kill('SIGTERM');
        const stopping = (): boolean =>
          logLines(server.stdout()).some((l) => l.signal === 'SIGTERM');
        await until(
          () => stopping() || server.child.exitCode !== null || server.child.signalCode !== null,
          PROCESS_TIMEOUT_MS,
          'the stopping log line',
        );
        expect(stopping()).toBe(true);
        // Nothing new is served while it finishes: the port is closed, or answers 503 while closing.
        const late = await fetch(`${server.url}/healthz`).then(
          (res) => res.status,
          () => 'refused',
        );
        expect(['refused', 503]).toContain(late);

        request.end(body.slice(10));
        const response = await within(answered, PROCESS_TIMEOUT_MS, 'the in-flight answer');
        expect(response.status).toBe(200);
        expect(JSON.parse(response.text)).toMatchObject({ access_token: expect.any(String) });

        expect(await within(server.exited, PROCESS_TIMEOUT_MS, 'exit')).toEqual({
          code: 0,
          signal: null,
        });
      },
      TEST_TIMEOUT_MS,
    );
  });
}

describe.concurrent('kith serve with a bad configuration', () => {
  for (const [variable, env] of [
    ['PORT', { PORT: 'abc' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['KITH_ADMIN_CLIENT_SECRET', { KITH_ADMIN_CLIENT_ID: 'lonely-admin' }],
  ] as const) {
    it(
      `exits 2 naming ${variable} when given ${JSON.stringify(env)}, without listening or creating a store`,
      async ({ expect }) => {
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-badconf-'));
        try {
          const dataDir = path.join(parent, 'data');
          const result = await runKith(['serve'], { KITH_DATA_DIR: dataDir, ...env });
          expect(result.code).toBe(2);
          expect(result.stderr).toContain(variable);
          expect(result.stdout).not.toContain('listening');
          expect(result.stdout).not.toContain('KITH_ADMIN_CLIENT_SECRET=');
          expect(fs.existsSync(dataDir)).toBe(false);
        } finally {
          fs.rmSync(parent, { recursive: true, force: true });
        }
      },
      TEST_TIMEOUT_MS,
    );
  }
});

describe.concurrent('kith --help', () => {
  it(
    'lists the commands and exits 0',
    async ({ expect }) => {
      const result = await runKith(['--help'], {});
      expect(result.code, result.stderr).toBe(0);
      for (const command of ['serve', 'migrate', 'orgs', 'clients', 'users']) {
        expect(result.stdout).toContain(command);
      }
    },
    TEST_TIMEOUT_MS,
  );
});

for (const dialect of DIALECTS) {
  describe.concurrent(`the kith command (${dialect})`, () => {
    const adminId = `cli-admin-${dialect}`;
    const adminSecret = 'cli-admin-secret-0123456789abcdef';
    let env: Record<string, string>;
    let server: Server;
    let adminToken: string;

    beforeAll(async () => {
      env = (await store(dialect)).env;
      server = await serveWithAdmin(env, adminId, adminSecret);
      adminToken = await tokenFor(server.url, adminId, adminSecret);
    }, TEST_TIMEOUT_MS);

    afterAll(async () => {
      if (server !== undefined) await server.stop();
    }, TEST_TIMEOUT_MS);

    it(
      'clients create --role agent --json prints an id and secret that sign in with agent rights',
      async ({ expect }) => {
        const result = await runKith(
          ['clients', 'create', '--name', 'flows', '--role', 'agent', '--json'],
          env,
        );
        expect(result.stderr).toBe('');
        expect(result.code, result.stderr).toBe(0);
        const created = JSON.parse(result.stdout) as Record<string, unknown>;
        expect(Object.keys(created).sort()).toEqual(['clientId', 'clientSecret']);

        const token = await tokenFor(
          server.url,
          created.clientId as string,
          created.clientSecret as string,
        );
        expect((await get(`${server.url}/api/v2/externalcontacts/contacts`, token)).status).toBe(
          200,
        );
        const divisions = await get(`${server.url}/api/v2/authorization/divisions`, token);
        expect(divisions.status).toBe(403);
        expect(await divisions.json()).toMatchObject({ code: 'missing.permissions' });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'orgs create --json prints the id, and clients create --org puts the client in that organization',
      async ({ expect }) => {
        const org = await runKith(['orgs', 'create', `Acme ${dialect}`, '--json'], env);
        expect(org.code, org.stderr).toBe(0);
        const created = JSON.parse(org.stdout) as { id: string; name: string };
        expect(created).toEqual({ id: expect.any(String), name: `Acme ${dialect}` });

        const client = await runKith(
          ['clients', 'create', '--name', 'acme-admin', '--role', 'admin', '--org', created.id],
          env,
        );
        expect(client.code, client.stderr).toBe(0);
        // Without --json the text names the id and secret.
        const clientId = /client id:\s+(\S+)/.exec(client.stdout)?.[1];
        const clientSecret = /client secret:\s+(\S+)/.exec(client.stdout)?.[1];
        expect(clientId).toEqual(expect.any(String));
        expect(clientSecret).toEqual(expect.any(String));

        const token = await tokenFor(server.url, clientId!, clientSecret!);
        const clients = (await (await get(`${server.url}/api/v2/oauth/clients`, token)).json()) as {
          entities: { id: string }[];
        };
        expect(clients.entities.map((c) => c.id)).toEqual([clientId]);
        // The default organization's admin cannot see it.
        const fromDefault = await get(`${server.url}/api/v2/oauth/clients/${clientId}`, adminToken);
        expect(fromDefault.status).toBe(404);
        // Each organization has its own home division.
        const homeOf = async (t: string): Promise<string> =>
          (
            (await (await get(`${server.url}/api/v2/authorization/divisions/home`, t)).json()) as {
              id: string;
            }
          ).id;
        expect(await homeOf(token)).not.toBe(await homeOf(adminToken));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'clients create with an unknown role exits 2 with a message naming it',
      async ({ expect }) => {
        const result = await runKith(
          ['clients', 'create', '--name', 'x', '--role', 'nosuchrole', '--json'],
          env,
        );
        expect(result.code).toBe(2);
        expect(result.stderr).toContain('nosuchrole');
        expect(result.stdout).toBe('');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'clients create with an unknown --org exits 2 with a message naming it',
      async ({ expect }) => {
        const result = await runKith(
          ['clients', 'create', '--name', 'x', '--role', 'agent', '--org', 'no-such-org'],
          env,
        );
        expect(result.code).toBe(2);
        expect(result.stderr).toContain('no-such-org');
        expect(result.stdout).toBe('');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'users create --json prints the user, who signs in with the password grant',
      async ({ expect }) => {
        const email = `a-${dialect}@example.com`;
        const result = await runKith(
          [
            'users',
            'create',
            '--name',
            'A',
            '--email',
            email,
            '--password',
            'password123',
            '--role',
            'agent',
            '--json',
          ],
          env,
        );
        expect(result.stderr).toBe('');
        expect(result.code, result.stderr).toBe(0);
        const created = JSON.parse(result.stdout) as { id: string; email: string };
        expect(created).toEqual({ id: expect.any(String), email });

        const res = await fetch(`${server.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'password',
            username: email,
            password: 'password123',
          }),
        });
        expect(res.status).toBe(200);
        const user = await get(`${server.url}/api/v2/users/${created.id}`, adminToken);
        expect(user.status).toBe(200);
        expect(await user.json()).toMatchObject({
          name: 'A',
          email,
          roleDivisions: [{ roleId: expect.any(String), divisionId: '*' }],
        });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'migrate --json applies the migrations to an empty store once, then nothing',
      async ({ expect }) => {
        const fresh = await store(dialect);
        const first = await runKith(['migrate', '--json'], fresh.env);
        expect(first.code, first.stderr).toBe(0);
        const applied = JSON.parse(first.stdout) as { applied: string[]; reverted: string[] };
        expect(applied.applied.length).toBeGreaterThan(0);
        expect(applied.reverted).toEqual([]);

        const again = await runKith(['migrate', '--json'], fresh.env);
        expect(again.code, again.stderr).toBe(0);
        expect(JSON.parse(again.stdout)).toEqual({ applied: [], reverted: [] });
      },
      TEST_TIMEOUT_MS,
    );
  });
}
