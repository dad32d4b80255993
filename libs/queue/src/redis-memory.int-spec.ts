// FleetClient.memory() (the /metrics memory gauges) on the one test Redis and on the test Redis
// Cluster, where every master is read and the fullest is the answer: with a limit set on one
// master only (far above what a test uses, so nothing is refused), that master's limit is the
// reading whichever node ioredis would have sent a plain INFO to.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetClient } from './fleet-client';
import { scanTargets } from './redis-connection';
import { redisTargets } from './testing/redis-targets';

const LIMIT = 100 * 2 ** 30;

describe.each(redisTargets())('queue Redis memory on $name', ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient;
  beforeEach(() => {
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-memory-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: 8, jobAttempts: 1, resultTtlSeconds: 60 },
      api: { classifyDeadlineMs: 1000 },
    });
  });
  afterEach(() => fleet.close());

  it('reads used_memory and maxmemory', async () => {
    await fleet.ready();
    const memory = await fleet.memory();
    expect(memory.usedBytes).toBeGreaterThan(0);
    expect(Number.isFinite(memory.maxBytes)).toBe(true);
  });

  it.runIf(runtime.redisClusterNodes !== undefined)('reads the fullest master of a cluster: the one with a limit', async () => {
    await fleet.ready();
    const masters = scanTargets(fleet.redis);
    expect(masters).toHaveLength(3);
    const limited = masters[masters.length - 1];
    const before = ((await limited.config('GET', 'maxmemory')) as string[])[1];
    expect(before).toBe('0');
    await limited.config('SET', 'maxmemory', String(LIMIT));
    try {
      expect((await fleet.memory()).maxBytes).toBe(LIMIT);
    } finally {
      await limited.config('SET', 'maxmemory', before);
    }
  });
});
