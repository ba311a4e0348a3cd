import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../../src/config/config.js';

const ADMIN_SECRET = 'a-secret-of-at-least-16-chars';

/** The ConfigError that loading `env` throws; fails the test when it loads. */
function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw a ConfigError`);
}

describe('loadConfig', () => {
  describe('defaults of SPEC §13', () => {
    const config = loadConfig({});

    it('listens on port 8080', () => {
      expect(config.port).toBe(8080);
    });

    it('binds to 127.0.0.1', () => {
      expect(config.host).toBe('127.0.0.1');
    });

    it('keeps data in ./data, resolved to an absolute path', () => {
      expect(config.dataDir).toBe(path.resolve('./data'));
      expect(path.isAbsolute(config.dataDir)).toBe(true);
    });

    it('uses SQLite (no DATABASE_URL) and no Redis', () => {
      expect(config.databaseUrl).toBeUndefined();
      expect(config.redisUrl).toBeUndefined();
    });

    it('creates no admin client', () => {
      expect(config.adminClientId).toBeUndefined();
      expect(config.adminClientSecret).toBeUndefined();
    });

    it('issues tokens that live 24 hours', () => {
      expect(config.tokenTtlSeconds).toBe(86400);
    });

    it('limits each principal to 300 requests a minute', () => {
      expect(config.rateLimitPerMinute).toBe(300);
    });

    it('sweeps every hour', () => {
      expect(config.sweepIntervalSeconds).toBe(3600);
    });

    it('keeps export files a week', () => {
      expect(config.exportRetentionDays).toBe(7);
    });

    it('prepares the rows of imports of 8 MiB or more on a thread', () => {
      expect(config.importThreadMinBytes).toBe(8 * 1024 * 1024);
    });

    it('logs at info', () => {
      expect(config.logLevel).toBe('info');
    });

    it('accepts request bodies of a few megabytes', () => {
      expect(config.bodyLimitBytes).toBeGreaterThanOrEqual(1024 * 1024);
    });
  });

  it('treats empty and blank variables as unset', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '  ',
      KITH_DATA_DIR: '',
      DATABASE_URL: '',
      REDIS_URL: ' ',
      KITH_ADMIN_CLIENT_ID: '',
      KITH_ADMIN_CLIENT_SECRET: '',
      KITH_RATE_LIMIT_PER_MINUTE: '',
    });
    expect(config).toEqual(loadConfig({}));
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '0.0.0.0',
      KITH_DATA_DIR: '/var/lib/kith',
      DATABASE_URL: 'postgres://kith:pw@db:5432/kith',
      KITH_ADMIN_CLIENT_ID: 'admin',
      KITH_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      KITH_TOKEN_TTL_SECONDS: '3600',
      KITH_RATE_LIMIT_PER_MINUTE: '1200',
      REDIS_URL: 'redis://cache:6379',
      KITH_SWEEP_INTERVAL_SECONDS: '60',
      KITH_EXPORT_RETENTION_DAYS: '30',
      KITH_IMPORT_THREAD_MIN_BYTES: '0',
      KITH_LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 9090,
      host: '0.0.0.0',
      dataDir: path.resolve('/var/lib/kith'),
      databaseUrl: 'postgres://kith:pw@db:5432/kith',
      adminClientId: 'admin',
      adminClientSecret: ADMIN_SECRET,
      tokenTtlSeconds: 3600,
      rateLimitPerMinute: 1200,
      redisUrl: 'redis://cache:6379',
      sweepIntervalSeconds: 60,
      exportRetentionDays: 30,
      importThreadMinBytes: 0,
      logLevel: 'debug',
    });
  });

  it('resolves a relative KITH_DATA_DIR against the working directory', () => {
    expect(loadConfig({ KITH_DATA_DIR: 'var/kith' }).dataDir).toBe(path.resolve('var/kith'));
  });

  it('trims whitespace around numbers', () => {
    expect(loadConfig({ PORT: ' 9000 ' }).port).toBe(9000);
  });

  it('accepts KITH_RATE_LIMIT_PER_MINUTE=0, which turns rate limiting off', () => {
    expect(loadConfig({ KITH_RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
  });

  it.each(['postgres://u:p@localhost/kith', 'postgresql://localhost:5432/kith'])(
    'accepts the PostgreSQL URL %s',
    (url) => {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    },
  );

  it.each(['redis://localhost:6379', 'rediss://user:pw@cache.example:6380/0'])(
    'accepts the Redis URL %s',
    (url) => {
      expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    },
  );

  it('accepts both admin client variables set together', () => {
    const config = loadConfig({
      KITH_ADMIN_CLIENT_ID: 'root',
      KITH_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    });
    expect(config.adminClientId).toBe('root');
    expect(config.adminClientSecret).toBe(ADMIN_SECRET);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(8080);
  });

  it('reads nothing from process.env when given an env', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(loadConfig({}).port).toBe(8080);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  describe('bad values', () => {
    it.each([
      ['PORT', { PORT: 'abc' }],
      ['PORT', { PORT: '70000' }],
      ['PORT', { PORT: '-1' }],
      ['PORT', { PORT: '80.5' }],
      ['PORT', { PORT: '8080abc' }],
      ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
      ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
      ['DATABASE_URL', { DATABASE_URL: 'sqlite:///tmp/kith.db' }],
      ['REDIS_URL', { REDIS_URL: 'http://x' }],
      ['REDIS_URL', { REDIS_URL: 'localhost:6379x' }],
      ['KITH_RATE_LIMIT_PER_MINUTE', { KITH_RATE_LIMIT_PER_MINUTE: '-1' }],
      ['KITH_RATE_LIMIT_PER_MINUTE', { KITH_RATE_LIMIT_PER_MINUTE: 'lots' }],
      ['KITH_TOKEN_TTL_SECONDS', { KITH_TOKEN_TTL_SECONDS: '1h' }],
      ['KITH_TOKEN_TTL_SECONDS', { KITH_TOKEN_TTL_SECONDS: '0' }],
      ['KITH_SWEEP_INTERVAL_SECONDS', { KITH_SWEEP_INTERVAL_SECONDS: 'hourly' }],
      ['KITH_SWEEP_INTERVAL_SECONDS', { KITH_SWEEP_INTERVAL_SECONDS: '0' }],
      ['KITH_LOG_LEVEL', { KITH_LOG_LEVEL: 'verbose' }],
      ['KITH_BODY_LIMIT_BYTES', { KITH_BODY_LIMIT_BYTES: '5MB' }],
      ['KITH_ADMIN_CLIENT_SECRET', { KITH_ADMIN_CLIENT_ID: 'admin' }],
      ['KITH_ADMIN_CLIENT_ID', { KITH_ADMIN_CLIENT_SECRET: ADMIN_SECRET }],
      [
        'KITH_ADMIN_CLIENT_SECRET',
        { KITH_ADMIN_CLIENT_ID: 'admin', KITH_ADMIN_CLIENT_SECRET: 'short' },
      ],
    ] as const)('names %s in the ConfigError for %j', (variable, env) => {
      const error = configErrorFor(env);
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(variable);
      expect(error.name).toBe('ConfigError');
    });

    it('shows the rejected value for a malformed number', () => {
      expect(configErrorFor({ PORT: 'abc' }).message).toContain('abc');
      expect(configErrorFor({ PORT: '70000' }).message).toContain('70000');
    });

    it('keeps passwords in a rejected URL out of the message', () => {
      const message = configErrorFor({ DATABASE_URL: 'mysql://kith:hunter2@db/kith' }).message;
      expect(message).not.toContain('hunter2');
      expect(configErrorFor({ REDIS_URL: 'http://:hunter2@cache' }).message).not.toContain(
        'hunter2',
      );
    });

    it('keeps a too-short admin secret out of the message', () => {
      const message = configErrorFor({
        KITH_ADMIN_CLIENT_ID: 'admin',
        KITH_ADMIN_CLIENT_SECRET: 'tiny-s3cret',
      }).message;
      expect(message).not.toContain('tiny-s3cret');
    });
  });
});
