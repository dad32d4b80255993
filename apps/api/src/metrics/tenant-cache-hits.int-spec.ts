// Issue 15 (5), per-tenant cache hits on the real Redis: emo_tenant_cache_hits_total{tenant} counts
// the texts of a tenant's /v1/classify calls that the API's result cache answered. The cache is
// shared by every tenant (one key per text), so a hit is the caller's, whoever computed the text.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { advertiseModel, createCacheRedis } from '@emo/cache';
import type { ClassifyOutcome } from '@emo/contracts';
import {
  TEST_API_KEY,
  TEST_API_KEY_B,
  testAuth as authA,
  testAuthB as authB,
  testTwoTenantsEnv,
  useApiTestHarness,
} from '../testing/api-test-harness';
import { apiRedisTargets } from '../testing/redis-targets';

const model = {
  name: 'fake',
  revision: 'rev1',
  thresholdsVersion: 'default',
  labels: ['negative', 'neutral', 'positive'],
  precision: 'fp32',
  maxLength: 128,
};

/** The worker's side: answers every text as the advertised model would (recorded). */
function fakeFleetModel() {
  const computed: unknown[] = [];
  return {
    computed,
    classify: async (texts: readonly unknown[]): Promise<ClassifyOutcome[]> => {
      computed.push(...texts);
      return texts.map(() => ({
        labels: [{ label: 'positive', score: 0.75 }],
        scores: { negative: 0.25, neutral: 0, positive: 0.75 },
        model: 'fake@rev1',
      }));
    },
  };
}

describe.each(apiRedisTargets())('emo_tenant_cache_hits_total, on $name', ({ available, env, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const h = useApiTestHarness('tenant-cache-hits', { ...env, ...testTwoTenantsEnv });
  const classify = (auth: Record<string, string>, texts: string[]) =>
    h.request({ method: 'POST', url: '/v1/classify', payload: { texts }, headers: auth });
  const hitsOf = async (tenant: string): Promise<number | undefined> => {
    const body = (await h.request({ method: 'GET', url: '/metrics' })).body;
    const line = body.split('\n').find((l) => l.startsWith(`emo_tenant_cache_hits_total{tenant="${tenant}"} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  it("counts the cached texts of each tenant's calls under that tenant, with the cache shared", async () => {
    const prefix = `test-tenant-cache-hits-${randomUUID().slice(0, 8)}`;
    const redis = createCacheRedis(endpoint, 500);
    await redis.connect();
    await advertiseModel(redis, prefix, model);
    await redis.quit();
    await h.start({ QUEUE_PREFIX: prefix });
    const fleet = fakeFleetModel();
    h.startConsumer(fleet, { interactive: 1, bulk: 1 });
    const [a, b] = [h.tenantId(TEST_API_KEY), h.tenantId(TEST_API_KEY_B)];
    expect(a).not.toBe(b);

    // A's first call computes its texts (the duplicate is joined, not a hit): no hits yet.
    expect((await classify(authA, ['one', 'two', 'one'])).statusCode).toBe(200);
    expect(fleet.computed.sort()).toEqual(['one', 'two']);
    expect(await hitsOf(a)).toBeUndefined();

    // A's second call of the same texts: every text from the cache, counted for A.
    expect((await classify(authA, ['one', 'two', 'one'])).statusCode).toBe(200);
    expect(await hitsOf(a)).toBe(3);
    expect(await hitsOf(b)).toBeUndefined();

    // B reads what A's call computed (one shared cache): the hits are B's, A's count stays.
    expect((await classify(authB, ['two', 'three'])).statusCode).toBe(200);
    expect(fleet.computed.sort()).toEqual(['one', 'three', 'two']);
    expect(await hitsOf(b)).toBe(1);
    expect(await hitsOf(a)).toBe(3);
  });
});
