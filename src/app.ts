import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import type { DB } from './db/schema.js';
import type { Config } from './config/config.js';
import './http/fastify-types.js';
import { ErrorBody } from './http/schemas.js';
import { installErrorHandling } from './http/error-handler.js';
import { installInputScreening } from './http/input-screening.js';
import { installAuthentication } from './http/authenticate.js';
import { installRateLimit } from './http/rate-limit.js';
import { createMetrics, installRequestObservation, type Metrics } from './http/metrics.js';
import { authRoutes } from './auth/auth.routes.js';
import { divisionRoutes } from './divisions/division.routes.js';
import { roleRoutes } from './roles/role.routes.js';
import { clientRoutes } from './clients/client.routes.js';
import { userRoutes } from './users/user.routes.js';
import { contactRoutes } from './contacts/contact.routes.js';
import { mergeRoutes } from './merge/merge.routes.js';
import { duplicatesRoutes } from './duplicates/duplicates.routes.js';
import { contactBulkRoutes } from './contacts/contact-bulk.routes.js';
import { externalSourceRoutes } from './external-sources/external-source.routes.js';
import { schemaRoutes } from './schemas/schema.routes.js';
import { settingsRoutes } from './settings/settings.routes.js';
import { organizationRoutes } from './organizations/organization.routes.js';
import { organizationBulkRoutes } from './organizations/organization-bulk.routes.js';
import { relationshipRoutes } from './relationships/relationship.routes.js';
import { relationshipBulkRoutes } from './relationships/relationship-bulk.routes.js';
import { noteRoutes } from './notes/note.routes.js';
import { noteBulkRoutes } from './notes/note-bulk.routes.js';
import { opsRoutes } from './http/ops.routes.js';
import { countUndeliveredEvents } from './events/change.repository.js';
import { resolutionRoutes } from './resolution/resolution.routes.js';
import { Resolver } from './resolution/resolution.service.js';
import { interactionRoutes } from './interactions/interaction.routes.js';
import { retentionRoutes } from './retention/retention.routes.js';
import { importJobRoutes } from './imports/import-job.routes.js';
import { startImportWorker } from './imports/import-worker.js';
import { importSettingsRoutes } from './imports/import-settings.routes.js';
import { exportRoutes } from './exports/export.routes.js';
import { startExportWorker } from './exports/export-worker.js';

export interface AppDeps {
  readonly config: Config;
  readonly db: Kysely<DB>;
  /** Shared rate-limit counters; without it each process counts alone. */
  readonly redis?: Redis | undefined;
  readonly metrics?: Metrics | undefined;
  /** Whether the database is reachable and migrated; `/healthz` asks it. */
  readonly ready?: () => Promise<boolean>;
  /** Logger options; tests pass `false`. */
  readonly logger?: boolean | object;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Builds the Kith HTTP application without listening: the server entry point listens, tests
 * call `inject()` or listen on a free port.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db } = deps;
  const metrics =
    deps.metrics ?? createMetrics({ outboxBacklog: () => countUndeliveredEvents(db) });
  const app = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.secret',
        '*.client_secret',
      ],
    },
    // One line per request, written by the observation hook, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    void reply.header('inin-correlation-id', request.id);
  });

  installErrorHandling(app);
  // JSON only: a text/plain body is a 415, not a string the schema then rejects.
  app.removeContentTypeParser('text/plain');
  // The Genesys SDK sends DELETEs with Content-Type: application/json and no body: an empty
  // body is no body, not a JSON syntax error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, body as string, done);
  });
  installInputScreening(app);
  installRequestObservation(app, metrics);
  app.addSchema(ErrorBody);
  // Documentation routes are public; the hook must exist before the docs plugins add them.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config ?? {}), public: true };
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Kith External Contacts API',
        description:
          'Wire-compatible with the Genesys Cloud Platform API v2 External Contacts resources.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });

  installAuthentication(app, db);
  await installRateLimit(app, { defaultPerMinute: config.rateLimitPerMinute, redis: deps.redis });

  await app.register(opsRoutes({ metrics, ready: deps.ready ?? (async () => true) }));
  await app.register(authRoutes({ db, tokenTtlSeconds: config.tokenTtlSeconds }));
  await app.register(divisionRoutes({ db }));
  await app.register(roleRoutes({ db }));
  await app.register(clientRoutes({ db }));
  await app.register(userRoutes({ db }));
  await app.register(contactRoutes({ db }));
  await app.register(contactBulkRoutes({ db }));
  await app.register(mergeRoutes({ db }));
  await app.register(duplicatesRoutes({ db }));
  await app.register(externalSourceRoutes({ db }));
  await app.register(schemaRoutes({ db }));
  await app.register(settingsRoutes({ db }));
  await app.register(organizationRoutes({ db }));
  await app.register(organizationBulkRoutes({ db }));
  await app.register(relationshipRoutes({ db }));
  await app.register(relationshipBulkRoutes({ db }));
  await app.register(noteRoutes({ db }));
  await app.register(noteBulkRoutes({ db }));
  await app.register(resolutionRoutes({ db, resolver: new Resolver(db), metrics }));
  await app.register(interactionRoutes({ db }));
  await app.register(retentionRoutes({ db }));
  await app.register(importSettingsRoutes({ db }));
  const importWorker = startImportWorker(db, {
    dataDir: config.dataDir,
    threadMinBytes: config.importThreadMinBytes,
    onError: (error) => app.log.error({ err: error }, 'an import job failed; it is retried'),
  });
  app.addHook('onClose', async () => importWorker.stop());
  await app.register(
    importJobRoutes({ db, dataDir: config.dataDir, onWork: () => importWorker.kick() }),
  );
  const exportWorker = startExportWorker(db, {
    dataDir: config.dataDir,
    retentionDays: config.exportRetentionDays,
    onError: (error) => app.log.error({ err: error }, 'an export failed'),
  });
  app.addHook('onClose', async () => exportWorker.stop());
  await app.register(
    exportRoutes({ db, dataDir: config.dataDir, onWork: () => exportWorker.kick() }),
  );
  return app;
}
