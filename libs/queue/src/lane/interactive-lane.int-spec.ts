// The interactive lane (ADR 020) on real Redis, one server and the test cluster: a POST /v1/classify
// chunk (a request with a push channel) is one list entry, not a BullMQ job; workers store its
// results, retry a failed attempt, give a chunk whose worker died to another worker when the lease
// lapses, give back at once what a closing worker could not finish, and write CHUNK_FAILED lines for
// a chunk out of attempts or stalls: every call's job ends, with one line per item.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, type Classifier, type ClassifyOutcome } from '@emo/contracts';
import type { ConsumerOptions } from '../chunk-consumer';
import { FleetClient } from '../fleet-client';
import { withFleetCommands } from '../fleet-commands';
import { labelled, until, WorkerHarness } from '../testing/chunk-classifiers';
import { redisTargets } from '../testing/redis-targets';
import { LaneConsumer } from './lane-consumer';

const TENANT = 'acme';
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, text: `text ${i}` }));

/** Fails its first `failures` calls with a retryable error, then answers. */
class Flaky implements Classifier {
  calls = 0;
  constructor(private failures: number) {}
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    this.calls++;
    if (this.failures-- > 0) throw new AppError('INFERENCE_FAILED', 'the inference thread died');
    return labelled(texts);
  }
}

describe.each(redisTargets())('the interactive lane, on $name', ({ available, runtime, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let prefix: string;
  let fleet: FleetClient;
  const workers = new WorkerHarness(endpoint, () => prefix);
  const connection = () => workers.connection();
  const gate = () => workers.gate();
  /** One worker process's consumer (its own connection). */
  const consumer = (classifier: Classifier, options: Partial<ConsumerOptions> = {}) =>
    workers.consumer(classifier, fleet.store, { concurrency: { interactive: 4, bulk: 2 }, ...options });

  beforeEach(() => {
    prefix = `test-lane-${randomUUID().slice(0, 8)}`;
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: prefix },
      fleet: { jobChunkSize: 64, jobAttempts: 2, resultTtlSeconds: 600 },
      api: { classifyDeadlineMs: 1000 },
    });
  });

  afterEach(async () => {
    await workers.close();
    await fleet.purge();
    await fleet.close();
  });

  /** A POST /v1/classify call's job: one chunk, waited for on a push channel. */
  const call = (n = 3) =>
    fleet.producer.submit({ tenant: TENANT, items: items(n), priority: 'interactive', pushChannel: `${prefix}-inbox` });

  async function lines(jobId: string): Promise<{ id: string; labels?: unknown; error?: { code: string; message: string } }[]> {
    const out = [];
    for await (const line of fleet.store.readLines(await fleet.store.requireRecord(jobId))) out.push(JSON.parse(line));
    return out;
  }
  const completed = (jobId: string) => until(async () => (await fleet.producer.status(jobId, TENANT)).state === 'completed');
  const laneKeys = async () => {
    const redis = fleet.redis;
    const workers = await redis.zrange(fleet.keys.laneWorkers, 0, -1);
    const taken = await Promise.all(workers.map((w) => redis.llen(fleet.keys.laneTaken(w))));
    return {
      waiting: await redis.llen(fleet.keys.laneWait),
      taken: taken.reduce((a, b) => a + b, 0),
      dead: await redis.llen(fleet.keys.laneDead),
    };
  };

  type LaneRedis = ReturnType<typeof withFleetCommands>;
  /** The fleet's commands on a connection of their own, with `overrides` in place of some of them. */
  const intercepted = (overrides: (real: LaneRedis) => Partial<LaneRedis>): LaneRedis => {
    const real = withFleetCommands(connection());
    const replaced = overrides(real);
    return new Proxy(real, {
      get(target, key) {
        if (key in replaced) return replaced[key as keyof LaneRedis];
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  /** A lane consumer on `redis` whose chunks `run` (a long lease, a short BLMOVE). */
  const laneWith = (redis: LaneRedis, run: (data: { jobId: string }) => Promise<'stored'>, concurrency = 2) =>
    new LaneConsumer(redis, connection, fleet.keys, run, async () => undefined, {
      concurrency,
      leaseMs: 60_000,
      maxStalledCount: 3,
      blockSeconds: 0.1,
    });

  it('queues a call as one lane entry (no BullMQ job), counted as waiting; a worker stores it and nothing stays behind', async () => {
    const { jobId } = await call();
    expect(await laneKeys()).toEqual({ waiting: 1, taken: 0, dead: 0 });
    expect(await fleet.queues.queue('interactive').getJobCounts('waiting')).toEqual({ waiting: 0 });
    expect((await fleet.queues.counts('interactive')).backlog).toBe(1);
    consumer({ classify: async (t) => labelled(t) });
    await completed(jobId);
    expect((await lines(jobId)).map((l) => l.id)).toEqual(['id-0', 'id-1', 'id-2']);
    await until(async () => (await laneKeys()).taken === 0);
    expect(await laneKeys()).toEqual({ waiting: 0, taken: 0, dead: 0 });
    // Picked up: its texts no longer count against admission.
    expect(await fleet.store.queuedTexts('interactive')).toBe(0);
  });

  it('with admission on, queues an admitted call with its record (on one Redis, in the same script) and nothing for a refused one', async () => {
    const limited = new FleetClient({
      runtime: { ...runtime, queuePrefix: prefix },
      fleet: { jobChunkSize: 64, jobAttempts: 2, resultTtlSeconds: 600 },
      api: { classifyDeadlineMs: 1000, queueBacklogTextsInteractive: 4, queueBacklogTextsBulk: 100 },
    });
    try {
      const watched: string[] = [];
      const submit = (n: number) =>
        limited.producer.submit({
          tenant: TENANT,
          items: items(n),
          priority: 'interactive',
          pushChannel: `${prefix}-inbox`,
          beforeEnqueue: (id) => watched.push(id),
        });
      const { jobId } = await submit(3);
      expect(watched).toEqual([jobId]); // watched once, before the chunk could finish
      expect(await laneKeys()).toEqual({ waiting: 1, taken: 0, dead: 0 });
      await expect(submit(2)).rejects.toMatchObject({ code: 'OVERLOADED' }); // 3 + 2 > 4 texts
      expect(await laneKeys()).toEqual({ waiting: 1, taken: 0, dead: 0 });
      consumer({ classify: async (t) => labelled(t) });
      await completed(jobId);
      expect((await lines(jobId)).map((l) => l.id)).toEqual(['id-0', 'id-1', 'id-2']);
      expect(await fleet.store.queuedTexts('interactive')).toBe(0);
    } finally {
      await limited.close();
    }
  });

  it('retries a failed attempt, then stores the results', async () => {
    const flaky = new Flaky(1);
    const { jobId } = await call();
    consumer(flaky);
    await completed(jobId);
    expect(flaky.calls).toBe(2);
    expect((await fleet.producer.status(jobId, TENANT)).succeeded).toBe(3);
  });

  it('writes CHUNK_FAILED lines once for a chunk whose every attempt timed out, even when the hung runs finish', async () => {
    const hung = gate();
    const { jobId } = await call();
    consumer(hung, { chunkTimeoutMs: 200 });
    await completed(jobId);
    expect(hung.calls).toBe(2); // JOB_ATTEMPTS 2
    const failed = await lines(jobId);
    expect(failed.map((l) => l.error?.code)).toEqual(['CHUNK_FAILED', 'CHUNK_FAILED', 'CHUNK_FAILED']);
    expect(failed[0].error?.message).toMatch(/after 2 attempts: .*WORKER_CHUNK_TIMEOUT_MS/);
    hung.open();
    await until(async () => (await laneKeys()).taken === 0);
    expect(await fleet.producer.status(jobId, TENANT)).toMatchObject({ done: 3, failed: 3, chunks: { done: 1 } });
    expect(await laneKeys()).toEqual({ waiting: 0, taken: 0, dead: 0 });
  });

  it('gives a chunk whose worker died to another worker once the dead one’s lease lapses', async () => {
    // The dying worker's lane side, on connections of its own that the test can cut.
    const doomed = connection();
    const doomedBlocker = connection();
    const taken: string[] = [];
    const dying = new LaneConsumer(
      withFleetCommands(doomed),
      () => doomedBlocker,
      fleet.keys,
      (data) => {
        taken.push(data.jobId);
        return new Promise<never>(() => undefined); // hangs until the process dies
      },
      async () => undefined,
      { concurrency: 2, leaseMs: 1000, maxStalledCount: 3, blockSeconds: 0.1 },
    );
    dying.start();
    const { jobId } = await call();
    await until(() => taken.length === 1);
    // The process dies: its connections drop, its lease is no longer renewed.
    doomed.disconnect();
    doomedBlocker.disconnect();
    await dying.stop();
    const reaped: { requeued: number; dead: number }[] = [];
    consumer({ classify: async (t) => labelled(t) }, { onLaneReaped: (r) => reaped.push(r) });
    await completed(jobId);
    // It came back through the sweep, which takes only workers whose lease (by Redis's clock) has lapsed.
    expect(reaped).toEqual([{ requeued: 1, dead: 0 }]);
    expect((await lines(jobId)).every((l) => l.labels !== undefined)).toBe(true);
    expect(await laneKeys()).toMatchObject({ waiting: 0, dead: 0 });
    await dying.leave(); // its timer; its commands fail on the closed connection
  });

  it('gives back at once what a closing worker could not finish, for another worker', async () => {
    const hung = gate();
    const closing = consumer(hung);
    const { jobId } = await call();
    await until(() => hung.calls === 1);
    expect(await fleet.queues.counts('interactive')).toMatchObject({ waiting: 0, active: 1, backlog: 0 });
    expect(await closing.close(50)).toBe(false);
    expect(await fleet.queues.counts('interactive')).toMatchObject({ waiting: 1, active: 0, backlog: 1 });
    expect(await laneKeys()).toEqual({ waiting: 1, taken: 0, dead: 0 });
    consumer({ classify: async (t) => labelled(t) });
    await completed(jobId);
    expect((await fleet.producer.status(jobId, TENANT)).succeeded).toBe(3);
  });

  it('writes CHUNK_FAILED lines for a chunk whose workers died holding it more than maxStalledCount (3) times', async () => {
    const { jobId } = await call(2);
    const redis = fleet.redis;
    // Three earlier deaths: a lapsed worker holds the entry with 3 stalls counted.
    const raw = (await redis.rpop(fleet.keys.laneWait)) as string;
    await redis.lpush(fleet.keys.laneTaken('ghost'), raw.replace(/^0 0 /, '0 3 '));
    await redis.zadd(fleet.keys.laneWorkers, 0, 'ghost');
    expect(await fleet.queues.counts('interactive')).toMatchObject({ waiting: 0, active: 1 });
    const survivor = gate();
    const reaped: { requeued: number; dead: number }[] = [];
    consumer(survivor, { onLaneReaped: (r) => reaped.push(r) });
    await completed(jobId);
    expect(survivor.calls).toBe(0);
    expect(reaped).toEqual([{ requeued: 0, dead: 1 }]);
    const failed = await lines(jobId);
    expect(failed.map((l) => l.error?.code)).toEqual(['CHUNK_FAILED', 'CHUNK_FAILED']);
    expect(failed[0].error?.message).toMatch(/stopped 4 times/);
    expect(await laneKeys()).toEqual({ waiting: 0, taken: 0, dead: 0 });
  });

  it('gives back an entry of its own taken list that no run holds (its reply was lost), at the second sweep', async () => {
    const runs: string[] = [];
    const lane = laneWith(withFleetCommands(connection()), async (data) => {
      runs.push(data.jobId);
      return 'stored';
    });
    const { jobId } = await call(1);
    const raw = (await fleet.redis.rpop(fleet.keys.laneWait)) as string;
    await fleet.redis.lpush(fleet.keys.laneTaken(lane.id), raw);
    lane.start();
    await lane.sweep();
    expect(runs).toEqual([]); // one sweep: it may be a reply still on its way
    await lane.sweep();
    await until(() => runs.length === 1);
    expect(runs).toEqual([jobId]);
    await lane.stop();
    await lane.leave();
    expect(await laneKeys()).toEqual({ waiting: 0, taken: 0, dead: 0 });
  });

  it('takes a call that finds it idle with its BLMOVE alone, and asks for what else waits (LANE_TAKE) only while busy', async () => {
    let takes = 0;
    const redis = intercepted((real) => ({
      emoLaneTake: (...args) => {
        takes++;
        return real.emoLaneTake(...args);
      },
    }));
    const running: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lane = laneWith(
      redis,
      async (data) => {
        running.push(data.jobId);
        await held;
        return 'stored';
      },
      4,
    );
    lane.start();
    await call(1);
    await until(() => running.length === 1);
    expect(takes).toBe(0); // idle when it came: one BLMOVE, no LANE_TAKE
    await Promise.all([call(1), call(1), call(1)]);
    await until(() => running.length === 4);
    expect(takes).toBeGreaterThanOrEqual(1); // busy: it asked for more
    release();
    await until(() => lane.inFlight === 0);
    await lane.stop();
    await lane.leave();
  });

  it('finds itself idle when a call comes while the last one is only being settled (its LREM on its way): no LANE_TAKE', async () => {
    let takes = 0;
    const held: (() => void)[] = [];
    const redis = intercepted((real) => ({
      emoLaneTake: (...args) => {
        takes++;
        return real.emoLaneTake(...args);
      },
      lrem: ((...args: Parameters<LaneRedis['lrem']>) =>
        new Promise<void>((resolve) => held.push(resolve)).then(() => real.lrem(...args))) as LaneRedis['lrem'],
    }));
    const ran: string[] = [];
    const lane = laneWith(
      redis,
      async (data) => {
        ran.push(data.jobId);
        return 'stored';
      },
      4,
    );
    lane.start();
    await call(1);
    await until(() => held.length === 1); // its run is over; its entry's LREM is held
    await call(1);
    await until(() => held.length === 2); // the second ran too, and its LREM is held as well
    expect(ran).toHaveLength(2);
    expect(takes).toBe(0);
    expect(lane.inFlight).toBe(2); // both entries stay held (the sweep adopts neither) until their LREM lands
    for (const release of held) release();
    await until(() => lane.inFlight === 0);
    await lane.stop();
    await lane.leave();
    expect(await laneKeys()).toEqual({ waiting: 0, taken: 0, dead: 0 });
  });

  it('takes nothing before its lease reached Redis (a taken list no one could reap)', async () => {
    const events: string[] = [];
    let failures = 2;
    const redis = intercepted((real) => ({
      emoLaneBeat: async (...args) => {
        if (failures-- > 0) {
          events.push('beat failed');
          throw new Error('Connection is closed.');
        }
        events.push('beat');
        return real.emoLaneBeat(...args);
      },
    }));
    const lane = laneWith(redis, async () => {
      events.push('run');
      return 'stored';
    });
    await call(1);
    lane.start();
    await until(() => events.includes('run'));
    expect(events.slice(0, 4)).toEqual(['beat failed', 'beat failed', 'beat', 'run']);
    await lane.stop();
    await lane.leave();
  });

  it('gives back what a reaped worker took before its next beat, if it then died (its tombstone is swept again)', async () => {
    const redis = fleet.redis;
    const reaped: { requeued: number; dead: number }[] = [];
    // Only its sweep is used (never started: it takes nothing itself).
    const sweeper = new LaneConsumer(
      withFleetCommands(connection()),
      connection,
      fleet.keys,
      async () => 'stored',
      async () => undefined,
      { concurrency: 2, leaseMs: 60_000, maxStalledCount: 3, onReaped: (r) => reaped.push(r) },
    );
    // A worker paused past its lease: a sweep reaps it and leaves a tombstone.
    await redis.zadd(fleet.keys.laneWorkers, 0, 'paused');
    await sweeper.sweep();
    expect(Number(await redis.zscore(fleet.keys.laneWorkers, 'paused'))).toBeLessThan(0);
    // Before a beat turns the tombstone back into a lease, it wakes, takes an entry, and dies.
    await call(1);
    await redis.lpush(fleet.keys.laneTaken('paused'), (await redis.rpop(fleet.keys.laneWait)) as string);
    await sweeper.sweep();
    expect(await redis.llen(fleet.keys.laneTaken('paused'))).toBe(0);
    expect(await redis.llen(fleet.keys.laneWait)).toBe(1);
    expect(reaped).toEqual([{ requeued: 1, dead: 0 }]);
    // A beat turns the tombstone back into a lease.
    await withFleetCommands(redis).emoLaneBeat(fleet.keys.laneWorkers, 'paused', 60_000);
    expect(Number(await redis.zscore(fleet.keys.laneWorkers, 'paused'))).toBeGreaterThan(0);
  });
});
