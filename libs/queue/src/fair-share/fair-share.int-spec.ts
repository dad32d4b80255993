// Fair share of the bulk queue between tenants (ADR 014), on the real Redis with real BullMQ
// workers and a fake classifier. Verdicts by construction: one worker takes one chunk at a time
// and the classifier records whose chunk each call is, in order; it holds a chosen call until the
// test has submitted the next tenant's job, so "after B submits" is an exact point in that order.
// With FIFO (fair share off) B's first chunk comes after A's whole backlog: these fail on the
// code before fair share. Runs on the one test Redis and on the test Redis Cluster (testing/redis-targets.ts).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { BulkShare, Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import type { ChunkConsumer } from '../chunk-consumer';
import { chunkJob } from '../chunk-job';
import { FleetClient } from '../fleet-client';
import { chunkJobId } from '../fleet-keys';
import { redisTargets } from '../testing/redis-targets';

const CHUNK = 64;
const texts = (tenant: string, chunks: number) => Array.from({ length: chunks * CHUNK }, (_, i) => ({ text: `${tenant} ${i}` }));

/** Records whose chunk each call is (the tenant in its first text) and the share it came with; holds chosen calls. */
class RecordingClassifier implements Classifier {
  readonly calls: { tenant: string; share?: BulkShare }[] = [];
  private readonly holds = new Map<number, { reached: () => void; released: Promise<void> }>();

  /** Call `n` (1-based) waits for `release()`; `reached` resolves once it started. */
  hold(n: number): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const started = new Promise<void>((r) => (reached = r));
    const released = new Promise<void>((r) => (release = r));
    this.holds.set(n, { reached, released });
    return { reached: started, release };
  }

  async classify(input: readonly unknown[], options?: ClassifyOptions): Promise<ClassifyOutcome[]> {
    this.calls.push({ tenant: String(input[0]).split(' ')[0], share: options?.share });
    const hold = this.holds.get(this.calls.length);
    if (hold) {
      hold.reached();
      await hold.released;
    }
    return input.map(() => ({ labels: [], model: 'fake@1' }));
  }

  /** Tenants of the calls after the first `n`. */
  after(n: number): string[] {
    return this.calls.slice(n).map((c) => c.tenant);
  }
}

/** How many of `other`'s chunks came before each chunk of `tenant` in `order`. */
function aheadOf(order: readonly string[], tenant: string): number[] {
  const ahead: number[] = [];
  let others = 0;
  for (const t of order) {
    if (t === tenant) ahead.push(others);
    else others++;
  }
  return ahead;
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(redisTargets())('fair share of the bulk queue, on $name', ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient | undefined;
  let consumer: ChunkConsumer | undefined;

  const stop = async () => {
    await consumer?.close(5000);
    await fleet?.purge();
    await fleet?.close();
    consumer = fleet = undefined;
  };
  afterEach(stop);

  function start(fairShare: boolean): { fleet: FleetClient; classifier: RecordingClassifier; consume: () => void } {
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-fair-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: CHUNK, jobAttempts: 1, resultTtlSeconds: 600, fairShareEnabled: fairShare },
      api: { classifyDeadlineMs: 5000 },
    });
    const classifier = new RecordingClassifier();
    const f = fleet;
    // One chunk at a time: the order calls start is the order chunks were picked up.
    const consume = () =>
      void (consumer = f.startConsumer(classifier, { concurrency: { interactive: 1, bulk: 1 }, lockDurationMs: 10_000 }));
    return { fleet: f, classifier, consume };
  }

  const submit = (f: FleetClient, tenant: string, chunks: number, weight?: number) =>
    f.producer.submit({ tenant, items: texts(tenant, chunks), priority: 'bulk', tenantWeight: weight });

  const finished = async (f: FleetClient, tenant: string, jobIds: readonly string[]) =>
    until(async () => (await Promise.all(jobIds.map((id) => f.producer.status(id, tenant)))).every((s) => s.state === 'completed'));

  /** A's 60-chunk backlog is running (its 3rd chunk held) when B submits `bChunks`; the order of the chunks after that. */
  async function backlogThenB(fairShare: boolean, bChunks: number, weights: { a?: number; b?: number } = {}) {
    const { fleet: f, classifier, consume } = start(fairShare);
    const held = classifier.hold(3);
    const a = await submit(f, 'a', 60, weights.a);
    consume();
    await held.reached;
    const b = await submit(f, 'b', bChunks, weights.b);
    held.release();
    await finished(f, 'a', [a.jobId]);
    await finished(f, 'b', [b.jobId]);
    return { order: classifier.after(3), classifier };
  }

  it("takes B's chunks within one of A's per B chunk after B submits, not after A's backlog (weights 1:1)", async () => {
    const { order, classifier } = await backlogThenB(true, 10);
    // After B submitted, B's chunk k + 1 (k = 0..9) has at most k of A's chunks before it: turns.
    const ahead = aheadOf(order, 'b');
    expect(ahead).toHaveLength(10);
    ahead.forEach((n, k) => expect(n, `A's chunks before B's chunk ${k + 1}`).toBeLessThanOrEqual(k));
    // The worker's engine gets each chunk's tenant and weight, to share its batches the same way.
    expect(new Set(classifier.calls.map((c) => JSON.stringify(c.share)))).toEqual(
      new Set([JSON.stringify({ tenant: 'a', weight: 1 }), JSON.stringify({ tenant: 'b', weight: 1 })]),
    );
  });

  it("with fair share off (FIFO), B's first chunk waits for all of A's backlog", async () => {
    const { order, classifier } = await backlogThenB(false, 10);
    expect(aheadOf(order, 'b')[0]).toBe(57);
    expect(classifier.calls.every((c) => c.share === undefined)).toBe(true);
  });

  it('gives a tenant of weight 2 two chunks for each of a tenant of weight 1, either way round', async () => {
    const heavyB = aheadOf((await backlogThenB(true, 10, { b: 2 })).order, 'b');
    heavyB.forEach((n, k) => expect(n, `A's chunks before B's chunk ${k + 1}`).toBeLessThanOrEqual(Math.ceil(k / 2)));
    await stop();
    const heavyA = aheadOf((await backlogThenB(true, 10, { a: 2 })).order, 'b');
    heavyA.forEach((n, k) => expect(n, `A's chunks before B's chunk ${k + 1}`).toBeLessThanOrEqual(2 * k));
    // ... and B is not served faster than its share either: A had two chunks per B chunk.
    expect(heavyA[9]).toBeGreaterThanOrEqual(2 * 9 - 1);
  });

  it('serves a tenant coming back after an idle time at its share, without a burst of credit for the time it was idle', async () => {
    const { fleet: f, classifier, consume } = start(true);
    const first = classifier.hold(3);
    const second = classifier.hold(3 + 3 + 30); // after b's first job and 30 more of a's chunks
    const a = await submit(f, 'a', 60);
    consume();
    await first.reached;
    const b1 = await submit(f, 'b', 3);
    first.release();
    await second.reached;
    expect(classifier.after(3).filter((t) => t === 'b')).toHaveLength(3); // b1 done: b was idle since
    const b2 = await submit(f, 'b', 10);
    second.release();
    await finished(f, 'a', [a.jobId]);
    await finished(f, 'b', [b1.jobId, b2.jobId]);
    // Back at one of A's per B chunk: not ten in a row for the 30 of A's chunks it did not ask for.
    const ahead = aheadOf(classifier.after(36), 'b');
    ahead.forEach((n, k) => expect(n, `A's chunks before B's chunk ${k + 1}`).toBeLessThanOrEqual(k));
    expect(ahead[9]).toBeGreaterThanOrEqual(9 - 1);
  });

  it('charges a tenant nothing for queueing chunks that are queued already (a resumed upload)', async () => {
    const { fleet: f } = start(true);
    const { jobId } = await submit(f, 'a', 5);
    await submit(f, 'b', 1);
    const mark = () => f.redis.hget(f.keys.fairShare, 't:a');
    const priority = async () => (await f.queues.queue('bulk').getJob(chunkJobId(jobId, 4)))?.priority;
    const [before, priorityBefore] = [await mark(), await priority()];
    const jobs = [0, 1, 2, 3, 4].map((chunk) =>
      chunkJob({ jobId, tenant: 'a', chunk, priority: 'bulk', items: texts('a', 1) }, { attempts: 1, keepFailedSeconds: 600 }),
    );
    await f.queues.add(jobs);
    expect(await mark()).toBe(before);
    expect(await priority()).toBe(priorityBefore);
    expect(Number(before)).toBe(5 * CHUNK);
  });
});
