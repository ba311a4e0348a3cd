import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { PagedListing } from '../../src/common/paging.js';
import type { TestKith } from './kith.js';

export const DIVISIONS = '/api/v2/authorization/divisions';
export const HOME = `${DIVISIONS}/home`;
export const ROLES = '/api/v2/authorization/roles';
export const CLIENTS = '/api/v2/oauth/clients';
export const USERS = '/api/v2/users';
export const CONTACTS = '/api/v2/externalcontacts/contacts';

/** The body of every Genesys error answer. */
export interface GenesysError {
  message: string;
  code: string;
  status: number;
  messageParams: Record<string, string>;
  contextId: string;
  details: { errorCode?: string; fieldName?: string }[];
}

/** What POST /oauth/token answers on success. */
export interface TokenAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
}

/**
 * Checks a Genesys error answer: its status (in the body too), its code when given, its JSON
 * content type, and that its contextId is the request id; returns the body for further checks.
 */
export function expectGenesysError(
  res: LightMyRequestResponse,
  status: number,
  code?: string,
): GenesysError {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json<GenesysError>();
  expect(body.status).toBe(status);
  if (code !== undefined) expect(body.code).toBe(code);
  expect(body.contextId).toBe(res.headers['x-request-id']);
  expect(Array.isArray(body.details)).toBe(true);
  return body;
}

/** As expectGenesysError, and the body has exactly the Genesys fields, each of its type. */
export function expectExactGenesysError(
  res: LightMyRequestResponse,
  status: number,
  code?: string,
): GenesysError {
  const body = expectGenesysError(res, status, code);
  expect(Object.keys(body).sort()).toEqual(
    ['code', 'contextId', 'details', 'message', 'messageParams', 'status'].sort(),
  );
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(typeof body.messageParams).toBe('object');
  expect(typeof res.headers['x-request-id']).toBe('string');
  return body;
}

/** Checks a 200 answer and returns its body. */
export function ok<T>(res: LightMyRequestResponse): T {
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

/** An HTTP Basic authorization header. */
export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** POST /oauth/token with a form body, as the Genesys SDK sends it. */
export function postToken(
  kith: TestKith,
  fields: Record<string, string>,
  authorization?: string,
): Promise<LightMyRequestResponse> {
  return kith.request('POST', '/oauth/token', {
    token: null,
    body: new URLSearchParams(fields).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
  });
}

/** A token for a client through the client_credentials grant, which must succeed. */
export async function clientToken(kith: TestKith, id: string, secret: string): Promise<string> {
  const res = await postToken(kith, { grant_type: 'client_credentials' }, basic(id, secret));
  expect(res.statusCode).toBe(200);
  return res.json<TokenAnswer>().access_token;
}

/** Creates a division as the admin and returns its id. */
export async function createDivision(kith: TestKith, name: string): Promise<string> {
  return ok<{ id: string }>(await kith.request('POST', DIVISIONS, { body: { name } })).id;
}

/** Creates a role as the admin and returns its id. */
export async function createRole(
  kith: TestKith,
  name: string,
  permissions?: readonly string[],
): Promise<string> {
  const body = permissions === undefined ? { name } : { name, permissions };
  return ok<{ id: string }>(await kith.request('POST', ROLES, { body })).id;
}

/** Creates an OAuth client as the admin and returns its id and its secret. */
export async function createClient(
  kith: TestKith,
  body: { name: string; roleDivisions?: { roleId: string; divisionId: string }[] },
): Promise<{ id: string; secret: string }> {
  return ok<{ id: string; secret: string }>(await kith.request('POST', CLIENTS, { body }));
}

/** The id of the admin's home division. */
export async function homeDivisionId(kith: TestKith): Promise<string> {
  return ok<{ id: string }>(await kith.request('GET', HOME)).id;
}

/** The id of the first role the admin lists under `name` ('' if none). */
export async function roleIdByName(kith: TestKith, name: string): Promise<string> {
  const listed = ok<PagedListing<{ id: string }>>(
    await kith.request('GET', `${ROLES}?name=${name}`),
  );
  return listed.entities[0]?.id ?? '';
}
