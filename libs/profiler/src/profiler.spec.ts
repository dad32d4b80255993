import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Profiler, type ProfilerOptions } from './profiler';
import type { SpanRecord, TraceStore } from './tracing/span-record';
import { TraceRecorder } from './tracing/trace-recorder';

const options = (over: Partial<ProfilerOptions> = {}): ProfilerOptions => ({
  enabled: true,
  sampleRate: 1,
  windowMs: 60_000,
  role: 'worker',
  registry: new Registry(),
  model: 'tiny@abc',
  source: 'w1',
  ...over,
});

async function metric(registry: Registry, name: string) {
  return (await registry.getMetricsAsJSON()).find((m) => m.name === name);
}

describe(Profiler.name, () => {
  describe('observe', () => {
    it('feeds the stage histogram with model, queue and priority labels, and the window per text', async () => {
      const sut = new Profiler(options());
      sut.observe('inference', 40, { labels: { queue: 'bulk', priority: 'bulk' }, count: 32 });
      sut.observe('l1', 0.2);
      const text = await sut.registry.metrics();
      expect(text).toContain('emo_stage_duration_seconds_count{stage="inference",model="tiny@abc",queue="bulk",priority="bulk"} 1');
      expect(text).toContain('emo_stage_duration_seconds_sum{stage="l1",model="tiny@abc",queue="none",priority="none"} 0.0002');
      const snap = sut.snapshot();
      expect(snap.stages.inference?.count).toBe(32);
      expect(snap.stages.l1?.count).toBe(1);
    });

    it('records no stage timing at sample rate 0 while counters stay exact', async () => {
      const sut = new Profiler(options({ sampleRate: 0 }));
      sut.observe('inference', 40);
      sut.countTexts(10, { errors: 1 });
      expect(sut.snapshot().stages).toEqual({});
      expect(sut.snapshot().texts).toBe(10);
      const texts = await metric(sut.registry, 'emo_texts_processed_total');
      expect(texts?.values.map((v) => [v.labels.outcome, v.value])).toEqual([
        ['ok', 9],
        ['error', 1],
      ]);
    });

    it('keeps about sampleRate of the timings', () => {
      let i = 0;
      const sut = new Profiler(options({ sampleRate: 0.25, random: () => (i++ % 4) / 4 }));
      for (let k = 0; k < 100; k++) sut.observe('tokenization', 1);
      expect(sut.snapshot().stages.tokenization?.count).toBe(25);
    });
  });

  describe('time', () => {
    it('times sync and async work and returns its result', async () => {
      const sut = new Profiler(options());
      expect(sut.time('postprocess', () => 7)).toBe(7);
      await expect(sut.time('l2', async () => 'x')).resolves.toBe('x');
      expect(sut.snapshot().stages.postprocess?.count).toBe(1);
      expect(sut.snapshot().stages.l2?.count).toBe(1);
    });

    it('still records the time of work that fails, and rethrows', async () => {
      const sut = new Profiler(options());
      expect(() =>
        sut.time('validation', () => {
          throw new Error('bad');
        }),
      ).toThrow('bad');
      await expect(sut.time('enqueue', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
      expect(Object.keys(sut.snapshot().stages).sort()).toEqual(['enqueue', 'validation']);
    });
  });

  describe('start', () => {
    it('lets the caller give the count when the stage ends', () => {
      const sut = new Profiler(options());
      const end = sut.start('batch_wait');
      end(12);
      expect(sut.snapshot().stages.batch_wait?.count).toBe(12);
    });
  });

  describe('observeBatch', () => {
    it('exports batch size, padded tokens and busy time, and marks batches at the budget maximum', async () => {
      // An injected clock: the batches ran after the window started (busy time is clipped to it).
      let now = 10_000;
      const sut = new Profiler(options({ now: () => now }));
      now = 10_100;
      sut.setCapacity({ slots: 2, maxBudgetTokens: 4096 });
      sut.observeBatch({ texts: 32, paddedTokens: 4000, realTokens: 2000, inferMs: 50, budgetTokens: 4096 });
      sut.observeBatch({ texts: 8, paddedTokens: 800, realTokens: 700, inferMs: 10, budgetTokens: 1024 });
      const snap = sut.snapshot();
      expect(snap.batches).toMatchObject({
        count: 2,
        texts: 40,
        paddedTokens: 4800,
        realTokens: 2700,
        atMaxBudget: 1,
        maxBudgetTokens: 4096,
      });
      expect(snap.device).toMatchObject({ busyMs: 60, slots: 2 });
      const text = await sut.registry.metrics();
      expect(text).toContain('emo_batch_size_texts_count{model="tiny@abc"} 2');
      expect(text).toContain('emo_batch_tokens_total{model="tiny@abc",kind="padded"} 4800');
      expect(text).toContain('emo_inference_busy_seconds_total{model="tiny@abc"} 0.06');
    });

    it('counts a batch run as length-sorted runs at the maximum by what budgets count, and its padding by what ran', () => {
      const sut = new Profiler(options());
      sut.setCapacity({ slots: 1, maxBudgetTokens: 4096 });
      // 64 texts × 60 tokens = 3,840 under the budget (over 0.75 of it); the runs computed 2,000.
      sut.observeScheduledBatch({
        texts: 64,
        paddedTokens: 2000,
        budgetCostTokens: 3840,
        realTokens: 1900,
        latencyMs: 5,
        inferMs: 4,
        urgent: false,
      });
      sut.observeScheduledBatch({ texts: 64, paddedTokens: 2000, realTokens: 1900, latencyMs: 5, inferMs: 4, urgent: false });
      expect(sut.snapshot().batches).toMatchObject({ count: 2, paddedTokens: 4000, realTokens: 3800, atMaxBudget: 1 });
    });
  });

  describe('disabled', () => {
    it('records nothing and registers no metric', async () => {
      const sut = new Profiler(options({ enabled: false }));
      sut.observe('inference', 5);
      sut.countTexts(3);
      expect(sut.time('l1', () => 1)).toBe(1);
      expect(sut.snapshot().texts).toBe(0);
      expect(await sut.registry.getMetricsAsJSON()).toEqual([]);
    });
  });

  describe('tracing', () => {
    it('keeps the spans of traced jobs, even when the timing is not sampled', async () => {
      const stored = new Map<string, SpanRecord[]>();
      const store: TraceStore = {
        async appendSpans(id, spans) {
          stored.set(id, [...(stored.get(id) ?? []), ...spans]);
        },
        async spans(id) {
          return stored.get(id) ?? [];
        },
      };
      const tracer = new TraceRecorder({ store, retentionSeconds: 60 });
      const sut = new Profiler(options({ tracer, sampleRate: 0, now: () => 10_000 }));
      sut.observe('queue_wait', 120, { traceId: 'job-1', count: 64 });
      sut.observe('inference', 30, { traceId: 'job-1', count: 64 });
      sut.observe('inference', 30);
      await tracer.flush();
      expect(await store.spans('job-1')).toEqual([
        { stage: 'queue_wait', start: 9880, ms: 120, count: 64, source: 'w1' },
        { stage: 'inference', start: 9970, ms: 30, count: 64, source: 'w1' },
      ]);
    });
  });
});
