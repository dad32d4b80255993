// FleetClient.watchFinished on the real Redis (one Redis, and the test cluster when there is one):
// a message on the fleet's "finished" channel ends the watch of that job only, and cancelling a watch
// ends a wait in progress at once (its timer with it), so a caller that stops waiting for another
// reason (an API that closes) leaves nothing behind.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetClient } from './fleet-client';
import { FleetKeys } from './fleet-keys';
import { createRedis, type RedisClient } from './redis-connection';
import { redisTargets } from './testing/redis-targets';

describe.each(redisTargets())('watchFinished on $name', ({ available, runtime, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient;
  let publisher: RedisClient;
  let keys: FleetKeys;
  beforeEach(() => {
    const prefix = `test-watch-${randomUUID().slice(0, 8)}`;
    keys = new FleetKeys(prefix);
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: prefix },
      fleet: { jobChunkSize: 8, jobAttempts: 1, resultTtlSeconds: 60 },
      api: { classifyDeadlineMs: 1000 },
    });
    publisher = createRedis(endpoint);
  });
  afterEach(async () => {
    publisher.disconnect();
    await fleet.close();
  });

  it('ends the watch of the job a finished message names, and not the others', async () => {
    const mine = await fleet.watchFinished('job-a');
    const other = await fleet.watchFinished('job-b');
    const waits = [mine.wait(60_000), other.wait(60_000)];
    await publisher.publish(keys.finishedChannel, 'job-a');
    await expect(waits[0]).resolves.toEqual({});
    other.cancel();
    await expect(waits[1]).resolves.toBe(false);
  });

  it('ends a wait in progress as soon as its watch is cancelled (not after its timeout)', async () => {
    const watch = await fleet.watchFinished('job-c');
    const wait = watch.wait(60_000); // the test's own timeout is 30 s: only the cancel can end it in time
    watch.cancel();
    await expect(wait).resolves.toBe(false);
  });
});
