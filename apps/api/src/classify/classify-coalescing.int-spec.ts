// issue 14 (1): /v1/classify calls that share texts through the API's result cache, with no
// worker, on the real Redis. A call that joins a text another call has in flight must not leave
// the other call's failure (its deadline) unhandled: that killed the API process.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { advertiseModel, createCacheRedis } from '@emo/cache';
import { loadConfig } from '@emo/config';
import { createLogger } from '@emo/profiler';
import { createApiApp, type ApiApp } from '../api-app';
import { apiRedisTargets } from '../testing/redis-targets';

const KEY = 'test-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };
const model = {
  name: 'fake',
  revision: 'rev1',
  thresholdsVersion: 'default',
  labels: ['negative', 'neutral', 'positive'],
  precision: 'fp32',
  maxLength: 128,
};

describe.each(apiRedisTargets())(
  'POST /v1/classify with shared texts and no worker, on $name',
  ({ available, env: targetEnv, endpoint }) => {
    if (!available) {
      it.skip('needs its Redis');
      return;
    }
    let api: ApiApp | undefined;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);

    async function start(env: Record<string, string>): Promise<ApiApp> {
      const prefix = `test-coalesce-${randomUUID().slice(0, 8)}`;
      const config = loadConfig({
        REDIS_URL: inject('redisUrl'),
        ...targetEnv,
        QUEUE_PREFIX: prefix,
        API_KEYS: KEY,
        API_ADMIN_KEYS: KEY,
        LOG_LEVEL: 'silent',
        // Joining texts in flight is the lookup path's; by default a text takes it from its second
        // sighting (two-level-cache-sightings.spec.ts), here from its first.
        CACHE_API_LOOKUP: 'always',
        ...env,
      });
      // A worker advertised its model once (and is gone now): the API keys texts and coalesces them.
      const redis = createCacheRedis(endpoint, 500);
      await redis.connect();
      await advertiseModel(redis, prefix, model);
      await redis.quit();
      api = await createApiApp(config, { logger: createLogger({ level: 'silent' }) });
      return api;
    }

    const classify = (texts: string[]) => api!.app.inject({ method: 'POST', url: '/v1/classify', payload: { texts }, headers: auth });

    beforeEach(() => {
      unhandled.length = 0;
      process.on('unhandledRejection', onUnhandled);
    });

    afterEach(async () => {
      process.off('unhandledRejection', onUnhandled);
      if (api) {
        await api.fleet.purge();
        await api.close();
        api = undefined;
      }
    });

    it("answers both calls 504 when the second joins the first one's text, and stays up", async () => {
      await start({ CLASSIFY_DEADLINE_MS: '2000' });
      const first = classify(['X']);
      // The first call's chunk is queued: its "X" is in flight in the API cache.
      await expect.poll(async () => (await api!.fleet.queues.counts('interactive')).backlog, { timeout: 1500, interval: 10 }).toBe(1);
      const second = classify(['X', 'Y']);
      const [a, b] = await Promise.all([first, second]);
      expect([a.statusCode, a.json().error.code]).toEqual([504, 'DEADLINE_EXCEEDED']);
      expect([b.statusCode, b.json().error.code]).toEqual([504, 'DEADLINE_EXCEEDED']);
      const stats = (await api!.app.inject({ method: 'GET', url: '/v1/cache/stats', headers: auth })).json();
      expect(stats).toMatchObject({ coalesced: 1, inFlight: 0 }); // the second call did join the first one's "X"
      // Both deadlines have passed and been answered: a rejection left without a handler is reported by now.
      expect(unhandled).toEqual([]);
      expect((await api!.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });

    it('answers every one of many concurrent calls sharing a phrase with 504 or 429 and a code, and stays up', async () => {
      await start({ CLASSIFY_DEADLINE_MS: '1000' });
      const calls = Array.from({ length: 200 }, (_, i) => classify(['the shared phrase', `unique ${i}`]));
      const answers = await Promise.all(calls);
      const seen = new Map<string, number>();
      for (const res of answers) {
        const key = `${res.statusCode} ${res.json().error?.code}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect([...seen.keys()].filter((k) => k !== '504 DEADLINE_EXCEEDED' && k !== '429 OVERLOADED')).toEqual([]);
      const stats = (await api!.app.inject({ method: 'GET', url: '/v1/cache/stats', headers: auth })).json();
      expect(stats.coalesced).toBeGreaterThan(0);
      expect(stats.inFlight).toBe(0);
      expect(unhandled).toEqual([]);
      expect((await api!.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
  },
);
