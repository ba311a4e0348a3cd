import type { AddressInfo } from 'node:net';
import platformClient from 'purecloud-platform-client-v2';
import { beforeAll, expect } from 'vitest';
import { ok } from './http.js';
import { ADMIN_ID, ADMIN_SECRET, type TestKith } from './kith.js';

export const ROOT = '/api/v2/externalcontacts';

/** A Genesys `Bulk*Response` as Kith answers it. */
export interface BulkAnswer<E = { id: string }> {
  results: {
    id?: string;
    success: boolean;
    status: number;
    entity?: E;
    error?: {
      code: string;
      message: string;
      status: number;
      details: { fieldName?: string }[];
      entity?: unknown;
    };
  }[];
  errorCount: number;
  errorIndexes: number[];
}

/** A Genesys `Cursor*Listing` page. */
export interface ScanPage<E> {
  entities: E[];
  cursors?: { after: string };
  nextUri?: string;
  selfUri: string;
}

/** POSTs `{entities}` to a bulk path (as the admin unless a token is given); must answer 200. */
export async function postBulk<E = { id: string }>(
  kith: TestKith,
  path: string,
  entities: unknown[],
  token?: string,
): Promise<BulkAnswer<E>> {
  return ok<BulkAnswer<E>>(
    await kith.request('POST', `${ROOT}${path}`, {
      body: { entities },
      ...(token === undefined ? {} : { token }),
    }),
  );
}

/**
 * Follows a scan's cursors to the end at `limit` a page; returns every entity in the order
 * served and the number of pages. Every page but the last carries a cursor in its nextUri.
 */
export async function scanAll<E extends { id: string }>(
  kith: TestKith,
  path: string,
  options: { token?: string; limit?: number } = {},
): Promise<{ entities: E[]; pages: number }> {
  const entities: E[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const url =
      `${ROOT}${path}${path.includes('?') ? '&' : '?'}limit=${options.limit ?? 10}` +
      (cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`);
    const page = ok<ScanPage<E>>(
      await kith.request('GET', url, {
        ...(options.token === undefined ? {} : { token: options.token }),
      }),
    );
    expect(page.entities.length).toBeLessThanOrEqual(options.limit ?? 10);
    entities.push(...page.entities);
    pages += 1;
    cursor = page.cursors?.after;
    if (cursor !== undefined) expect(page.nextUri).toContain(cursor);
    else expect(page.nextUri).toBeUndefined();
  } while (cursor !== undefined);
  return { entities, pages };
}

/** The ids of what a scan served, sorted. */
export async function scannedIds(
  kith: TestKith,
  path: string,
  options: { token?: string; limit?: number } = {},
): Promise<string[]> {
  return (await scanAll(kith, path, options)).entities.map((e) => e.id).sort();
}

/**
 * For a describe block: makes its Kith listen on a free port before the tests and returns a
 * function that points the Genesys SDK singleton at it and signs in (as the admin by default).
 */
export function sdkSignIn(kith: TestKith): (id?: string, secret?: string) => Promise<void> {
  let port = 0;
  beforeAll(async () => {
    await kith.app.listen({ port: 0, host: '127.0.0.1' });
    port = (kith.app.server.address() as AddressInfo).port;
  });
  return async (id = ADMIN_ID, secret = ADMIN_SECRET) => {
    const client = platformClient.ApiClient.instance;
    client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
    client.setReturnExtendedResponses(false);
    await client.loginClientCredentialsGrant(id, secret);
  };
}
