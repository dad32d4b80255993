// Backfill ingestion on the real Redis with a recording fake classifier: an upload cut short is
// not sealed and resumes with the same id (chunks done before are skipped, every line comes back
// exactly once, nothing is classified twice); the upload pauses while the bulk queue is full.
// Runs on the one test Redis and on the test Redis Cluster (testing/redis-targets.ts).
import { randomUUID } from 'node:crypto';
import type { RecordOutcome } from '@emo/contracts';
import { Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChunkConsumer } from '../chunk-consumer';
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { FleetClient } from '../fleet-client';
import { createRedis } from '../redis-connection';
import { redisTargets } from '../testing/redis-targets';
import { BackfillIngestor } from './backfill-ingestor';
import { BackfillReader } from './backfill-reader';
import { backfillStatusFromRecord } from './backfill-status';
import { BackfillStore } from './backfill-store';

/** The tenant that owns this spec's jobs. */
const TENANT = 'acme';

const mapping = { format: 'ndjson' as const, textField: 'text', idField: 'id' };
const policy = { maxTextChars: 1000, longTextPolicy: 'truncate' as const };

async function* records(n: number, failAfter?: number): AsyncGenerator<RecordOutcome> {
  for (let i = 0; i < n; i++) {
    if (failAfter !== undefined && i === failAfter) throw new Error('connection reset');
    yield { line: i + 1, id: `m${i}`, text: `text ${i}`, fields: { id: `m${i}`, user: `u${i % 2}` } };
  }
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(redisTargets())(`${BackfillIngestor.name} on $name`, ({ available, runtime, endpoint }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient;
  let store: BackfillStore;
  let consumer: ChunkConsumer | undefined;
  const texts: string[] = [];
  const classifier: Classifier = {
    async classify(batch: readonly string[]): Promise<ClassifyOutcome[]> {
      texts.push(...batch);
      return batch.map(() => ({ labels: [{ label: 'joy', score: 1 }], model: 'fake@1' }));
    },
  };
  const sut = (maxQueuedChunks = 1000, sleep?: (ms: number) => Promise<void>) =>
    new BackfillIngestor(store, fleet.store, fleet.queues, {
      chunkSize: 10,
      attempts: 2,
      resultTtlSeconds: 600,
      maxQueuedChunks,
      policy,
      groupChunks: 2,
      sleep,
    });

  beforeEach(() => {
    texts.length = 0;
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-bfi-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: 10, jobAttempts: 2, resultTtlSeconds: 600 },
      api: { classifyDeadlineMs: 1000 },
    });
    store = new BackfillStore(fleet.redis, fleet.keys, 600);
  });
  afterEach(async () => {
    await consumer?.close(5000);
    consumer = undefined;
    await fleet.purge();
    await fleet.close();
  });

  describe('ingest', () => {
    it('leaves an interrupted upload unsealed and resumes it with the same id, each line once', async () => {
      consumer = fleet.startConsumer(classifier, { concurrency: { interactive: 1, bulk: 4 }, lockDurationMs: 5000 });
      await expect(sut().ingest(TENANT, 'b1', mapping, records(95, 47))).rejects.toThrow('connection reset');
      const cut = await store.requireRecord(TENANT, 'b1');
      expect(backfillStatusFromRecord(cut)).toMatchObject({ state: 'uploading', total: null, upload: { lines: 40, complete: false } });
      await until(async () => (await store.requireRecord(TENANT, 'b1')).chunksDone === 4);
      const resumed = await sut().ingest(TENANT, 'b1', mapping, records(95));
      expect(resumed).toMatchObject({ created: false, lines: 95, chunks: 10, skipped: 4, queued: 6 });
      await until(async () => (await store.requireRecord(TENANT, 'b1')).finishedAt !== undefined);
      const lines = [];
      for await (const l of new BackfillReader(store).lines(await store.requireRecord(TENANT, 'b1')))
        lines.push(JSON.parse(l.json) as { line: number; id: string; user: string });
      expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 95 }, (_, i) => i + 1));
      expect(lines[94]).toMatchObject({ id: 'm94', user: 'u0', labels: [{ label: 'joy', score: 1 }] });
      expect(texts).toHaveLength(95);
      expect(new Set(texts).size).toBe(95);
    });

    it('writes again, on resume, the inputs of a stored chunk that a failover lost, so its lines are read back', async () => {
      // What a master crash can leave (cluster-failover.e2e-spec.ts, seed 18): the upload's inputs of
      // chunk 1 lost with the old master, its results stored (and replicated) after the failover, and
      // the upload answered 503 and sent again. Before: the resume skipped the stored chunk, its inputs
      // stayed missing, and the reader stopped there (10 of 30 lines from a completed backfill).
      consumer = fleet.startConsumer(classifier, { concurrency: { interactive: 1, bulk: 4 }, lockDurationMs: 5000 });
      await sut().ingest(TENANT, 'b4', mapping, records(30));
      await until(async () => (await store.requireRecord(TENANT, 'b4')).finishedAt !== undefined);
      const jobId = store.jobId(TENANT, 'b4');
      await fleet.redis.hdel(store.inputsKey(jobId), '1', 'd1');
      // Read before the repair: a completed backfill missing a chunk fails loudly, after the lines before it.
      const before: number[] = [];
      const read = async () => {
        for await (const l of new BackfillReader(store).lines(await store.requireRecord(TENANT, 'b4'))) before.push(l.entry[0]);
      };
      await expect(read()).rejects.toMatchObject({ code: 'BACKFILL_RESULTS_MISSING' });
      expect(before).toHaveLength(10);
      expect(await sut().ingest(TENANT, 'b4', mapping, records(30))).toMatchObject({ queued: 0, skipped: 3 });
      const lines = [];
      for await (const l of new BackfillReader(store).lines(await store.requireRecord(TENANT, 'b4')))
        lines.push(JSON.parse(l.json) as { line: number });
      expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(texts).toHaveLength(30);
    });

    it('retries, on resume, a chunk that BullMQ failed without storing results before any worker settled it', async () => {
      // (A worker settles such a chunk with CHUNK_FAILED lines, failed-chunks.int-spec.ts; a resume then skips it.)
      const connection = createRedis(endpoint, { blocking: true });
      const failing = new Worker(
        'bulk',
        async () => {
          throw new Error('lost');
        },
        { connection, prefix: fleet.keys.bullPrefix },
      );
      await sut().ingest(TENANT, 'b3', mapping, records(10));
      await until(async () => (await fleet.queues.counts('bulk')).failed === 1);
      await failing.close();
      await connection.quit();
      expect(await sut().ingest(TENANT, 'b3', mapping, records(10))).toMatchObject({ queued: 1, skipped: 0 });
      consumer = fleet.startConsumer(classifier, { concurrency: { interactive: 1, bulk: 4 }, lockDurationMs: 5000 });
      await until(async () => (await store.requireRecord(TENANT, 'b3')).finishedAt !== undefined);
      expect(texts).toHaveLength(10);
    });

    it('pauses reading while the bulk queue holds more chunks than allowed', async () => {
      const waits: number[] = [];
      let consumerStarted = false;
      const sleep = async (ms: number) => {
        waits.push(ms);
        if (!consumerStarted) {
          consumerStarted = true;
          consumer = fleet.startConsumer(classifier, { concurrency: { interactive: 1, bulk: 4 }, lockDurationMs: 5000 });
        }
        await new Promise((r) => setTimeout(r, 20));
      };
      const result = await sut(2, sleep).ingest(TENANT, 'b2', mapping, records(60));
      expect(result).toMatchObject({ lines: 60, chunks: 6, queued: 6 });
      expect(waits.length).toBeGreaterThan(0);
      await until(async () => (await store.requireRecord(TENANT, 'b2')).finishedAt !== undefined);
    });
  });
});
