import path from 'node:path';

/**
 * The default KITH_IMPORT_THREAD_MIN_BYTES: what is left of an import's file when its rows are
 * worth a thread of their own, about 50,000 rows of 13 columns.
 */
export const THREAD_MIN_BYTES = 8 * 1024 * 1024;

/** Everything Kith reads from its environment, parsed once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** A `postgres://` URL selects PostgreSQL; undefined means SQLite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly adminClientId: string | undefined;
  readonly adminClientSecret: string | undefined;
  readonly tokenTtlSeconds: number;
  /** Requests per minute per principal; 0 turns rate limiting off. */
  readonly rateLimitPerMinute: number;
  readonly redisUrl: string | undefined;
  readonly sweepIntervalSeconds: number;
  /** Days an export's file is kept for download after it was written. */
  readonly exportRetentionDays: number;
  /** Imports with at least this many bytes left to read prepare their rows on a worker thread. */
  readonly importThreadMinBytes: number;
  readonly logLevel: string;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number;
}

/** Thrown when a variable is missing or malformed; the message names it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `expected a number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function readString(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function readUrl(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(
      name,
      `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${url.protocol}//"`,
    );
  }
  return raw;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Validates the environment and applies the defaults of SPEC §13.
 * @throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: Env = process.env): Config {
  const adminClientId = readString(env, 'KITH_ADMIN_CLIENT_ID');
  const adminClientSecret = readString(env, 'KITH_ADMIN_CLIENT_SECRET');
  if ((adminClientId === undefined) !== (adminClientSecret === undefined)) {
    const missing =
      adminClientId === undefined ? 'KITH_ADMIN_CLIENT_ID' : 'KITH_ADMIN_CLIENT_SECRET';
    throw new ConfigError(missing, 'must be set together with its partner (both or neither)');
  }
  if (adminClientSecret !== undefined && adminClientSecret.length < 16) {
    throw new ConfigError('KITH_ADMIN_CLIENT_SECRET', 'must be at least 16 characters long');
  }
  const logLevel = readString(env, 'KITH_LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('KITH_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const host = readString(env, 'HOST') ?? '127.0.0.1';
  return Object.freeze({
    port: readInteger(env, 'PORT', 8080, 0, 65535),
    host,
    dataDir: path.resolve(readString(env, 'KITH_DATA_DIR') ?? './data'),
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    adminClientId,
    adminClientSecret,
    tokenTtlSeconds: readInteger(env, 'KITH_TOKEN_TTL_SECONDS', 86400, 60, 31_536_000),
    rateLimitPerMinute: readInteger(env, 'KITH_RATE_LIMIT_PER_MINUTE', 300, 0, 10_000_000),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    sweepIntervalSeconds: readInteger(env, 'KITH_SWEEP_INTERVAL_SECONDS', 3600, 1, 31_536_000),
    exportRetentionDays: readInteger(env, 'KITH_EXPORT_RETENTION_DAYS', 7, 1, 3650),
    importThreadMinBytes: readInteger(
      env,
      'KITH_IMPORT_THREAD_MIN_BYTES',
      THREAD_MIN_BYTES,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    logLevel,
    bodyLimitBytes: readInteger(env, 'KITH_BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 1024 ** 3),
  });
}
