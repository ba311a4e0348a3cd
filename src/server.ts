import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { openConfiguredDatabase } from './db/open.js';
import { migrateToLatest } from './db/migrator.js';
import { ensureDefaultOrganization } from './orgs/org.service.js';
import { bootstrapAdminClient } from './clients/bootstrap.js';
import { startSweeper } from './retention/retention.service.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Stops accepting requests, finishes those in flight, closes the database. */
  stop(): Promise<void>;
}

/**
 * Opens and migrates the database, makes sure the default organization and its admin client
 * exist, and listens. The credentials of a newly created admin client are printed once.
 */
export async function startServer(
  config: Config,
  print: (line: string) => void = console.log,
): Promise<RunningServer> {
  const database = openConfiguredDatabase(config);
  const { db } = database;
  await migrateToLatest(db, database.dialect);
  const org = await ensureDefaultOrganization(db);
  const bootstrap = await bootstrapAdminClient(db, org.id, {
    id: config.adminClientId,
    secret: config.adminClientSecret,
  });
  if (bootstrap.kind === 'created' && bootstrap.printSecret) {
    print('');
    print('Kith created an admin OAuth client. Its secret is shown this once; keep it safe:');
    print(`  KITH_ADMIN_CLIENT_ID=${bootstrap.clientId}`);
    print(`  KITH_ADMIN_CLIENT_SECRET=${bootstrap.clientSecret}`);
    print('');
  }

  const redis =
    config.redisUrl === undefined
      ? undefined
      : new Redis(config.redisUrl, {
          connectTimeout: 2000,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
        });
  redis?.on('error', () => undefined);

  const app = await buildApp({
    config,
    db,
    redis,
    ready: async () => {
      await sql`select 1`.execute(db);
      return true;
    },
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  app.log.info({ url, database: database.dialect }, 'Kith is listening');
  const sweeper = startSweeper(db, config.sweepIntervalSeconds, (error) =>
    app.log.error({ err: error }, 'the expiry sweep failed; it runs again at the next interval'),
  );

  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop: () =>
      (stopping ??= (async () => {
        await app.close();
        await sweeper.stop();
        redis?.disconnect();
        await database.destroy();
      })()),
  };
}
