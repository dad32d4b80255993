// One L2 read per text on the /v1/classify path, on the real Redis: the API looks each text up in
// L1 then L2 and enqueues the misses marked cacheChecked; the worker's cache then looks only in its
// L1 before inference (it used to read L2 for the same keys again), and still writes L1 + L2. On the
// one test Redis and on the test Redis Cluster (REDIS_CLUSTER_NODES: the queue and L2 both on it).
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createWorkerResultCache, unlinkMatching, type WorkerResultCache } from '@emo/cache';
import { loadConfig } from '@emo/config';
import type { ClassifyOutcome } from '@emo/contracts';
import { createLogger } from '@emo/profiler';
import type { ChunkConsumer } from '@emo/queue';
import { createApiApp, type ApiApp } from '../api-app';
import { apiRedisTargets } from '../testing/redis-targets';

const KEY = 'test-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

/** What the worker's cache needs of an engine: its identity and classify (recorded). */
function fakeEngine() {
  const calls: unknown[][] = [];
  return {
    calls,
    bundle: { name: 'fake', revision: 'rev1', thresholdsVersion: 'default', labels: ['negative', 'neutral', 'positive'] },
    tokenizer: { maxLength: 128 },
    precision: 'fp32',
    classify: async (texts: readonly unknown[]): Promise<ClassifyOutcome[]> => {
      calls.push([...texts]);
      return texts.map((t) => ({
        labels: [{ label: String(t).length % 2 ? 'positive' : 'negative', score: 0.75 }],
        scores: { negative: 0.25, neutral: 0, positive: 0.75 },
        model: 'fake@rev1',
      }));
    },
  };
}

describe.each(apiRedisTargets())('API and worker result caches on /v1/classify, on $name', ({ available, env }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let api: ApiApp | undefined;
  let worker: WorkerResultCache | undefined;
  let consumer: ChunkConsumer | undefined;
  let prefix = '';

  afterEach(async () => {
    await consumer?.close(5000);
    if (api) {
      await unlinkMatching(api.fleet.redis as Parameters<typeof unlinkMatching>[0], `${prefix}:*`);
      await api.fleet.purge();
      await api.close();
    }
    await worker?.close();
    api = worker = consumer = undefined;
  });

  it('reads L2 once per text: the API looks, the worker does not look again, and the worker still writes L1 + L2', async () => {
    prefix = `test-l2reads-${randomUUID().slice(0, 8)}`;
    // A generous L2 timeout: on a loaded machine a timed-out MGET would be a miss the worker looks up again.
    const config = loadConfig({
      REDIS_URL: inject('redisUrl'),
      ...env,
      QUEUE_PREFIX: prefix,
      API_KEYS: KEY,
      API_ADMIN_KEYS: KEY, // GET /v1/cache/stats needs the admin scope
      LOG_LEVEL: 'silent',
      CACHE_L2_TIMEOUT_MS: '2000',
    });
    const engine = fakeEngine();
    // The worker advertises its model first, so the API keys texts from its first request.
    worker = (await createWorkerResultCache(config, engine, { registry: new Registry() }))!;
    api = await createApiApp(config, { logger: createLogger({ level: 'silent' }) });
    consumer = api.fleet.startConsumer(worker.classifier, { concurrency: { interactive: 2, bulk: 2 }, lockDurationMs: 10_000 });

    const res = await api.app.inject({ method: 'POST', url: '/v1/classify', payload: { texts: ['a', 'bb', 'a', 'ccc'] }, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toHaveLength(4);
    await worker.cache.drain();

    const apiStats = (await api.app.inject({ method: 'GET', url: '/v1/cache/stats', headers: auth })).json();
    expect(apiStats).toMatchObject({ model: 'fake@rev1', l2: { enabled: true, state: 'up', hits: 0, misses: 3 } });
    expect(worker.cache.stats()).toMatchObject({ computed: 3, l1: { entries: 3 }, l2: { enabled: true, hits: 0, misses: 0 } });
    expect(engine.calls.flat().sort()).toEqual(['a', 'bb', 'ccc']);
    // One EXISTS per key: on a cluster the keys are in different slots.
    const stored = await Promise.all(['a', 'bb', 'ccc'].map((t) => api!.fleet.redis.exists(worker!.cache.namespace.key(t))));
    expect(stored).toEqual([1, 1, 1]);
  });
});
