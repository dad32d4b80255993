// `emo serve api`: builds the Nest + Fastify application around a FleetClient (Redis only; the
// API never loads the model), with the tenants of API_KEYS / API_KEYS_FILE (reloaded as the file
// changes), OpenAPI at /docs (API_DOCS), request metrics on every route and /metrics on PORT or on
// API_METRICS_PORT.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiResultCache } from '@emo/cache';
import type { AppConfig } from '@emo/config';
import { listenError } from '@emo/contracts';
import { createLogger, ProfilingRuntime, RedisProfileStore, type Logger } from '@emo/profiler';
import { FleetClient } from '@emo/queue';
import { ApiModule } from './api.module';
import { registerQueueDashboard } from './admin/queue-dashboard';
import { registerApiKeyInQueryRefusal } from './http/api-key-in-query';
import { setupApiDocs } from './http/api-docs';
import { fastifyErrorOptions, registerJsonBodyParser } from './http/fastify-errors';
import { registerAccessLog } from './logging/access-log';
import { nestLogger, registerRequestIdEcho, requestIdOf } from './logging/http-logging';
import { ApiMetrics } from './metrics/api-metrics';
import { MetricsServer } from './metrics/metrics-server';
import { openTenantDirectory, type ClosableTenantDirectory } from './tenancy/open-tenant-directory';
import { TenantAuthenticator } from './tenancy/tenant-authenticator';

export interface ApiDeps {
  readonly logger?: Logger;
}

export interface ApiApp {
  readonly app: NestFastifyApplication;
  readonly fleet: FleetClient;
  /** The /metrics server of API_METRICS_PORT; absent when /metrics is served on PORT. */
  readonly metricsServer?: MetricsServer;
  close(): Promise<void>;
}

export async function createApiApp(config: AppConfig, deps: ApiDeps = {}): Promise<ApiApp> {
  const logger = deps.logger ?? createLogger({ level: config.runtime.logLevel, name: 'emo-api' });
  // An invalid keys file stops the start here (CONFIG_INVALID), before anything connects.
  const tenants: ClosableTenantDirectory = await openTenantDirectory(config, logger);
  // Fail fast while the queue Redis is unreachable: requests answer 503 QUEUE_UNAVAILABLE at once.
  const fleet = new FleetClient(config, { logger, failFast: true });
  let resultCache: ApiResultCache | undefined;
  let metricsServer: MetricsServer | undefined;
  /** Set when close() begins: answers from then on close their connections (the onSend hook). */
  let closing = false;
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
    const adapter = new FastifyAdapter({
      bodyLimit: config.api.apiBodyLimitBytes,
      // Fastify 5's default ('idle') closes every connection on close, requests in flight too: they
      // are left to finish instead, up to API_SHUTDOWN_GRACE_MS (close, below).
      forceCloseConnections: false,
      logger: false,
      // request.id: the caller's valid X-Request-Id or a new UUID (the access log uses the same).
      genReqId: requestIdOf,
      requestIdHeader: false,
      ...fastifyErrorOptions(logger),
    });
    const app = await NestFactory.create<NestFastifyApplication>(
      ApiModule.register({
        config,
        fleet,
        classifier,
        metrics,
        logger,
        profiling,
        tenants,
        cacheStats: apiCache && (() => apiCache.stats()),
      }),
      adapter,
      {
        logger: ['error', 'warn'],
        abortOnError: false,
        // JSON bodies are parsed by registerJsonBodyParser (invalid UTF-8 found on the bytes).
        bodyParser: false,
      },
    );
    app.useLogger(nestLogger(logger));
    const fastify = app.getHttpAdapter().getInstance();
    registerJsonBodyParser(fastify, config.api.apiBodyLimitBytes);
    registerRequestIdEcho(fastify);
    registerAccessLog(fastify, logger);
    registerApiKeyInQueryRefusal(fastify);
    // A request in flight when the API closes answers with `Connection: close`, so its keep-alive
    // connection does not hold the close open until it times out.
    fastify.addHook('onSend', (_req, reply, payload, done) => {
      if (closing) void reply.header('connection', 'close');
      done(null, payload);
    });
    fastify.addHook('onResponse', (req, reply, done) => {
      metrics.observe(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    setupApiDocs(app, config.api.apiDocs, new TenantAuthenticator(tenants));
    registerQueueDashboard(fastify, { config, fleet, tenants, authenticator: new TenantAuthenticator(tenants) });
    await app.init();
    await fastify.ready();
    if (config.api.apiMetricsPort !== undefined)
      metricsServer = await MetricsServer.listen(metrics.registry, config.api.apiMetricsPort, config.api.host);
    return {
      app,
      fleet,
      metricsServer,
      async close() {
        tenants.close();
        await metricsServer?.close();
        // No new requests from here; those in flight finish (their answers close their connections),
        // and what is still open after the grace is cut.
        closing = true;
        const server = app.getHttpServer();
        const cut = setTimeout(() => server.closeAllConnections(), config.api.apiShutdownGraceMs);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
        await profiling.close();
        await resultCache?.close();
        await fleet.close();
      },
    };
  } catch (e) {
    tenants.close();
    await metricsServer?.close();
    await resultCache?.close();
    await fleet.close();
    throw e;
  }
}

/** Starts the API on HOST:PORT; resolves with the bound port (PORT=0 picks a free one). */
export async function startApi(config: AppConfig, deps: ApiDeps = {}): Promise<ApiApp & { port: number }> {
  const logger = deps.logger ?? createLogger({ level: config.runtime.logLevel, name: 'emo-api' });
  const api = await createApiApp(config, { ...deps, logger });
  try {
    await api.app.listen(config.api.port, config.api.host);
  } catch (e) {
    // What createApiApp opened (Redis connections, timers) is closed, so the process ends with the error.
    await api.close();
    throw listenError(e, 'PORT', config.api.host, config.api.port);
  }
  const address = api.app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  const auth = config.api.apiKeys.length > 0 || config.api.apiKeysFile !== undefined;
  logger.info({ port, metricsPort: api.metricsServer?.port, prefix: config.runtime.queuePrefix, auth }, 'api listening');
  return { ...api, port };
}
