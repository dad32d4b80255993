// The API's result cache on the real Redis: a text a worker already classified is answered with no
// worker running (so without enqueuing), and GET /v1/cache/stats reports the hit.
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { advertiseModel, createResultCache, unlinkMatching } from '@emo/cache';
import { loadConfig } from '@emo/config';
import { createLogger } from '@emo/profiler';
import { createApiApp, type ApiApp } from '../api-app';

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

describe.skipIf(!inject('redisAvailable'))('API result cache', () => {
  let api: ApiApp | undefined;
  let prefix = '';

  afterEach(async () => {
    if (api) {
      await unlinkMatching(api.fleet.redis as Parameters<typeof unlinkMatching>[0], `${prefix}:*`);
      await api.close();
      api = undefined;
    }
  });

  it('answers cached texts without a worker and reports them in GET /v1/cache/stats', async () => {
    prefix = `test-apicache-${randomUUID().slice(0, 8)}`;
    const config = loadConfig({
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      API_KEYS: KEY,
      API_ADMIN_KEYS: KEY, // GET /v1/cache/stats needs the admin scope
      LOG_LEVEL: 'silent',
      CLASSIFY_DEADLINE_MS: '1500',
      CACHE_L2_TIMEOUT_MS: '1000',
    });
    // What a worker leaves behind: its model advertised, results in L2.
    const worker = (await createResultCache({ config, model, l2: true, registry: new Registry() }))!;
    await advertiseModel(worker.redis!, prefix, model);
    const engine = {
      classify: async (texts: readonly unknown[]) =>
        texts.map(() => ({
          labels: [{ label: 'positive', score: 0.9 }],
          scores: { negative: 0.05, neutral: 0.05, positive: 0.9 },
          model: 'fake@rev1',
        })),
    };
    await worker.cache.classifier(engine).classify(['lol']);
    await worker.close(); // waits for the L2 write

    api = await createApiApp(config, { logger: createLogger({ level: 'silent' }) });
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/classify',
      payload: { texts: ['lol', 'lol'], include_scores: true },
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([
      { labels: [{ label: 'positive', score: 0.9 }], scores: { negative: 0.05, neutral: 0.05, positive: 0.9 }, model: 'fake@rev1' },
      expect.objectContaining({ model: 'fake@rev1' }),
    ]);
    expect((await api.fleet.queues.allCounts()).interactive).toMatchObject({ backlog: 0, active: 0 });

    const stats = await api.app.inject({ method: 'GET', url: '/v1/cache/stats', headers: auth });
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toMatchObject({
      model: 'fake@rev1',
      lookups: 2,
      hits: 2,
      hitRate: 1,
      l2: { enabled: true, state: 'up', hits: 1 },
    });
  });
});
