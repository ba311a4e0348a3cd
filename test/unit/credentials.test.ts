import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  hashSecret,
  hashToken,
  newAccessToken,
  newClientSecret,
  tokenOrgId,
  verifySecret,
} from '../../src/auth/credentials.js';
import { newId, randomId } from '../../src/common/ids.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

describe('hashSecret', () => {
  it('names scrypt and its parameters in the hash', async () => {
    expect(await hashSecret('s3cret')).toMatch(
      /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/,
    );
  });

  it('never contains the secret', async () => {
    const secret = newClientSecret();
    expect(await hashSecret(secret)).not.toContain(secret);
  });

  it('gives two different hashes for one secret', async () => {
    const [a, b] = await Promise.all([hashSecret('same secret'), hashSecret('same secret')]);
    expect(a).not.toBe(b);
  });
});

describe('verifySecret', () => {
  it('accepts the secret a hash was made from', async () => {
    const secret = newClientSecret();
    expect(await verifySecret(secret, await hashSecret(secret))).toBe(true);
  });

  it.each(['', 'pässwörd ✓', ' padded ', 'x'.repeat(1000)])(
    'round-trips the secret %j',
    async (secret) => {
      expect(await verifySecret(secret, await hashSecret(secret))).toBe(true);
    },
  );

  it('rejects a wrong secret', async () => {
    const stored = await hashSecret('right secret');
    expect(await verifySecret('wrong secret', stored)).toBe(false);
  });

  it('rejects a secret that differs only in case or trailing space', async () => {
    const stored = await hashSecret('Secret');
    expect(await verifySecret('secret', stored)).toBe(false);
    expect(await verifySecret('Secret ', stored)).toBe(false);
  });

  it('accepts either of two hashes of one secret', async () => {
    const [a, b] = await Promise.all([hashSecret('shared'), hashSecret('shared')]);
    expect(await verifySecret('shared', a)).toBe(true);
    expect(await verifySecret('shared', b)).toBe(true);
  });

  it('rejects a hash whose key was tampered with', async () => {
    const stored = await hashSecret('secret');
    const parts = stored.split('$');
    const key = Buffer.from(parts[5] ?? '', 'base64url');
    key[0] = (key[0] ?? 0) ^ 0xff;
    parts[5] = key.toString('base64url');
    expect(await verifySecret('secret', parts.join('$'))).toBe(false);
  });

  it('rejects a hash whose salt was swapped for another', async () => {
    const [a, b] = await Promise.all([hashSecret('secret'), hashSecret('secret')]);
    const partsA = a.split('$');
    const partsB = b.split('$');
    partsA[4] = partsB[4] ?? '';
    expect(await verifySecret('secret', partsA.join('$'))).toBe(false);
  });

  it.each([
    '',
    'garbage',
    'plain-text-secret',
    'scrypt',
    'scrypt$16384$8$1$c2FsdA',
    'scrypt$16384$8$1$c2FsdA$a2V5$extra',
    'bcrypt$16384$8$1$c2FsdA$a2V5',
    '$2b$10$abcdefghijklmnopqrstuv',
    'scrypt$16384$8$1$c2FsdA$',
    'scrypt$16384$8$1$c2FsdA$a2V5',
  ])('answers false for the malformed stored hash %j', async (stored) => {
    await expect(verifySecret('secret', stored)).resolves.toBe(false);
  });

  it.each([
    'scrypt$abc$8$1$c2FsdA$a2V5',
    'scrypt$1000$8$1$c2FsdA$a2V5',
    'scrypt$1073741824$8$1$c2FsdA$a2V5',
  ])('answers false for the stored hash %j with unusable parameters', async (stored) => {
    await expect(verifySecret('secret', stored)).resolves.toBe(false);
  });
});

describe('newClientSecret', () => {
  it('makes a URL-safe secret of 32 random bytes', () => {
    const secret = newClientSecret();
    expect(secret).toMatch(BASE64URL);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('makes a different secret each time', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => newClientSecret()));
    expect(secrets.size).toBe(50);
  });
});

describe('newAccessToken', () => {
  it('makes a token whose organization tokenOrgId reads back', () => {
    const orgId = newId();
    expect(tokenOrgId(newAccessToken(orgId))).toBe(orgId);
  });

  it('round-trips any lowercase UUID organization id', () => {
    fc.assert(fc.property(fc.uuid(), (orgId) => tokenOrgId(newAccessToken(orgId)) === orgId));
  });

  it('round-trips random (v4) organization ids', () => {
    const orgId = randomId();
    expect(tokenOrgId(newAccessToken(orgId))).toBe(orgId);
  });

  it('makes a different token each time for one organization', () => {
    const orgId = newId();
    const tokens = new Set(Array.from({ length: 50 }, () => newAccessToken(orgId)));
    expect(tokens.size).toBe(50);
  });

  it('makes a header-safe token of two URL-safe parts', () => {
    const [org, random, ...rest] = newAccessToken(newId()).split('.');
    expect(rest).toHaveLength(0);
    expect(org).toMatch(BASE64URL);
    expect(random).toMatch(BASE64URL);
    expect(Buffer.from(random ?? '', 'base64url')).toHaveLength(32);
  });
});

describe('tokenOrgId', () => {
  const orgPart = (value: string): string => Buffer.from(value).toString('base64url');

  it.each([
    '',
    'garbage',
    '.',
    '.abc',
    'abc.',
    'a.b.c',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
    `${orgPart('not-a-uuid')}.${newClientSecret()}`,
    `${orgPart(newId())}.${newClientSecret()}.${newClientSecret()}`,
    `.${orgPart(newId())}`,
    `${orgPart(`${newId()}x`)}.${newClientSecret()}`,
    newId(),
  ])('answers null for the token %j', (token) => {
    expect(tokenOrgId(token)).toBeNull();
  });

  it('answers null for arbitrary strings that are not of Kith form', () => {
    fc.assert(
      fc.property(fc.string(), (token) => {
        const orgId = tokenOrgId(token);
        return orgId === null || /^[0-9a-f-]{36}$/.test(orgId);
      }),
    );
  });
});

describe('hashToken', () => {
  it('is deterministic', () => {
    const token = newAccessToken(newId());
    expect(hashToken(token)).toBe(hashToken(token));
  });

  it('differs for different tokens', () => {
    const orgId = newId();
    const hashes = new Set(Array.from({ length: 50 }, () => hashToken(newAccessToken(orgId))));
    expect(hashes.size).toBe(50);
  });

  it('differs for tokens that differ in one character', () => {
    expect(hashToken('abcdef')).not.toBe(hashToken('abcdeg'));
  });

  it('answers the URL-safe SHA-256 of the token, never the token itself', () => {
    const token = newAccessToken(newId());
    const hash = hashToken(token);
    expect(hash).toMatch(BASE64URL);
    expect(Buffer.from(hash, 'base64url')).toHaveLength(32);
    expect(hash).not.toContain(token);
  });

  it('matches the known SHA-256 of the empty string', () => {
    expect(hashToken('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});
