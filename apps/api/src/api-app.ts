// `emo serve api`: builds the Nest + Fastify application around a FleetClient (Redis only; the
// API never loads the model), with OpenAPI at /docs and request metrics on every route.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiResultCache } from '@emo/cache';
import type { AppConfig } from '@emo/config';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { createLogger, ProfilingRuntime, RedisProfileStore, type Logger } from '@emo/profiler';
import { FleetClient } from '@emo/queue';
import { ApiModule } from './api.module';
import { fastifyErrorOptions, registerJsonBodyParser } from './http/fastify-errors';
import { ApiMetrics } from './metrics/api-metrics';

export interface ApiDeps {
  readonly logger?: Logger;
}

export interface ApiApp {
  readonly app: NestFastifyApplication;
  readonly fleet: FleetClient;
  close(): Promise<void>;
}

export async function createApiApp(config: AppConfig, deps: ApiDeps = {}): Promise<ApiApp> {
  const logger = deps.logger ?? createLogger({ level: config.runtime.logLevel, name: 'emo-api' });
  // Fail fast while the queue Redis is unreachable: requests answer 503 QUEUE_UNAVAILABLE at once.
  const fleet = new FleetClient(config, { logger, failFast: true });
  let resultCache: ApiResultCache | undefined;
  try {
    await fleet.ready();
    const fleetClassifier = await fleet.fleetClassifier();
    const metrics = new ApiMetrics(
      fleet.queues,
      {
        up: () => fleet.availability.up,
        memory: () => fleet.memory(),
        queuedTexts: async () => ({
          interactive: await fleet.store.queuedTexts('interactive'),
          bulk: await fleet.store.queuedTexts('bulk'),
        }),
      },
      { tenantMetricsMaxTenants: config.tenants.tenantMetricsMaxTenants },
    );
    // Stage timers and this pod's window; GET /v1/profile aggregates every pod and worker (docs/observability.md).
    const profileStore = new RedisProfileStore(fleet.redis, config.runtime.queuePrefix);
    const backlog = async () => Object.values(await fleet.queues.allCounts()).reduce((n, c) => n + c.backlog, 0);
    const profiling = await ProfilingRuntime.start(config.profiler, {
      role: 'api',
      registry: metrics.registry,
      logger,
      store: profileStore,
      traces: profileStore,
      backlog,
    });
    // Texts already in the result cache are answered without enqueuing; misses go on marked
    // cacheChecked, so the worker does not read L2 for them again (docs/cache.md).
    const apiCache = (resultCache = await ApiResultCache.create(config, fleetClassifier, { logger, registry: metrics.registry }));
    const classifier = apiCache ?? fleetClassifier;
    const adapter = new FastifyAdapter({ bodyLimit: config.api.apiBodyLimitBytes, logger: false, ...fastifyErrorOptions() });
    const app = await NestFactory.create<NestFastifyApplication>(
      ApiModule.register({ config, fleet, classifier, metrics, logger, profiling, cacheStats: apiCache && (() => apiCache.stats()) }),
      adapter,
      {
        logger: ['error', 'warn'],
        abortOnError: false,
        // JSON bodies are parsed by registerJsonBodyParser (invalid UTF-8 found on the bytes).
        bodyParser: false,
      },
    );
    app.useLogger(app.get(PinoNestLogger));
    const fastify = app.getHttpAdapter().getInstance();
    registerJsonBodyParser(fastify, config.api.apiBodyLimitBytes);
    fastify.addHook('onResponse', (req, reply, done) => {
      metrics.observe(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('emo-fleet API')
        .setDescription('Emotion classification (GoEmotions) through a queue-backed fleet: sync classify, async jobs, NDJSON results.')
        .setVersion('0.1.0')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
    await app.init();
    await fastify.ready();
    return {
      app,
      fleet,
      async close() {
        await app.close();
        await profiling.close();
        await resultCache?.close();
        await fleet.close();
      },
    };
  } catch (e) {
    await resultCache?.close();
    await fleet.close();
    throw e;
  }
}

/** Starts the API on HOST:PORT; resolves with the bound port (PORT=0 picks a free one). */
export async function startApi(config: AppConfig, deps: ApiDeps = {}): Promise<ApiApp & { port: number }> {
  const logger = deps.logger ?? createLogger({ level: config.runtime.logLevel, name: 'emo-api' });
  const api = await createApiApp(config, { ...deps, logger });
  await api.app.listen(config.api.port, config.api.host);
  const address = api.app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  logger.info({ port, prefix: config.runtime.queuePrefix, auth: config.api.apiKeys.length > 0 }, 'api listening');
  return { ...api, port };
}
