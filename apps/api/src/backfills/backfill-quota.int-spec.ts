// issue 15: a backfill upload counts against its tenant's rate and backlog share. A streamed upload
// waits instead of failing mid-stream: before each chunk the gate (TenantQuota.backfillGate) takes
// the chunk's texts from the tenant's bucket (waiting its retry-after) and counts them as the
// tenant's queued texts (tenant only: the queue's own sums are untouched), waiting while that would
// pass the share. Before, uploads took neither. Real Redis; verdicts by construction: the bucket's
// clock moves only when the gate waits, and the worker starts only once the gate first waits.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SCOPES, type Classifier, type ClassifyOutcome, type RecordOutcome, type Tenant } from '@emo/contracts';
import { BackfillIngestor, BackfillStore, FleetClient, TenantQuotaStore, type ChunkConsumer, type ChunkGate } from '@emo/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TenantQuota } from '../tenancy/tenant-quota';
import { apiRedisTargets } from '../testing/redis-targets';

const mapping = { format: 'ndjson' as const, textField: 'text', idField: 'id' };

const tenantWith = (id: string, textsPerSecond: number, maxQueuedTexts: number): Tenant => ({
  id,
  scopes: new Set(SCOPES),
  limits: { textsPerSecond, maxQueuedTexts, weight: 1 },
});

async function* records(n: number): AsyncGenerator<RecordOutcome> {
  for (let i = 0; i < n; i++) yield { line: i + 1, id: `m${i}`, text: `text ${i}`, fields: { id: `m${i}` } };
}

const classifier: Classifier = {
  async classify(batch: readonly string[]): Promise<ClassifyOutcome[]> {
    return batch.map(() => ({ labels: [{ label: 'joy', score: 1 }], model: 'fake@1' }));
  },
};

describe.each(apiRedisTargets())('backfill uploads under tenant quotas (TenantQuota.backfillGate), on $name', ({ available, runtime }) => {
  if (!available) {
    it.skip('needs its Redis');
    return;
  }
  let fleet: FleetClient;
  let store: BackfillStore;
  let quotaStore: TenantQuotaStore;
  let consumer: ChunkConsumer | undefined;
  beforeEach(() => {
    fleet = new FleetClient({
      runtime: { ...runtime, queuePrefix: `test-bfq-${randomUUID().slice(0, 8)}` },
      fleet: { jobChunkSize: 10, jobAttempts: 2, resultTtlSeconds: 600 },
      api: { classifyDeadlineMs: 1000 },
    });
    store = new BackfillStore(fleet.redis, fleet.keys, 600);
    quotaStore = new TenantQuotaStore(fleet.redis, fleet.keys);
  });
  afterEach(async () => {
    await consumer?.close(5000);
    consumer = undefined;
    await fleet.purge();
    await fleet.close();
  });
  const ingestor = () =>
    new BackfillIngestor(store, fleet.store, fleet.queues, {
      chunkSize: 10,
      attempts: 2,
      resultTtlSeconds: 600,
      maxQueuedChunks: 1000,
      policy: { maxTextChars: 1000, longTextPolicy: 'truncate' },
      groupChunks: 4,
    });

  it("never has more than the tenant's share queued, waits for the worker instead, leaves other tenants alone and completes", async () => {
    const a = tenantWith('a', 0, 10); // a share of one chunk's texts
    let waits = 0;
    let other: Promise<unknown> | undefined;
    const quota = new TenantQuota(quotaStore, {
      burstSeconds: 1,
      sleep: async () => {
        waits++;
        if (!consumer) {
          // The share is full: tenant b is still admitted, and the queue's own sums hold none of a's texts.
          other = fleet.producer.submit({ tenant: 'b', tenantMaxQueuedTexts: 10, items: [{ text: 'b' }], priority: 'bulk' });
          await other;
          consumer = fleet.startConsumer(classifier, { concurrency: { interactive: 1, bulk: 1 }, lockDurationMs: 5000 });
        }
        await sleep(5);
      },
    });
    const inner = quota.backfillGate(a)!;
    const observed: number[] = [];
    const bulkTexts: number[] = [];
    const gate: ChunkGate = {
      async beforeChunks(chunks) {
        await inner.beforeChunks(chunks);
        observed.push(await quotaStore.queuedTexts('a')); // this chunk counted, not yet queued
        if (!consumer) bulkTexts.push(await fleet.store.queuedTexts('bulk'));
      },
    };
    const result = await ingestor().ingest('a', 'big', mapping, records(50), () => true, 1, gate);
    expect(result).toMatchObject({ lines: 50, chunks: 5, queued: 5 });
    expect(observed).toEqual([10, 10, 10, 10, 10]); // each chunk alone: never two of a's chunks queued
    expect(waits).toBeGreaterThan(0); // the gate waited for the worker (by construction: it starts at the first wait)
    expect(bulkTexts).toEqual([0]); // backfill chunks are not in the queue's own admission sum
    await expect(other).resolves.toMatchObject({ created: true });
    for (let i = 0; i < 500 && (await store.record('a', 'big'))?.finishedAt === undefined; i++) await sleep(20);
    expect((await store.record('a', 'big'))?.finishedAt).toBeDefined();
    expect(await quotaStore.queuedTexts('a')).toBe(0); // every counted chunk was released at pick-up
  });

  it("paces a rate-limited tenant's upload at its rate: the gate waits for tokens", async () => {
    const clock = { ms: 9_000_000 };
    const waits: number[] = [];
    const quota = new TenantQuota(quotaStore, {
      burstSeconds: 1, // a bucket of 10 texts, 10 more per second
      now: () => clock.ms,
      sleep: async (ms) => {
        waits.push(ms);
        clock.ms += ms;
      },
    });
    const result = await ingestor().ingest('r', 'paced', mapping, records(50), () => true, 1, quota.backfillGate(tenantWith('r', 10, 0)));
    expect(result).toMatchObject({ chunks: 5, queued: 5 });
    expect(waits).toEqual([1000, 1000, 1000, 1000]); // the first chunk from the full bucket, each next one a second later
    expect((await fleet.queues.counts('bulk')).backlog).toBe(5);
  });

  it('counts chunks for the tenant only and releases them by chunk id (RESERVE_TEXTS tenant-only mode, RELEASE_TEXTS)', async () => {
    const chunks = [
      { chunkId: 'bf-x.0', texts: 4 },
      { chunkId: 'bf-x.1', texts: 3 },
    ];
    expect(await quotaStore.reserveOwn('t', 5, chunks)).toEqual({ admitted: true, tenantQueued: 7 }); // nothing queued: passes
    expect(await quotaStore.reserveOwn('t', 5, chunks)).toEqual({ admitted: true, tenantQueued: 7 }); // counted once
    expect(await quotaStore.reserveOwn('t', 5, [{ chunkId: 'bf-x.2', texts: 1 }])).toEqual({ admitted: false, tenantQueued: 7 });
    expect(await fleet.store.queuedTexts('bulk')).toBe(0);
    expect(await fleet.store.releaseTexts(['bf-x.0'], { pickup: true })).toBe(0); // no queue-level texts released
    expect(await quotaStore.queuedTexts('t')).toBe(3);
    await fleet.store.releaseTexts(['bf-x.1', 'bf-x.1']);
    expect(await quotaStore.queuedTexts('t')).toBe(0);
    expect(await fleet.redis.hkeys(fleet.keys.queuedTexts('bulk'))).toEqual([]); // nothing left behind
  });
});
