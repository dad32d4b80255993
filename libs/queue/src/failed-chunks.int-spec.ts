// Every job reaches a terminal state: chunks BullMQ fails without results (results not stored on
// the last attempt, an attempt that hangs past the chunk timeout, a chunk whose workers keep dying
// until it stalled more than maxStalledCount, a failure nobody settled) get CHUNK_FAILED lines,
// exactly one per item, and the job (or backfill) completes with them counted as failed. Real
// Redis, real BullMQ workers; worker deaths are forced closes with the chunk's lock deleted. Runs on
// the one test Redis and on the test Redis Cluster (testing/redis-targets.ts).
import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackfillIngestor } from './backfill/backfill-ingestor';
import { BackfillReader } from './backfill/backfill-reader';
import { BackfillStore } from './backfill/backfill-store';
import type { ConsumerOptions } from './chunk-consumer';
import type { Classifier } from '@emo/contracts';
import { FleetClient } from './fleet-client';
import { chunkJobId, FleetKeys, QUEUE_NAMES } from './fleet-keys';
import { createRedis, isCluster, type RedisClient } from './redis-connection';
import { ResultStore, type StoreOutcome } from './result-store';
import { answering, until, WorkerHarness } from './testing/chunk-classifiers';
import { redisTargets } from './testing/redis-targets';

/** The tenant that owns this spec's jobs. */
const TENANT = 'acme';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, text: `text ${i}` }));

/** A store whose first `failures` writes fail (e.g. Redis refusing writes for a while); records outcomes. */
class FlakyStore extends ResultStore {
  readonly outcomes: StoreOutcome[] = [];
  failures = 0;
  override async storeChunk(...args: Parameters<ResultStore['storeChunk']>): Promise<StoreOutcome> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("READONLY You can't write against a read only replica.");
    }
    const outcome = await super.storeChunk(...args);
    this.outcomes.push(outcome);
    return outcome;
  }
}

describe.each(redisTargets())('chunks that fail without results, on $name', ({ available, runtime, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let prefix: string;
  let fleet: FleetClient;
  let redis: RedisClient;
  let store: FlakyStore;
  const workers = new WorkerHarness(endpoint, () => prefix);
  const gate = () => workers.gate();
  /** A worker process's consumer: its own connection, results through `store`. */
  const consumer = (classifier: Classifier, options: Partial<ConsumerOptions> = {}) => workers.consumer(classifier, store, options);

  beforeEach(() => {
    prefix = `test-fail-${randomUUID().slice(0, 8)}`;
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: prefix },
      fleet: { jobChunkSize: 4, jobAttempts: 2, resultTtlSeconds: 600 },
      api: { classifyDeadlineMs: 1000 },
    });
    redis = createRedis(endpoint, { blocking: true });
    store = new FlakyStore(redis, new FleetKeys(prefix, { cluster: isCluster(redis) }), 600);
  });

  afterEach(async () => {
    await workers.close();
    await fleet.purge();
    await fleet.close();
    await redis.quit();
  });

  async function resultLines(jobId: string): Promise<{ id: string; error?: { code: string; message: string } }[]> {
    const out = [];
    for await (const line of fleet.store.readLines(await fleet.store.requireRecord(jobId))) out.push(JSON.parse(line));
    return out;
  }

  const completed = (jobId: string) => until(async () => (await fleet.producer.status(jobId, TENANT)).state === 'completed');

  it('writes CHUNK_FAILED lines when storing the results failed on every attempt, and the job completes', async () => {
    store.failures = 2; // both attempts classify, then fail to store; the reaper's write goes through
    const { jobId } = await fleet.producer.submit({ tenant: TENANT, items: items(3), priority: 'bulk' });
    consumer(answering);
    await completed(jobId);
    expect(await fleet.producer.status(jobId, TENANT)).toMatchObject({ state: 'completed', total: 3, done: 3, failed: 3, succeeded: 0 });
    const lines = await resultLines(jobId);
    expect(lines.map((l) => [l.id, l.error?.code])).toEqual([
      ['id-0', 'CHUNK_FAILED'],
      ['id-1', 'CHUNK_FAILED'],
      ['id-2', 'CHUNK_FAILED'],
    ]);
    expect(lines[0].error?.message).toMatch(/after 2 attempts: READONLY/);
    expect((await fleet.queues.counts('bulk')).failed).toBe(1);
  });

  it('fails an attempt that hangs past the chunk timeout, retries it, then writes CHUNK_FAILED lines once even when the hung runs finish', async () => {
    const hung = gate();
    const { jobId } = await fleet.producer.submit({ tenant: TENANT, items: items(3), priority: 'interactive' });
    consumer(hung, { chunkTimeoutMs: 300 });
    await completed(jobId);
    expect(hung.calls).toBe(2); // attempts: 2
    expect(await fleet.producer.status(jobId, TENANT)).toMatchObject({ state: 'completed', done: 3, failed: 3, chunks: { done: 1 } });
    expect((await resultLines(jobId))[0].error).toMatchObject({
      code: 'CHUNK_FAILED',
      message: expect.stringMatching(/WORKER_CHUNK_TIMEOUT_MS/),
    });
    // The abandoned runs finish after all: their results are refused (STORE_CHUNK's HSETNX), nothing counts twice.
    hung.open();
    await until(() => store.outcomes.filter((o) => o === 'duplicate').length === 2);
    expect(await fleet.producer.status(jobId, TENANT)).toMatchObject({ done: 3, failed: 3, chunks: { done: 1 } });
    expect((await resultLines(jobId)).map((l) => l.error?.code)).toEqual(['CHUNK_FAILED', 'CHUNK_FAILED', 'CHUNK_FAILED']);
  });

  it('writes CHUNK_FAILED lines for a chunk whose workers died holding it more than maxStalledCount (3) times', async () => {
    const { jobId } = await fleet.producer.submit({ tenant: TENANT, items: items(3), priority: 'bulk' });
    const poison = gate();
    const lock = `${fleet.keys.bullPrefix}:${QUEUE_NAMES.bulk}:${chunkJobId(jobId, 0)}:lock`;
    for (let death = 1; death <= 4; death++) {
      // A worker takes the chunk (the stalled check of this new worker put it back in the queue), then dies with it.
      const c = consumer(poison);
      await until(() => poison.calls === death);
      expect(await c.close(0)).toBe(false);
      await redis.del(lock); // its lock would lapse after lockDuration anyway
    }
    // The fifth worker's stalled check finds the chunk stalled a fourth time: BullMQ fails it for good.
    const survivor = gate();
    consumer(survivor);
    await completed(jobId);
    expect(survivor.calls).toBe(0);
    expect(await fleet.producer.status(jobId, TENANT)).toMatchObject({ state: 'completed', done: 3, failed: 3 });
    expect((await resultLines(jobId))[0].error).toMatchObject({
      code: 'CHUNK_FAILED',
      message: expect.stringMatching(/stalled more than allowable limit/),
    });
  }, 90_000);

  it('settles a chunk that failed while no consumer listened: the sweep at start finds it in the failed set', async () => {
    const { jobId } = await fleet.producer.submit({ tenant: TENANT, items: items(2), priority: 'bulk' });
    // A worker without the reaper (say, an older version) fails the chunk.
    const connection = workers.connection();
    const bare = new Worker(
      QUEUE_NAMES.bulk,
      async () => {
        throw new UnrecoverableError('crashed before storing anything');
      },
      { connection, prefix: fleet.keys.bullPrefix },
    );
    await until(async () => (await fleet.queues.counts('bulk')).failed === 1);
    await bare.close();
    expect((await fleet.producer.status(jobId, TENANT)).state).toBe('queued');
    consumer(answering);
    await completed(jobId);
    expect((await resultLines(jobId)).map((l) => [l.id, l.error?.code])).toEqual([
      ['id-0', 'CHUNK_FAILED'],
      ['id-1', 'CHUNK_FAILED'],
    ]);
  });

  it('completes a backfill whose chunk timed out on every attempt, with CHUNK_FAILED for its texts and the input errors kept', async () => {
    const backfills = new BackfillStore(fleet.redis, fleet.keys, 600);
    const ingestor = new BackfillIngestor(backfills, fleet.store, fleet.queues, {
      chunkSize: 4,
      attempts: 1,
      resultTtlSeconds: 600,
      maxQueuedChunks: 100,
      policy: { maxTextChars: 100, longTextPolicy: 'truncate' },
    });
    async function* records() {
      yield { line: 1, id: 'a', text: 'hello', fields: { id: 'a' } };
      yield { line: 2, id: 'b', error: { code: 'LINE_MALFORMED' as const, message: 'bad' } };
      yield { line: 3, id: 'c', text: 'there', fields: { id: 'c' } };
    }
    await ingestor.ingest(TENANT, 'bfx', { format: 'ndjson', textField: 'text', idField: 'id' }, records());
    consumer(gate(), { chunkTimeoutMs: 300 });
    await until(async () => (await backfills.requireRecord(TENANT, 'bfx')).finishedAt !== undefined);
    const out = [];
    for await (const line of new BackfillReader(backfills).lines(await backfills.requireRecord(TENANT, 'bfx')))
      out.push(JSON.parse(line.json) as { line: number; error: { code: string } });
    expect(out.map((l) => [l.line, l.error.code])).toEqual([
      [1, 'CHUNK_FAILED'],
      [2, 'LINE_MALFORMED'],
      [3, 'CHUNK_FAILED'],
    ]);
  });
});
