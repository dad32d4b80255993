// RedisProfileStore against the real Redis: windows of several processes published and read back
// (the fleet-wide profile), expiry of a process that stopped publishing, and job spans with their
// retention. On the one test Redis and on the test Redis Cluster (skipped without one; the snapshot
// keys share a hash tag there, so the one MGET of `recent` is one slot).
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyzeProfile, Profiler, RedisProfileStore, type SpanRecord } from '@emo/profiler';

const clusterNodes = inject('redisClusterNodes');
const TARGETS = [
  { name: 'Redis', available: inject('redisAvailable'), connect: () => new Redis(inject('redisUrl')) },
  {
    name: 'a Redis Cluster',
    available: clusterNodes !== '',
    connect: () => new Cluster(clusterNodes.split(',').map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) }))),
  },
];

describe.each(TARGETS)(`${RedisProfileStore.name} with $name`, ({ available, connect }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  const prefix = `test-profile-${randomUUID().slice(0, 8)}`;
  let redis: Redis | Cluster;

  beforeAll(() => {
    redis = connect();
  });

  afterAll(async () => {
    // Every master of a cluster (KEYS on the cluster client asks one node); keys deleted one by one (slots differ).
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const keys = (await Promise.all(nodes.map((n) => n.keys(`${prefix}:*`)))).flat();
    await Promise.all(keys.map((k) => redis.del(k)));
    await redis.quit();
  });

  it('aggregates the windows of every live process, and drops one that stopped publishing', async () => {
    const sut = new RedisProfileStore(redis, prefix);
    const workers = ['w1', 'w2'].map(
      (source) => new Profiler({ enabled: true, sampleRate: 1, windowMs: 60_000, role: 'worker', source, model: 'tiny@1' }),
    );
    workers[0].observe('queue_wait', 900, { count: 64 });
    workers[1].observe('queue_wait', 1100, { count: 64 });
    workers.forEach((w) => w.observe('inference', 5, { count: 64 }));
    await sut.publish(workers[0].snapshot(), 60_000);
    await sut.publish(workers[1].snapshot(), 150);
    const both = await sut.recent();
    expect(both.map((s) => s.source).sort()).toEqual(['w1', 'w2']);
    const report = analyzeProfile(both, { p95TargetMs: 1000 });
    expect(report.sources.workers).toBe(2);
    expect(report.stages.find((s) => s.stage === 'queue_wait')?.texts).toBe(128);
    expect(report.dominant_stage).toBe('queue_wait');
    await new Promise((r) => setTimeout(r, 250));
    expect((await sut.recent()).map((s) => s.source)).toEqual(['w1']);
  });

  it('keeps the spans of a job in start order with its retention', async () => {
    const sut = new RedisProfileStore(redis, prefix);
    const span = (stage: SpanRecord['stage'], start: number): SpanRecord => ({ stage, start, ms: 2, count: 8, source: 'w1' });
    await sut.appendSpans('job-1', [span('inference', 20), span('queue_wait', 10)], 60);
    await sut.appendSpans('job-1', [span('result_write', 30)], 60);
    expect((await sut.spans('job-1')).map((s) => s.stage)).toEqual(['queue_wait', 'inference', 'result_write']);
    const ttl = await redis.ttl(sut.traceKey('job-1'));
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await sut.spans('unknown')).toEqual([]);
  });
});
