import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DialectName } from '../../src/db/database.js';
import { openTestDatabase } from './databases.js';
import { basic } from './http.js';

/*
 * `node bin/kith.js` as a real child process, for the tests that need one: spawn, wait for it to
 * listen, stop it, and give it a store of its own.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Generous, so that a loaded machine slows the file down rather than failing it; a healthy run
// of the whole file takes well under a minute.
export const PROCESS_TIMEOUT_MS = 90_000;
export const TEST_TIMEOUT_MS = 180_000;

/** Every child started here, so that none outlives the file when a test fails half-way. */
export const children = new Set<ChildProcess>();

/** The parent's environment without anything that would configure Kith behind our back. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (name.startsWith('KITH_') || name.startsWith('VITEST') || name === 'NODE_OPTIONS') continue;
    if (['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL'].includes(name)) continue;
    env[name] = value;
  }
  return env;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Spawned {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exit>;
}

export function spawnKith(args: readonly string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['bin/kith.js', ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one `kith` command to its end. */
export async function runKith(
  args: readonly string[],
  env: Record<string, string>,
): Promise<Exit & { stdout: string; stderr: string }> {
  const run = spawnKith(args, env);
  try {
    const exit = await within(run.exited, PROCESS_TIMEOUT_MS, `kith ${args.join(' ')}`);
    return { ...exit, stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
}

/** The JSON log lines a process wrote so far. */
export function logLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line still being written
    }
  }
  return lines;
}

export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface Server extends Spawned {
  readonly url: string;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<Exit>;
}

/** `kith serve` on PORT=0, resolved once it logged "Kith is listening" with its URL. */
export async function serve(env: Record<string, string>): Promise<Server> {
  const run = spawnKith(['serve'], { PORT: '0', KITH_RATE_LIMIT_PER_MINUTE: '0', ...env });
  let exit: Exit | undefined;
  void run.exited.then(
    (e) => (exit = e),
    () => (exit = { code: null, signal: null }),
  );
  const listening = (): Record<string, unknown> | undefined =>
    logLines(run.stdout()).find((l) => l.msg === 'Kith is listening');
  try {
    await until(
      () => listening() !== undefined || exit !== undefined,
      PROCESS_TIMEOUT_MS,
      'listen',
    );
  } catch (error) {
    run.child.kill('SIGKILL');
    throw new Error(
      `${(error as Error).message}\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`,
    );
  }
  const line = listening();
  if (line === undefined || typeof line.url !== 'string') {
    throw new Error(
      `kith serve did not listen (exit ${JSON.stringify(exit)}):\n${run.stdout()}\n${run.stderr()}`,
    );
  }
  return {
    ...run,
    url: line.url,
    stop: async () => {
      run.child.kill('SIGTERM');
      return within(run.exited, PROCESS_TIMEOUT_MS, 'exit after SIGTERM');
    },
  };
}

/** `kith serve` with the admin client's id and secret given in the environment. */
export function serveWithAdmin(
  env: Record<string, string>,
  id: string,
  secret: string,
): Promise<Server> {
  return serve({ ...env, KITH_ADMIN_CLIENT_ID: id, KITH_ADMIN_CLIENT_SECRET: secret });
}

/** A fresh, empty store: a temporary data dir and, for PostgreSQL, a new schema. */
export interface Store {
  readonly dataDir: string;
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function freshStore(dialect: DialectName): Promise<Store> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-process-'));
  const removeDir = async (): Promise<void> => fs.rmSync(dataDir, { recursive: true, force: true });
  if (dialect === 'postgres') {
    const database = await openTestDatabase('postgres', { migrate: false });
    const url = database.location.url;
    if (url === undefined) throw new Error('the PostgreSQL test database has no URL');
    return {
      dataDir,
      env: { KITH_DATA_DIR: dataDir, DATABASE_URL: url },
      cleanup: async () => {
        await database.destroy();
        await removeDir();
      },
    };
  }
  return { dataDir, env: { KITH_DATA_DIR: dataDir }, cleanup: removeDir };
}

/** POST /oauth/token with client credentials as HTTP Basic, as the SDK sends them. */
export function clientCredentials(
  url: string,
  id: string,
  secret: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      ...headers,
      authorization: basic(id, secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

export async function tokenFor(url: string, id: string, secret: string): Promise<string> {
  const res = await clientCredentials(url, id, secret);
  if (res.status !== 200) throw new Error(`token for ${id}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function get(url: string, token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } });
}
