// The fleet's Redis side on the real Redis: submit → consume → status/results, idempotency,
// reruns, cancellation, deadlines. The classifier is a recording fake (no ORT here). Runs on the
// one test Redis and, when the global setup started one (REQUIRE_REDIS_CLUSTER=1), on the test
// Redis Cluster as well (REDIS_CLUSTER_NODES: keys hash-tagged per slot, split-submit.ts).
import { randomUUID } from 'node:crypto';
import { AppError } from '@emo/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import { ChunkProcessor } from './chunk-processor';
import type { ChunkConsumer } from './chunk-consumer';
import { FleetClient } from './fleet-client';
import { redisTargets } from './testing/redis-targets';

/** The tenant that owns this spec's jobs. */
const TENANT = 'acme';

class RecordingClassifier implements Classifier {
  readonly calls: string[][] = [];
  readonly options: (ClassifyOptions | undefined)[] = [];
  failWith?: AppError;
  async classify(texts: readonly string[], options?: ClassifyOptions): Promise<ClassifyOutcome[]> {
    this.calls.push([...texts]);
    this.options.push(options);
    if (this.failWith) throw this.failWith;
    return texts.map((t) =>
      t.trim() === '' ? { error: { code: 'TEXT_EMPTY', message: 'empty' } } : { labels: [{ label: t, score: 1 }], model: 'fake@1' },
    );
  }
}

const TARGETS = redisTargets();
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, text: `text ${i}` }));

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(TARGETS)(`${FleetClient.name} on $name`, ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let sut: FleetClient;
  let classifier: RecordingClassifier;
  let consumer: ChunkConsumer | undefined;
  let prefix: string;

  beforeEach(() => {
    prefix = `test-fleet-${randomUUID().slice(0, 8)}`;
    sut = new FleetClient({
      runtime: { ...runtime, queuePrefix: prefix },
      fleet: { jobChunkSize: 64, jobAttempts: 2, resultTtlSeconds: 600 },
      api: { classifyDeadlineMs: 5000 },
    });
    classifier = new RecordingClassifier();
    consumer = undefined;
  });

  afterEach(async () => {
    await consumer?.close(5000);
    await sut.purge();
    await sut.close();
  });

  const start = () => {
    consumer = sut.startConsumer(classifier, { concurrency: { interactive: 4, bulk: 8 }, lockDurationMs: 10_000 });
  };

  describe('submit and consume', () => {
    it('stores one line per item, in input order, and reports the job completed', async () => {
      const { jobId } = await sut.producer.submit({ tenant: TENANT, items: items(130), priority: 'bulk' });
      expect((await sut.queues.counts('bulk')).backlog).toBe(3);
      start();
      await until(async () => (await sut.producer.status(jobId, TENANT)).state === 'completed');
      const status = await sut.producer.status(jobId, TENANT);
      expect(status).toMatchObject({ total: 130, done: 130, succeeded: 130, failed: 0, model: 'fake@1', chunks: { total: 3, done: 3 } });
      const record = await sut.store.requireRecord(jobId);
      const lines: { id: string }[] = [];
      for await (const l of sut.store.readLines(record)) lines.push(JSON.parse(l));
      expect(lines.map((l) => l.id)).toEqual(items(130).map((i) => i.id));
      const fromOffset: string[] = [];
      for await (const l of sut.store.readLines(record, 100)) fromOffset.push(JSON.parse(l).id);
      expect(fromOffset).toEqual(
        items(130)
          .slice(100)
          .map((i) => i.id),
      );
    });

    it('returns the same job for the same idempotency key and queues its chunks once', async () => {
      const first = await sut.producer.submit({ tenant: TENANT, items: items(100), priority: 'bulk', idempotencyKey: 'k1' });
      const second = await sut.producer.submit({ tenant: TENANT, items: items(100), priority: 'bulk', idempotencyKey: 'k1' });
      expect(second).toEqual({ jobId: first.jobId, created: false });
      expect((await sut.queues.counts('bulk')).backlog).toBe(2);
      // Another payload under the key (here another item count: it was 422 REQUEST_INVALID naming the job).
      await expect(sut.producer.submit({ tenant: TENANT, items: items(5), priority: 'bulk', idempotencyKey: 'k1' })).rejects.toMatchObject({
        code: 'IDEMPOTENCY_CONFLICT',
      });
    });

    it('with admission: a keyed job is created once, reserved once, and a request past the limit writes nothing', async () => {
      await sut.close();
      sut = new FleetClient({
        runtime: { ...runtime, queuePrefix: prefix },
        fleet: { jobChunkSize: 64, jobAttempts: 2, resultTtlSeconds: 600 },
        api: { classifyDeadlineMs: 5000, queueBacklogTextsInteractive: 1000, queueBacklogTextsBulk: 250 },
      });
      const request = { tenant: TENANT, items: items(100), priority: 'bulk' as const, idempotencyKey: 'k2' };
      // Two requests racing on one key: one job; on a cluster the loser may reserve before it claims the key, and gives its texts back.
      const [a, b] = await Promise.all([sut.producer.submit(request), sut.producer.submit(request)]);
      expect(b.jobId).toBe(a.jobId);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect(await sut.store.queuedTexts('bulk')).toBe(100);
      expect((await sut.queues.counts('bulk')).backlog).toBe(2);
      await expect(
        sut.producer.submit({ tenant: TENANT, items: items(200), priority: 'bulk', idempotencyKey: 'k3' }),
      ).rejects.toMatchObject({
        code: 'OVERLOADED',
      });
      expect(await sut.store.queuedTexts('bulk')).toBe(100);
      // The refused key names no job: the same request is a new job once there is room.
      start();
      await until(async () => (await sut.producer.status(a.jobId, TENANT)).state === 'completed');
      const again = await sut.producer.submit({ tenant: TENANT, items: items(200), priority: 'bulk', idempotencyKey: 'k3' });
      expect(again.created).toBe(true);
      await until(async () => (await sut.producer.status(again.jobId, TENANT)).state === 'completed');
    });

    it('reports item errors in place and counts them as failed', async () => {
      const { jobId } = await sut.producer.submit({
        tenant: TENANT,
        items: [{ text: 'a' }, { text: '  ' }, { text: 'c' }],
        priority: 'interactive',
      });
      start();
      await until(async () => (await sut.producer.status(jobId, TENANT)).state === 'completed');
      expect(await sut.producer.status(jobId, TENANT)).toMatchObject({ done: 3, succeeded: 2, failed: 1 });
    });
  });

  describe('reruns', () => {
    it('never stores or counts a chunk twice when it runs again', async () => {
      const { jobId } = await sut.producer.submit({ tenant: TENANT, items: items(64), priority: 'bulk' });
      const processor = new ChunkProcessor(classifier, sut.store);
      const data = { jobId, tenant: TENANT, chunk: 0, priority: 'bulk' as const, items: items(64) };
      expect(await processor.process(data)).toBe('stored');
      expect(await processor.process(data)).toBe('duplicate');
      // Two runs racing past the "already stored?" check: the store script still keeps one.
      const lines = { payload: 'x', failed: 0, cancelled: 0 };
      expect(await sut.store.storeChunk(jobId, 0, 64, lines)).toBe('duplicate');
      const status = await sut.producer.status(jobId, TENANT);
      expect(status).toMatchObject({ done: 64, chunks: { done: 1 } });
      expect(classifier.calls).toHaveLength(1);
    });
  });

  describe('failures', () => {
    it('turns a non-retryable engine error into error lines, so the job still finishes', async () => {
      classifier.failWith = new AppError('MODEL_CORRUPT');
      const { jobId } = await sut.producer.submit({ tenant: TENANT, items: items(70), priority: 'bulk' });
      start();
      await until(async () => (await sut.producer.status(jobId, TENANT)).state === 'completed');
      expect(await sut.producer.status(jobId, TENANT)).toMatchObject({ done: 70, failed: 70 });
      expect(classifier.calls).toHaveLength(2); // one call per chunk: no retry
    });

    it('retries a retryable error, then gives up with error lines on the last attempt', async () => {
      classifier.failWith = new AppError('INFERENCE_FAILED');
      const { jobId } = await sut.producer.submit({ tenant: TENANT, items: items(10), priority: 'bulk' });
      start();
      await until(async () => (await sut.producer.status(jobId, TENANT)).state === 'completed');
      expect(classifier.calls).toHaveLength(2); // attempts: 2
      const record = await sut.store.requireRecord(jobId);
      for await (const l of sut.store.readLines(record)) expect(JSON.parse(l).error.code).toBe('INFERENCE_FAILED');
    });
  });

  describe('cancel', () => {
    it('removes queued chunks and gives their items JOB_CANCELLED lines', async () => {
      const { jobId } = await sut.producer.submit({ tenant: TENANT, items: items(200), priority: 'bulk' });
      const status = await sut.producer.cancel(jobId, TENANT);
      expect(status).toMatchObject({ state: 'cancelled', done: 200, cancelled: 200, succeeded: 0 });
      expect((await sut.queues.counts('bulk')).backlog).toBe(0);
      const record = await sut.store.requireRecord(jobId);
      const ids: string[] = [];
      for await (const l of sut.store.readLines(record)) ids.push(JSON.parse(l).id);
      expect(ids).toEqual(items(200).map((i) => i.id));
    });

    it('answers JOB_NOT_FOUND for an unknown job', async () => {
      await expect(sut.producer.cancel('nope', TENANT)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    });
  });

  describe('FleetClassifier', () => {
    it('answers through the interactive queue', async () => {
      start();
      const fleet = await sut.fleetClassifier();
      const outcomes = await fleet.classify(['happy', 'sad']);
      expect(outcomes).toEqual([
        { labels: [{ label: 'happy', score: 1 }], model: 'fake@1' },
        { labels: [{ label: 'sad', score: 1 }], model: 'fake@1' },
      ]);
    });

    it('answers from the lines the finish message pushes to its inbox: neither the record nor the results are read', async () => {
      start();
      const fleet = await sut.fleetClassifier();
      const reads = [vi.spyOn(sut.store, 'requireRecord'), vi.spyOn(sut.store, 'readLines')];
      const outcomes = await fleet.classify(['pushed', ' ']);
      expect(outcomes).toEqual([
        { labels: [{ label: 'pushed', score: 1 }], model: 'fake@1' },
        { error: { code: 'TEXT_EMPTY', message: 'empty' } },
      ]);
      expect(reads.map((r) => r.mock.calls.length)).toEqual([0, 0]);
    });

    it('coalesces calls of one turn into one job on the real queue, each answered with its own texts', async () => {
      await sut.close();
      sut = new FleetClient({
        runtime: { ...runtime, queuePrefix: prefix },
        fleet: { jobChunkSize: 64, jobAttempts: 2, resultTtlSeconds: 600, classifyCoalesceMaxTexts: 256 },
        api: { classifyDeadlineMs: 5000 },
      });
      start();
      const fleet = await sut.fleetClassifier();
      const [one, two] = await Promise.all([fleet.classify(['first', 'second']), fleet.classify(['third'])]);
      expect(one).toEqual([
        { labels: [{ label: 'first', score: 1 }], model: 'fake@1' },
        { labels: [{ label: 'second', score: 1 }], model: 'fake@1' },
      ]);
      expect(two).toEqual([{ labels: [{ label: 'third', score: 1 }], model: 'fake@1' }]);
      expect(classifier.calls).toEqual([['first', 'second', 'third']]);
    });

    it('reads the results from the store when they are too big to push (over 256 KiB)', async () => {
      start();
      const fleet = await sut.fleetClassifier();
      const big = 'x'.repeat(300 * 1024);
      const readLines = vi.spyOn(sut.store, 'readLines');
      const outcomes = await fleet.classify([big]);
      expect(outcomes).toEqual([{ labels: [{ label: big, score: 1 }], model: 'fake@1' }]);
      expect(readLines).toHaveBeenCalledTimes(1);
    });

    it('tells the worker classifier that the caller already missed in L2 (cacheChecked), only when it did', async () => {
      start();
      const fleet = await sut.fleetClassifier();
      await fleet.classify(['checked'], { cacheChecked: true });
      await fleet.classify(['unchecked']);
      expect(classifier.calls).toEqual([['checked'], ['unchecked']]);
      expect(classifier.options.map((o) => o?.cacheChecked)).toEqual([true, undefined]);
    });

    it('fails with DEADLINE_EXCEEDED naming the job, whose results still land', async () => {
      const fleet = await sut.fleetClassifier();
      const err = (await fleet.classify(['late'], { deadlineAt: Date.now() + 100, tenant: TENANT }).catch((e) => e)) as AppError;
      expect(err.code).toBe('DEADLINE_EXCEEDED');
      const jobId = (err.details as { job_id: string }).job_id;
      start();
      await until(async () => (await sut.producer.status(jobId, TENANT)).state === 'completed');
      expect((await sut.producer.status(jobId, TENANT)).succeeded).toBe(1);
    });
  });
});
