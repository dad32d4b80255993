// `emo cache warm|stats|flush`: the shared L2 result cache on CACHE_REDIS_CLUSTER_NODES or
// CACHE_REDIS_URL (default: the queue's endpoint, REDIS_CLUSTER_NODES or REDIS_URL), namespaced per
// model revision under QUEUE_PREFIX; on a Redis Cluster, stats and flush visit every master. These commands always use Redis, whatever
// CACHE_CLI_L2 says: warming or flushing a process-local L1 would do nothing.
import type { Command } from 'commander';
import {
  CacheNamespace,
  cacheEndpointOf,
  cacheSharesQueueRedis,
  cacheStoreReport,
  createCacheRedis,
  readPhraseFile,
  unlinkMatching,
  warmCache,
  type CacheModelIdentity,
} from '@emo/cache';
import { describeEndpoint, type AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { choosePrecision } from '@emo/inference';
import { loadModelBundle, resolveModelVariant } from '@emo/model';
import type { CliContext } from '../cli-context';
import { apiBaseUrl } from '../fleet/api-url';
import { authError, authHeaders, fleetApiKey } from '../fleet/fleet-auth';

const WARM_L2_TIMEOUT_MS = 5000;

interface CacheFlags {
  json?: boolean;
  model?: string;
  precision?: string;
  file?: string;
  allRevisions?: boolean;
  url?: string;
  apiKey?: string;
}

export function registerCache(program: Command, ctx: CliContext): void {
  const cache = program.command('cache').description('the shared result cache (L2 Redis): warm, stats, flush');
  const common = (c: Command) =>
    c
      .option('--model <dir>', 'model bundle directory (default: MODEL_DIR or the shipped model)')
      .option('--precision <p>', 'fp32|int8|fp16 variant of the model')
      .option('--json', 'one JSON object on stdout');

  common(cache.command('warm').description('classify phrases (one per line, # comments) into L1 and L2'))
    .requiredOption('--file <path>', 'phrase list')
    .action(async (flags: CacheFlags) => {
      const phrases = await readPhraseFile(flags.file!);
      const config = configFor(ctx, flags);
      const engine = await ctx.engine(flags, { cacheEnabled: false });
      // Storing is the point of warming: CACHE_L2_TIMEOUT_MS (50 ms, sized for the request path) would
      // drop writes that are merely slow on a loaded machine, so warming waits longer for each one.
      const cacheSettings = {
        ...config.cache,
        cacheEnabled: true,
        cacheL2TimeoutMs: Math.max(config.cache.cacheL2TimeoutMs, WARM_L2_TIMEOUT_MS),
      };
      const handle = await ctx.resultCache(engine.engine, { ...config, cache: cacheSettings }, true);
      try {
        const summary = await warmCache(handle!.cache.classifier(engine.engine), phrases, {
          classify: { priority: 'bulk' },
          onProgress: (n) => process.stderr.write(`\rwarmed ${n}/${phrases.length}`),
        });
        process.stderr.write('\n');
        const l2 = handle!.cache.stats().l2;
        if (l2.enabled && l2.state === 'down')
          throw new AppError(
            'CACHE_UNAVAILABLE',
            `the cache Redis did not answer; nothing was stored in L2 (${redact(describeEndpoint(cacheEndpointOf(config)))})`,
          );
        print(
          flags,
          { model: engine.modelId, ...summary },
          (s) =>
            `warmed ${s.texts} phrases for ${s.model}: ${s.computed} computed, ${s.alreadyCached} already cached, ${s.errors} errors, ${s.ms} ms`,
        );
      } finally {
        await handle?.close();
        await engine.close();
      }
    });

  common(
    cache
      .command('stats')
      .description("L2 keys and bytes of the model's namespace, eviction policy, Redis counters; or a running API's stats with --url"),
  )
    .option('--url <url>', 'API base URL: print its GET /v1/cache/stats instead')
    .option('--api-key <key>', 'admin API key for --url (default: EMO_API_KEY, else the first of API_ADMIN_KEYS, then API_KEYS)')
    .action(async (flags: CacheFlags) => {
      if (flags.url) {
        await printApiStats(ctx, flags, flags.url);
        return;
      }
      await withRedis(ctx, flags, async (redis, namespace, config) => {
        const report = await cacheStoreReport(redis, namespace, cacheSharesQueueRedis(config));
        print(flags, report, (r) =>
          [
            `model             ${r.model}`,
            `namespace         ${r.namespace}`,
            `keys              ${r.keys} (~${r.approxBytes} bytes); all revisions: ${r.keysAllRevisions}`,
            `eviction policy   ${r.policy.policy ?? '?'} (${r.policy.verdict})${r.policy.advice ? `\n  ${r.policy.advice}` : ''}`,
            `redis memory      ${r.redis.usedMemoryBytes ?? '?'} bytes used, maxmemory ${r.redis.maxmemoryBytes ?? '?'}${r.policy.masters ? ` (${r.policy.masters} cluster masters, summed)` : ''}`,
            `redis counters    evicted_keys ${r.redis.evictedKeys ?? '?'}, keyspace_hits ${r.redis.keyspaceHits ?? '?'}, keyspace_misses ${r.redis.keyspaceMisses ?? '?'}`,
          ].join('\n'),
        );
      });
    });

  common(cache.command('flush').description("drop one model revision's cached results (SCAN + UNLINK; never FLUSHALL)"))
    .option('--all-revisions', 'drop every revision of the model name')
    .action(async (flags: CacheFlags) => {
      await withRedis(ctx, flags, async (redis, namespace) => {
        const pattern = namespace.pattern(flags.allRevisions);
        const removed = await unlinkMatching(redis, pattern);
        print(flags, { model: namespace.modelId, pattern, removed }, (r) => `removed ${r.removed} cached results matching ${r.pattern}`);
      });
    });
}

/** GET /v1/cache/stats of a running API (admin scope), with the key of fleetApiKey in the Authorization header. */
async function printApiStats(ctx: CliContext, flags: CacheFlags, base: string): Promise<void> {
  const url = new URL('/v1/cache/stats', apiBaseUrl(base, '--url'));
  const key = fleetApiKey(flags.apiKey, ctx.config());
  const res = await fetch(url, { headers: authHeaders(key) }).catch((e: Error) => {
    throw new AppError('CACHE_UNAVAILABLE', `could not reach the API at ${url.origin} (${e.message})`);
  });
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
  if (!res.ok)
    throw (
      authError(res.status, 'GET /v1/cache/stats', key !== undefined, body?.error?.code) ??
      new AppError('CACHE_UNAVAILABLE', `GET /v1/cache/stats answered ${res.status}`)
    );
  if (body === undefined) throw new AppError('CACHE_UNAVAILABLE', `GET /v1/cache/stats answered ${res.status} without a JSON body`);
  process.stdout.write(`${JSON.stringify(body, null, flags.json ? undefined : 2)}\n`);
}

function configFor(ctx: CliContext, flags: CacheFlags): AppConfig {
  return ctx.config({ ...(flags.model ? { modelDir: flags.model } : {}), ...(flags.precision ? { precision: flags.precision } : {}) });
}

/** The model's cache identity from its bundle, without starting inference threads. */
async function identityOf(config: AppConfig): Promise<CacheModelIdentity> {
  // The variant the engine serves (PRECISION, or what `auto` picks here): its revision and precision key the cache.
  const { precision } = choosePrecision(config.engine.precision, config.engine.modelDir, config.engine.executionProviders);
  const bundle = await loadModelBundle(resolveModelVariant(config.engine.modelDir, precision).dir, { precision });
  const maxLength = Math.min(config.engine.maxSequenceLength, bundle.maxPositionEmbeddings ?? Number.MAX_SAFE_INTEGER);
  return {
    name: bundle.name,
    revision: bundle.revision,
    thresholdsVersion: bundle.thresholdsVersion,
    labels: bundle.labels,
    precision,
    maxLength,
  };
}

async function withRedis(
  ctx: CliContext,
  flags: CacheFlags,
  fn: (redis: ReturnType<typeof createCacheRedis>, namespace: CacheNamespace, config: AppConfig) => Promise<void>,
): Promise<void> {
  const config = configFor(ctx, flags);
  const namespace = new CacheNamespace(config.runtime.queuePrefix, await identityOf(config), config.cache.cacheTextNormalization);
  const endpoint = cacheEndpointOf(config);
  const redis = createCacheRedis(endpoint, 5000);
  try {
    await redis.connect().catch((e: Error) => {
      throw new AppError('CACHE_UNAVAILABLE', `cannot reach the cache Redis at ${redact(describeEndpoint(endpoint))} (${e.message})`);
    });
    await fn(redis, namespace, config);
  } finally {
    redis.disconnect();
  }
}

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

function print<T>(flags: CacheFlags, value: T, human: (v: T) => string): void {
  process.stdout.write(`${flags.json ? JSON.stringify(value) : human(value)}\n`);
}
