// Synthetic windows for the staged scenarios (slow model, cold cache, too few workers) and the
// other rules, built through ProfileWindow with a fake clock as a worker would fill it; and
// windows recorded from a real local fleet (fixtures/*.window.json: the snapshots the processes
// published to Redis), as recorded and moved to just below / at each threshold.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../stages/stages';
import type { ProcessRole, ProfileSnapshot } from '../window/profile-snapshot';
import { ProfileWindow } from '../window/profile-window';
import { analyzeProfile, THRESHOLDS, trend } from './bottleneck-analyzer';

interface Load {
  role?: ProcessRole;
  source?: string;
  /** stage → per-text timing (ms) of each of `texts` texts. */
  stages: Partial<Record<Stage, number>>;
  texts?: number;
  chunkSize?: number;
  cache?: { l1: number; l2: number };
  batch?: { size: number; padded: number; inferMs: number; atMax?: boolean };
  slots?: number;
  concurrency?: number;
  active?: number;
  backlog?: [number, number];
  gpu?: { util: number; mem: number };
}

const WINDOW_MS = 60_000;

/**
 * Fills a 60 s window evenly with `texts` texts of the given per-stage timings. Each step's
 * observations are made at the end of its share of the window, so its batches finish inside the
 * window (busy time counts from the window's start on: a batch reported at its first instant
 * finished before it).
 */
function worker(load: Load): ProfileSnapshot {
  let now = 1_000_000;
  const sut = new ProfileWindow({ windowMs: WINDOW_MS, now: () => now });
  const texts = load.texts ?? 6000;
  const chunk = load.chunkSize ?? 60;
  sut.slots = load.slots ?? 2;
  sut.concurrency = load.concurrency ?? 64;
  sut.maxBudgetTokens = 4096;
  const steps = texts / chunk;
  for (let i = 0; i < steps; i++) {
    now = 1_000_000 + Math.floor(((i + 1) / steps) * WINDOW_MS);
    for (const [stage, ms] of Object.entries(load.stages) as [Stage, number][]) sut.addStage(stage, ms * (0.8 + 0.4 * ((i * 7) % 10) / 10), chunk);
    sut.addTexts(chunk);
    sut.addChunk();
    if (load.cache) sut.addCache(chunk, Math.round(chunk * load.cache.l1), Math.round(chunk * load.cache.l2));
    if (load.batch) {
      for (let b = 0; b < chunk / load.batch.size; b++) {
        sut.addBatch({ texts: load.batch.size, paddedTokens: load.batch.padded, realTokens: load.batch.padded * 0.8, inferMs: load.batch.inferMs, budgetTokens: load.batch.atMax ? 4096 : 1024 });
      }
    }
    const backlog = load.backlog ? load.backlog[0] + ((load.backlog[1] - load.backlog[0]) * (i + 1)) / steps : undefined;
    sut.sample({ cpu: 0.5, activeChunks: load.active ?? 8, backlog, gpu: load.gpu?.util, gpuMemoryUsedRatio: load.gpu?.mem });
  }
  now = 1_000_000 + WINDOW_MS;
  return sut.snapshot({ source: load.source ?? 'worker-1', role: load.role ?? 'worker', model: 'tiny@abc' });
}

const analyze = (snaps: ProfileSnapshot[], target = 1000) => analyzeProfile(snaps, { p95TargetMs: target, now: 1_060_000 });
const codes = (r: ReturnType<typeof analyze>) => r.recommendations.map((x) => x.code);

describe('analyzeProfile', () => {
  it('slow model: names inference, the device busy, and says the model is the bottleneck', () => {
    // 60 batches of 10 texts x 1000 ms each over 60 s on 1 slot = the slot is always busy.
    const r = analyze([worker({ stages: { queue_wait: 20, l1: 0.05, tokenization: 0.3, batch_wait: 5, inference: 1000, result_write: 2 }, texts: 600, chunkSize: 10, slots: 1, cache: { l1: 0.3, l2: 0.2 }, batch: { size: 10, padded: 640, inferMs: 1000 } })]);
    expect(r.dominant_stage).toBe('inference');
    expect(r.stages.find((s) => s.stage === 'inference')?.share_of_p95).toBeGreaterThan(0.9);
    expect(r.device.busy_ratio).toBeGreaterThan(0.95);
    expect(r.recommendations[0]).toMatchObject({ code: 'MODEL_BOUND', severity: 'critical', setting: 'PRECISION' });
    expect(r.recommendations[0].message).toMatch(/^inference is 9\d % of p95 and the inference threads are \d+ % busy: the model is the bottleneck/);
    expect(codes(r)).not.toContain('WARM_CACHE');
    expect(codes(r)).toContain('P95_OVER_TARGET');
  });

  it('cold cache: names inference and says the cache is cold', () => {
    const r = analyze([worker({ stages: { queue_wait: 3, l1: 0.05, l2: 0.8, tokenization: 0.3, batch_wait: 4, inference: 60, result_write: 2 }, cache: { l1: 0, l2: 0.01 }, batch: { size: 30, padded: 1024, inferMs: 60 } })]);
    expect(r.dominant_stage).toBe('inference');
    expect(r.cache.hit_rate).toBeLessThan(0.05);
    expect(r.recommendations[0]).toMatchObject({ code: 'WARM_CACHE', setting: 'CACHE_WARM_FILE' });
    expect(r.recommendations[0].message).toMatch(/^inference is \d+ % of p95 and only \d % of texts hit the cache: the cache is cold/);
    expect(codes(r)).not.toContain('MODEL_BOUND');
  });

  it('too few workers: names queue wait, sees saturation and growth, and says add workers', () => {
    const busy = { stages: { queue_wait: 3000, l1: 0.05, tokenization: 0.3, batch_wait: 20, inference: 200, result_write: 2 }, texts: 600, chunkSize: 10, slots: 1, batch: { size: 10, padded: 640, inferMs: 980 }, backlog: [100, 400] as [number, number] };
    const r = analyze([worker({ ...busy, source: 'w1' }), worker({ ...busy, source: 'w2' }), worker({ role: 'api', source: 'api-1', stages: { validation: 0.5, enqueue: 2 }, texts: 1200, backlog: [100, 400] })]);
    expect(r.dominant_stage).toBe('queue_wait');
    expect(r.sources).toEqual({ workers: 2, apis: 1, cli: 0 });
    expect(r.queue.growth_per_s).toBeCloseTo(5, 0);
    expect(r.queue.drain_per_s).toBe(2);
    expect(r.recommendations[0]).toMatchObject({ code: 'ADD_WORKERS', severity: 'critical' });
    expect(r.recommendations[0].message).toMatch(/^queue wait is [89]\d % of p95 and workers are saturated \(inference threads 98 % busy, backlog growing by 5(\.\d+)? chunks\/s\): add workers \(about 7 for the current load\)/);
  });

  it('queue wait with idle devices and full chunk slots: raise WORKER_CONCURRENCY, not workers', () => {
    const r = analyze([worker({ stages: { queue_wait: 500, inference: 10 }, concurrency: 8, active: 8, batch: { size: 60, padded: 1024, inferMs: 10 } })], 200);
    expect(r.dominant_stage).toBe('queue_wait');
    expect(r.recommendations[0].code).toBe('RAISE_WORKER_CONCURRENCY');
  });

  it('a draining backlog with idle devices and slots only partly busy (queue turnaround) still means raise WORKER_CONCURRENCY', () => {
    const r = analyze([worker({ stages: { queue_wait: 500, inference: 10 }, concurrency: 3, active: 1, backlog: [400, 300], batch: { size: 60, padded: 1024, inferMs: 10 } })], 200);
    expect(r.workers.chunk_slots_used).toBeCloseTo(0.333, 3);
    expect(r.recommendations[0].code).toBe('RAISE_WORKER_CONCURRENCY');
    expect(r.recommendations[0].message).toMatch(/33 % of slots busy/);
  });

  it('queue wait with workers idle and no backlog: check the workers', () => {
    const r = analyze([worker({ stages: { queue_wait: 500, inference: 10 }, concurrency: 8, active: 5, batch: { size: 60, padded: 1024, inferMs: 10 } })], 200);
    expect(r.recommendations[0].code).toBe('CHECK_WORKERS');
  });

  it('device underused with the budget at its maximum: raise the batch budget (GPU)', () => {
    const r = analyze([worker({ stages: { queue_wait: 2, inference: 80 }, batch: { size: 60, padded: 4096, inferMs: 80, atMax: true }, gpu: { util: 0.3, mem: 0.4 } })]);
    expect(r.device.kind).toBe('gpu');
    expect(r.recommendations[0]).toMatchObject({ code: 'RAISE_BATCH_BUDGET', setting: 'BATCH_MAX_TOKENS' });
    expect(r.recommendations[0].message).toBe('GPU 30 % busy with the batch budget at its maximum: raise BATCH_MAX_TOKENS (and BATCH_MAX_SIZE)');
  });

  it('batch wait dominating with the inference threads about three quarters busy is a batch wait, not the model', () => {
    const r = analyze([worker({ stages: { queue_wait: 5, l1: 0.05, tokenization: 0.5, batch_wait: 800, inference: 15, result_write: 2 }, texts: 600, chunkSize: 10, slots: 1, batch: { size: 10, padded: 640, inferMs: 750 } })], 500);
    expect(r.dominant_stage).toBe('batch_wait');
    expect(r.device.busy_ratio).toBeGreaterThan(0.6);
    expect(r.device.busy_ratio).toBeLessThan(0.8);
    expect(r.recommendations[0].code).toBe('BATCH_WAIT');
  });

  it('batch wait below saturation: texts wait for a free inference thread (the scheduler holds none back to fill a batch), so more threads, not smaller batches', () => {
    const r = analyze([worker({ stages: { queue_wait: 5, l1: 0.05, tokenization: 0.5, batch_wait: 800, inference: 15, result_write: 2 }, texts: 600, chunkSize: 10, slots: 1, batch: { size: 10, padded: 640, inferMs: 750 } })], 500);
    const advice = r.recommendations[0];
    expect(advice).toMatchObject({ code: 'BATCH_WAIT', severity: 'warning', setting: 'INFERENCE_THREADS' });
    expect(advice.message).toMatch(/^batch wait is \d+ % of p95 while the inference threads are only \d+ % busy: texts wait for a free inference thread/);
    expect(advice.message).toContain('raise INFERENCE_THREADS');
    // Batches are cut whenever a thread frees: nothing waits for a batch to form, and smaller
    // batches (a lower interactive p95 target) would only drain a burst more slowly.
    expect(advice.message).not.toMatch(/batches to form/);
    expect(advice.message).not.toContain('BATCH_INTERACTIVE_P95_TARGET_MS');
  });

  it('slow model with many chunks in flight: texts wait in the batcher, not the queue, and the device is saturated', () => {
    const r = analyze([worker({ stages: { queue_wait: 5, l1: 0.05, tokenization: 0.5, batch_wait: 2500, inference: 400, result_write: 2 }, texts: 600, chunkSize: 10, slots: 1, batch: { size: 10, padded: 640, inferMs: 990 } })]);
    expect(r.dominant_stage).toBe('batch_wait');
    expect(r.recommendations[0]).toMatchObject({ code: 'MODEL_BOUND', severity: 'critical' });
  });

  it('GPU memory near full is critical', () => {
    const r = analyze([worker({ stages: { inference: 10 }, gpu: { util: 0.9, mem: 0.96 }, batch: { size: 60, padded: 1024, inferMs: 10 } })]);
    expect(r.recommendations.find((x) => x.code === 'GPU_MEMORY_FULL')).toMatchObject({ severity: 'critical' });
  });

  it('slow L2 names the cache Redis', () => {
    const r = analyze([worker({ stages: { l1: 0.05, l2: 45, inference: 5 }, cache: { l1: 0.5, l2: 0.4 } })], 20);
    expect(r.dominant_stage).toBe('l2');
    expect(r.recommendations[0].code).toBe('SLOW_CACHE');
  });

  it('a fast fleet within its target is healthy, even though some stage always dominates', () => {
    const r = analyze([worker({ stages: { queue_wait: 2, l1: 0.05, inference: 8, result_write: 1 }, cache: { l1: 0.5, l2: 0.2 }, batch: { size: 30, padded: 512, inferMs: 8 } })]);
    expect(codes(r)).toEqual(['HEALTHY']);
    expect(r.throughput.texts_per_s).toBe(100);
  });

  it('reports no stages and no dominant stage for an empty window', () => {
    const r = analyze([]);
    expect(r.stages).toEqual([]);
    expect(r.dominant_stage).toBeUndefined();
    expect(r.recommendations).toEqual([]);
  });
});

type Writable<T> = T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;
type Snapshot = Writable<ProfileSnapshot>;
type Recorded = 'model-bound' | 'too-few-workers' | 'single-chunk-inference' | 'burst-host-bound';

/** A recorded window (every process's snapshot), edited through `edit(worker, api)`. */
function recorded(name: Recorded, edit: (worker: Snapshot, api: Snapshot) => void = () => undefined): ProfileSnapshot[] {
  const file = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.window.json`), 'utf8')) as { snapshots: Snapshot[] };
  const worker = file.snapshots.find((s) => s.role === 'worker');
  const api = file.snapshots.find((s) => s.role === 'api');
  if (!worker || !api) throw new Error(`${name}: no worker or api snapshot`);
  edit(worker, api);
  return file.snapshots;
}

/** The worker's inference slots busy for `ratio` of its window. */
const busyAt = (ratio: number) => (w: Snapshot) => {
  w.device.busyMs = ratio * w.windowMs * Math.max(1, w.device.slots);
};
/** Every lookup a hit: takes the cold cache out of the picture. */
const warm = (w: Snapshot) => {
  w.cache.l1Hits = w.cache.lookups;
};
const both =
  (...edits: ((w: Snapshot, api: Snapshot) => void)[]) =>
  (w: Snapshot, api: Snapshot) =>
    edits.forEach((e) => e(w, api));
/** The recorded windows were staged with PROFILER_P95_TARGET_MS=200. */
const verdict = (snaps: ProfileSnapshot[], target = 200) => analyzeProfile(snaps, { p95TargetMs: target, now: 0 });
const JUST = 0.001;
const t = (name: keyof typeof THRESHOLDS) => THRESHOLDS[name].value;

describe('analyzeProfile on recorded windows', () => {
  it('reads each recorded window as what was staged', () => {
    const model = verdict(recorded('model-bound'));
    expect([model.dominant_stage, model.device.busy_ratio]).toEqual(['batch_wait', 0.9522]);
    expect(codes(model)).toEqual(['MODEL_BOUND', 'P95_OVER_TARGET', 'WARM_CACHE']);
    const few = verdict(recorded('too-few-workers'));
    expect([few.dominant_stage, few.device.busy_ratio, few.workers.chunk_slots_used, few.queue.backlog]).toEqual(['queue_wait', 0.9836, 1, 195]);
    expect(codes(few)).toEqual(['ADD_WORKERS', 'P95_OVER_TARGET', 'WARM_CACHE']);
    const single = verdict(recorded('single-chunk-inference'));
    expect([single.dominant_stage, single.device.busy_ratio, single.cache.hit_rate]).toEqual(['inference', 0.5921, 0]);
    expect(codes(single)).toEqual(['WARM_CACHE', 'P95_OVER_TARGET']);
    // Every chunk of a 20 000-text burst in one worker: its event loop, not the device, holds the
    // texts back; batch_wait dominates with the device 22 % busy. Not the model.
    const burst = verdict(recorded('burst-host-bound'));
    expect([burst.dominant_stage, burst.device.busy_ratio]).toEqual(['batch_wait', 0.2216]);
    expect(codes(burst)).toEqual(['BATCH_WAIT', 'P95_OVER_TARGET', 'WARM_CACHE']);
  });

  it('SATURATED_BUSY, batch_wait dominant: model-bound at the line, a batch wait just below it', () => {
    expect(verdict(recorded('model-bound', busyAt(t('SATURATED_BUSY')))).recommendations[0]).toMatchObject({ code: 'MODEL_BOUND', severity: 'critical' });
    expect(verdict(recorded('model-bound', busyAt(t('SATURATED_BUSY') - JUST))).recommendations[0]).toMatchObject({ code: 'BATCH_WAIT', severity: 'warning', setting: 'INFERENCE_THREADS' });
    // The AMD EPYC window of issue 13 (59 % busy) is a batch wait, not a saturated device.
    expect(codes(verdict(recorded('model-bound', busyAt(0.59))))).not.toContain('MODEL_BOUND');
  });

  it('SATURATED_BUSY, queue_wait dominant: add workers at the line, raise WORKER_CONCURRENCY just below it', () => {
    expect(codes(verdict(recorded('too-few-workers', busyAt(t('SATURATED_BUSY')))))[0]).toBe('ADD_WORKERS');
    expect(codes(verdict(recorded('too-few-workers', busyAt(t('SATURATED_BUSY') - JUST))))[0]).toBe('RAISE_WORKER_CONCURRENCY');
  });

  it('SATURATED_BUSY, inference dominant: model-bound at the line, a slow model just below it', () => {
    expect(verdict(recorded('single-chunk-inference', both(warm, busyAt(t('SATURATED_BUSY'))))).recommendations[0]).toMatchObject({ code: 'MODEL_BOUND', severity: 'critical' });
    expect(codes(verdict(recorded('single-chunk-inference', both(warm, busyAt(t('SATURATED_BUSY') - JUST))))) [0]).toBe('SLOW_MODEL');
    // With the cache cold, warming it comes first and the model second.
    const cold = verdict(recorded('single-chunk-inference', busyAt(t('SATURATED_BUSY'))));
    expect(cold.recommendations.slice(0, 2).map((r) => [r.code, r.severity])).toEqual([['WARM_CACHE', 'warning'], ['MODEL_BOUND', 'warning']]);
    expect(codes(verdict(recorded('single-chunk-inference', busyAt(t('SATURATED_BUSY') - JUST))))).toEqual(['WARM_CACHE', 'P95_OVER_TARGET']);
  });

  it('UNDERUSED_BUSY: raise the batch budget just below the line (budget at its maximum), not at it', () => {
    expect(codes(verdict(recorded('single-chunk-inference', both(warm, busyAt(t('UNDERUSED_BUSY') - JUST)))))[0]).toBe('RAISE_BATCH_BUDGET');
    expect(codes(verdict(recorded('single-chunk-inference', both(warm, busyAt(t('UNDERUSED_BUSY'))))))[0]).toBe('SLOW_MODEL');
  });

  it('BUDGET_AT_MAX_SHARE: raise the batch budget when a majority of batches ran at the maximum', () => {
    // 15 batches recorded: 8 at the maximum is the nearest share at or above one half, 7 the nearest below.
    const atMax = (n: number) => (w: Snapshot) => {
      w.batches.atMaxBudget = n;
    };
    expect(verdict(recorded('single-chunk-inference', both(warm, busyAt(0.3), atMax(8)))).batches.at_max_budget_ratio).toBeGreaterThanOrEqual(t('BUDGET_AT_MAX_SHARE'));
    expect(codes(verdict(recorded('single-chunk-inference', both(warm, busyAt(0.3), atMax(8)))))[0]).toBe('RAISE_BATCH_BUDGET');
    expect(codes(verdict(recorded('single-chunk-inference', both(warm, busyAt(0.3), atMax(7)))))[0]).toBe('SLOW_MODEL');
  });

  it('SLOTS_FULL: with no backlog, full slots raise WORKER_CONCURRENCY, slots just under it mean check the workers', () => {
    const slots = (ratio: number) => (w: Snapshot, api: Snapshot) => {
      w.activeChunks = ratio * w.concurrency;
      api.backlog = [];
    };
    expect(codes(verdict(recorded('too-few-workers', both(busyAt(0.5), slots(t('SLOTS_FULL'))))))[0]).toBe('RAISE_WORKER_CONCURRENCY');
    expect(codes(verdict(recorded('too-few-workers', both(busyAt(0.5), slots(t('SLOTS_FULL') - JUST)))))[0]).toBe('CHECK_WORKERS');
  });

  it('SLOTS_PULLING: with a backlog waiting, slots busy in one sample in ten are a worker pulling it', () => {
    const slots = (ratio: number) => (w: Snapshot) => {
      w.activeChunks = ratio * w.concurrency;
    };
    const pulling = verdict(recorded('too-few-workers', both(busyAt(0.5), slots(t('SLOTS_PULLING')))));
    expect(pulling.recommendations[0].code).toBe('RAISE_WORKER_CONCURRENCY');
    expect(pulling.recommendations[0].message).toMatch(/10 % of slots busy/);
    expect(codes(verdict(recorded('too-few-workers', both(busyAt(0.5), slots(t('SLOTS_PULLING') - JUST)))))[0]).toBe('CHECK_WORKERS');
  });

  it('backlog trend: a growing backlog means add workers even with the device half idle', () => {
    const trendBy = (perSample: number) => (_w: Snapshot, api: Snapshot) => {
      api.backlog = api.backlog.map(([at], i) => [at, 100 + perSample * i]);
    };
    expect(codes(verdict(recorded('too-few-workers', both(busyAt(0.5), trendBy(1)))))[0]).toBe('ADD_WORKERS');
    expect(codes(verdict(recorded('too-few-workers', both(busyAt(0.5), trendBy(-1)))))[0]).toBe('RAISE_WORKER_CONCURRENCY');
  });

  it('COLD_HIT_RATE and COLD_MIN_LOOKUPS: the cache is cold under one hit in five, over 20 lookups or more', () => {
    const hits = (lookups: number, rate: number) => (w: Snapshot) => {
      w.cache = { lookups, l1Hits: Math.round(lookups * rate), l2Hits: 0 };
    };
    // 240 lookups recorded: 48 hits is the rate at the line, 47 the nearest below.
    expect(verdict(recorded('single-chunk-inference', hits(240, 48 / 240))).cache.hit_rate).toBe(t('COLD_HIT_RATE'));
    expect(codes(verdict(recorded('single-chunk-inference', hits(240, 48 / 240))))).toEqual(['SLOW_MODEL', 'P95_OVER_TARGET']);
    expect(codes(verdict(recorded('single-chunk-inference', hits(240, 47 / 240))))[0]).toBe('WARM_CACHE');
    expect(codes(verdict(recorded('single-chunk-inference', hits(t('COLD_MIN_LOOKUPS'), 0))))[0]).toBe('WARM_CACHE');
    expect(codes(verdict(recorded('single-chunk-inference', hits(t('COLD_MIN_LOOKUPS') - 1, 0))))[0]).toBe('SLOW_MODEL');
  });

  it('GPU_MEMORY_FULL: critical at the line, silent just below it', () => {
    const memory = (ratio: number) => (w: Snapshot) => {
      w.device.gpuMemoryUsedRatio = ratio;
    };
    expect(verdict(recorded('model-bound', memory(t('GPU_MEMORY_FULL')))).recommendations.find((r) => r.code === 'GPU_MEMORY_FULL')).toMatchObject({ severity: 'critical' });
    expect(codes(verdict(recorded('model-bound', memory(t('GPU_MEMORY_FULL') - JUST))))).not.toContain('GPU_MEMORY_FULL');
  });

  it('ERROR_RATE: one text in a hundred', () => {
    const errors = (n: number) => (w: Snapshot) => {
      w.texts = 1000;
      w.errors = n;
    };
    expect(codes(verdict(recorded('model-bound', errors(1000 * t('ERROR_RATE')))))).toContain('ERRORS');
    expect(codes(verdict(recorded('model-bound', errors(1000 * t('ERROR_RATE') - 1))))).not.toContain('ERRORS');
  });

  it('PADDING_EFFICIENCY: padding waste under half real tokens', () => {
    const real = (ratio: number) => (w: Snapshot) => {
      w.batches.realTokens = ratio * w.batches.paddedTokens;
    };
    expect(codes(verdict(recorded('model-bound', real(t('PADDING_EFFICIENCY')))))).not.toContain('PADDING_WASTE');
    expect(codes(verdict(recorded('model-bound', real(t('PADDING_EFFICIENCY') - JUST))))).toContain('PADDING_WASTE');
  });

  it('the p95 target: stage advice only under pressure; healthy when p95 is within it and nothing is saturated', () => {
    const p95 = verdict(recorded('single-chunk-inference', warm)).p95_ms;
    expect(codes(verdict(recorded('single-chunk-inference', warm), p95))).toEqual(['HEALTHY']);
    expect(codes(verdict(recorded('single-chunk-inference', warm), p95 - 1))).toEqual(['SLOW_MODEL', 'P95_OVER_TARGET']);
    // A saturated device is pressure by itself, whatever the target.
    expect(codes(verdict(recorded('model-bound'), 1e9))[0]).toBe('MODEL_BOUND');
  });
});

describe('trend', () => {
  it('fits the backlog slope per second', () => {
    expect(trend([[0, 10], [1000, 20], [2000, 30]])?.slope).toBeCloseTo(10);
    expect(trend([[0, 10]])).toBeUndefined();
    expect(trend([[0, 10], [500, 50]])).toBeUndefined();
  });
});
