// A job record lost while its idempotency key survived (the record's master failed over before
// replicating it; docs/reliability.md, Redis Cluster failover): a retry with the same key and payload
// must not answer 404 for the key's lifetime. The key is freed and the job made afresh, once; a key
// naming a live job still answers that job. On the one test Redis and on the test Redis Cluster.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetClient } from './fleet-client';
import { redisTargets } from './testing/redis-targets';

describe.each(redisTargets())('a lost job record on $name', ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let sut: FleetClient;

  beforeEach(() => {
    sut = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-lost-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: 64, jobAttempts: 2, resultTtlSeconds: 600 },
      api: { classifyDeadlineMs: 5000 },
    });
  });

  afterEach(async () => {
    await sut.purge();
    await sut.close();
  });

  it('makes the job afresh when the key names a job whose record is gone, and answers a live one as before', async () => {
    const req = { tenant: 'acme', items: [{ id: 'a', text: 'hello' }], priority: 'bulk' as const, idempotencyKey: 'k-1' };
    const first = await sut.producer.submit(req);
    expect(first.created).toBe(true);
    expect(await sut.producer.submit(req)).toEqual({ jobId: first.jobId, created: false });

    // As a failover loses it: the record and results go, the key stays.
    const { meta, results } = { meta: sut.keys.meta(first.jobId), results: sut.keys.results(first.jobId) };
    await sut.redis.del(meta);
    await sut.redis.del(results);
    const again = await sut.producer.submit(req);
    expect(again.created).toBe(true);
    expect(again.jobId).not.toBe(first.jobId);
    expect((await sut.producer.status(again.jobId, 'acme')).total).toBe(1);
    expect(await sut.producer.submit(req)).toEqual({ jobId: again.jobId, created: false });
  });
});
