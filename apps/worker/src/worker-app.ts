// `emo serve worker`: BullMQ consumers on the interactive and bulk queues feeding the inference
// engine through the result cache (CachedClassifier), with /metrics and /healthz. On SIGTERM
// it stops taking chunks, finishes those in flight, and exits 0. A worker whose preferred execution
// provider did not load (GPU image on a node without a usable GPU) takes no chunks and answers
// /healthz 503 PROVIDER_FALLBACK_REFUSED, unless ALLOW_CPU_FALLBACK=true (provider-readiness.ts).
import { createWorkerResultCache } from '@emo/cache';
import type { AppConfig } from '@emo/config';
import { InferenceEngine, StubEngine } from '@emo/inference';
import { createLogger, ProfilingRuntime, RedisProfileStore, type Logger } from '@emo/profiler';
import { FleetClient, RedisBatchParamsStore } from '@emo/queue';
import { MetricsServer } from './metrics-server';
import { providerFallbackRefusal } from './provider-readiness';
import { workerCapacity } from './worker-capacity';
import { WorkerMetrics } from './worker-metrics';
import { workerInferenceThreads } from './worker-threads';

export interface WorkerDeps {
  readonly logger?: Logger;
}

export interface RunningWorker {
  readonly metricsPort: number;
  readonly modelId: string;
  /** The execution provider the engine runs on. */
  readonly provider: string;
  /** False when the worker refused to take work (e.g. PROVIDER_FALLBACK_REFUSED); /healthz says why. */
  readonly ready: boolean;
  /** Stops taking chunks, finishes those in flight (up to the shutdown timeout), releases everything. */
  close(): Promise<{ drained: boolean }>;
}

export async function startWorker(config: AppConfig, deps: WorkerDeps = {}): Promise<RunningWorker> {
  const logger = deps.logger ?? createLogger({ level: config.runtime.logLevel, name: 'emo-worker' });
  const active = { chunks: () => 0 };
  const metrics = new WorkerMetrics(() => active.chunks());
  // Stage timers, GPU/CPU metrics and the window published for GET /v1/profile (docs/observability.md).
  // Judged against what this worker runs (its inference threads, budget, chunk slots), not INFERENCE_THREADS.
  const profiling = await ProfilingRuntime.start(config.profiler, {
    role: 'worker',
    capacity: workerCapacity(config),
    registry: metrics.registry,
    logger,
    activeChunks: () => active.chunks(),
  });
  // Queue Redis outages are logged once per change by the client (down/up), not per failed command.
  const fleet = new FleetClient(config, { logger });
  // Learned batching parameters are shared per model + device, so a new worker starts warm.
  const batchParamsStore = new RedisBatchParamsStore(fleet.redis, config.runtime.queuePrefix);
  // A model that cannot be served (missing, corrupt, benchmark_only) fails the start; what was
  // opened so far is closed, so the process exits with the error instead of idling on Redis.
  // INFERENCE_BACKEND=stub: a fixed-cost stand-in for benchmarks of the control plane (stub-engine.ts).
  const engine = await (
    config.engine.inferenceBackend === 'stub'
      ? StubEngine.create(config, (m) => logger.warn(m))
      : InferenceEngine.create(
          { ...config, engine: { ...config.engine, inferenceThreads: workerInferenceThreads(config) } },
          { onWarning: (m) => logger.warn(m), batchParamsStore, ...profiling.engineOptions() },
        )
  ).catch(async (e: unknown) => {
    await profiling.close();
    await fleet.close();
    throw e;
  });
  profiling.profiler.setModel(engine.modelId);
  // The stub runs on no provider: there is nothing to fall back from.
  const refusal =
    engine instanceof StubEngine
      ? undefined
      : providerFallbackRefusal({
          requested: config.engine.executionProviders,
          provider: engine.provider,
          failures: engine.providerFailures,
          allowCpuFallback: config.engine.allowCpuFallback,
        });
  const server = new MetricsServer(metrics.registry);
  server.notReady = refusal;
  server.serving = {
    provider: engine.provider,
    requestedProviders: config.engine.executionProviders,
    providerFailures: engine.providerFailures,
  };
  // What is open so far is closed when the rest of the start fails (a /metrics port in use), so the
  // process ends with the error instead of idling on its inference threads and Redis connections.
  const abort = async (e: unknown, opened?: { close(): Promise<void> }): Promise<never> => {
    await opened?.close();
    await profiling.close();
    await engine.close();
    await batchParamsStore.flush();
    await fleet.close();
    throw e;
  };
  // L1 → L2 before texts reach the batcher, L1 + L2 written after inference (docs/cache.md).
  const resultCache = await createWorkerResultCache(config, engine, { logger, registry: metrics.registry }).catch((e) => abort(e));
  const metricsPort = await server.listen(config.worker.metricsPort, config.api.host).catch((e) => abort(e, resultCache));
  const classifier = resultCache?.classifier ?? engine;
  if (resultCache) resultCache.cache.stageTimer = profiling.profiler;
  const profileStore = new RedisProfileStore(fleet.redis, config.runtime.queuePrefix);
  profiling.connect({ store: profileStore, traces: profileStore, cacheStats: resultCache && (() => resultCache.cache.stats()) });
  if (refusal) {
    // Not ready and no consumer: the chunks stay in the queue for workers on the right device.
    logger.error({ code: refusal.code, model: engine.modelId, provider: engine.provider, metricsPort }, refusal.message);
  }
  const consumer = refusal
    ? undefined
    : fleet.startConsumer(classifier, {
        concurrency: { interactive: config.worker.workerInteractiveConcurrency, bulk: config.worker.workerConcurrency },
        lockDurationMs: config.worker.workerLockDurationMs,
        chunkTimeoutMs: config.worker.workerChunkTimeoutMs,
        onLaneReaped: (r) =>
          logger.warn(
            { requeued: r.requeued, dead: r.dead },
            'gave back interactive-lane chunks held by workers whose lease lapsed (a worker died or lost Redis)',
          ),
        onChunkFailed: (c) =>
          logger.warn(
            { job: c.jobId, chunk: c.chunk, items: c.items, reason: c.reason },
            'chunk failed on every attempt: its items got CHUNK_FAILED lines',
          ),
        onChunk: (event) => {
          metrics.record(event);
          profiling.observeChunk(event);
        },
        stageTimer: profiling.profiler,
        onError: (e) => {
          if (!fleet.availability.noteError(e)) logger.error({ err: e }, 'queue worker error');
        },
      });
  active.chunks = () => consumer?.activeChunks ?? 0;
  if (consumer) {
    void resultCache?.warm();
    logger.info(
      {
        model: engine.modelId,
        precision: engine.precision,
        precisionChoice: engine.precisionChoice.reason,
        provider: engine.provider,
        fallbackFrom: engine.providerFailures.length > 0 ? engine.providerFailures : undefined,
        prefix: config.runtime.queuePrefix,
        metricsPort,
        concurrency: config.worker.workerConcurrency,
        inferenceThreads: workerInferenceThreads(config),
        inlineIntraOpThreads: 'inlineIntraOpThreads' in engine ? engine.inlineIntraOpThreads : undefined,
      },
      'worker ready',
    );
  }
  let closing: Promise<{ drained: boolean }> | undefined;
  return {
    metricsPort,
    modelId: engine.modelId,
    provider: engine.provider,
    ready: refusal === undefined,
    close() {
      closing ??= (async () => {
        server.draining = true;
        const drained = consumer ? await consumer.close(config.worker.workerShutdownTimeoutMs) : true;
        logger.info({ drained }, 'worker stopped taking chunks');
        await profiling.close();
        // The engine first: closing it saves the learned batching parameters through the fleet's Redis;
        // that save must land before the fleet's connection closes ("Connection is closed" otherwise).
        await engine.close();
        await batchParamsStore.flush();
        await fleet.close();
        await resultCache?.close();
        await server.close();
        return { drained };
      })();
      return closing;
    },
  };
}
