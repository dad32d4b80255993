// The readiness probe's write on the one test Redis (one key, as before) and on the test Redis
// Cluster (one key in each master's slots, so a master at maxmemory fails /readyz whichever it is).
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetClient } from './fleet-client';
import { READY_PROBE_PX } from './ready-probe';
import { scanTargets } from './redis-connection';
import { redisTargets } from './testing/redis-targets';

describe.each(redisTargets())('readiness probe write on $name', ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient;
  beforeEach(() => {
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-probe-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: 8, jobAttempts: 1, resultTtlSeconds: 60 },
      api: { classifyDeadlineMs: 1000 },
    });
  });
  afterEach(async () => {
    await fleet.purge();
    await fleet.close();
  });

  it('writes a short-lived probe key on every master (the one server: its one key)', async () => {
    await fleet.ready();
    await fleet.probeWrite('pod-1');
    const base = `${fleet.keys.prefix}:fleet:ready-probe:pod-1`;
    const masters = scanTargets(fleet.redis);
    const perMaster = await Promise.all(masters.map((node) => node.keys(`${base}*`)));
    expect(perMaster.map((keys) => keys.length)).toEqual(masters.map(() => 1));
    if (!fleet.keys.cluster) expect(perMaster[0]).toEqual([base]);
    else expect(masters).toHaveLength(3);
    for (const [i, [key]] of perMaster.entries()) {
      const ttl = await masters[i].pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(READY_PROBE_PX);
    }
  });
});
