import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32, maxmem: 64 * 1024 * 1024 } as const;

function scryptAsync(
  secret: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, SCRYPT.keyLength, { N, r, p, maxmem: SCRYPT.maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a client secret or a password with scrypt; the result names its own parameters. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `secret` matches a hash made by {@link hashSecret}; constant-time in the key; never throws. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64url');
  try {
    const actual = await scryptAsync(
      secret,
      Buffer.from(salt, 'base64url'),
      Number(n),
      Number(r),
      Number(p),
    );
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  } catch {
    // A corrupt stored hash (impossible parameters) is a failed login, not a server error.
    return false;
  }
}

/** A new client secret: 32 random bytes, URL-safe. */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A new access token. It carries its organization in the clear (so the lookup stays within one
 * tenant's rows) and 32 random bytes; only its SHA-256 is stored.
 */
export function newAccessToken(orgId: string): string {
  return `${Buffer.from(orgId).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
}

/** The organization a token names, or null when the token is not of Kith's form. */
export function tokenOrgId(token: string): string | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const orgId = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8');
  return /^[0-9a-f-]{36}$/.test(orgId) ? orgId : null;
}

/** Tokens are high-entropy, so a plain SHA-256 is a sound way to store them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
