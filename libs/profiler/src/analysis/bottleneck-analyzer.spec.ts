// Synthetic windows for the staged scenarios (slow model, cold cache, too few workers) and the
// other rules, built through ProfileWindow with a fake clock as a worker would fill it (windows
// recorded from a real local fleet: recorded-windows.spec.ts).
import { describe, expect, it } from 'vitest';
import type { Stage } from '../stages/stages';
import type { ProcessRole, ProfileSnapshot } from '../window/profile-snapshot';
import { ProfileWindow } from '../window/profile-window';
import { analyzeProfile, trend } from './bottleneck-analyzer';

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
    for (const [stage, ms] of Object.entries(load.stages) as [Stage, number][])
      sut.addStage(stage, ms * (0.8 + (0.4 * ((i * 7) % 10)) / 10), chunk);
    sut.addTexts(chunk);
    sut.addChunk();
    if (load.cache) sut.addCache(chunk, Math.round(chunk * load.cache.l1), Math.round(chunk * load.cache.l2));
    if (load.batch) {
      for (let b = 0; b < chunk / load.batch.size; b++) {
        sut.addBatch({
          texts: load.batch.size,
          paddedTokens: load.batch.padded,
          realTokens: load.batch.padded * 0.8,
          inferMs: load.batch.inferMs,
          budgetTokens: load.batch.atMax ? 4096 : 1024,
        });
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
    const r = analyze([
      worker({
        stages: { queue_wait: 20, l1: 0.05, tokenization: 0.3, batch_wait: 5, inference: 1000, result_write: 2 },
        texts: 600,
        chunkSize: 10,
        slots: 1,
        cache: { l1: 0.3, l2: 0.2 },
        batch: { size: 10, padded: 640, inferMs: 1000 },
      }),
    ]);
    expect(r.dominant_stage).toBe('inference');
    expect(r.stages.find((s) => s.stage === 'inference')?.share_of_p95).toBeGreaterThan(0.9);
    expect(r.device.busy_ratio).toBeGreaterThan(0.95);
    expect(r.recommendations[0]).toMatchObject({ code: 'MODEL_BOUND', severity: 'critical', setting: 'PRECISION' });
    expect(r.recommendations[0].message).toMatch(
      /^inference is 9\d % of p95 and the inference threads are \d+ % busy: the model is the bottleneck/,
    );
    expect(codes(r)).not.toContain('WARM_CACHE');
    expect(codes(r)).toContain('P95_OVER_TARGET');
  });

  it('cold cache: names inference and says the cache is cold', () => {
    const r = analyze([
      worker({
        stages: { queue_wait: 3, l1: 0.05, l2: 0.8, tokenization: 0.3, batch_wait: 4, inference: 60, result_write: 2 },
        cache: { l1: 0, l2: 0.01 },
        batch: { size: 30, padded: 1024, inferMs: 60 },
      }),
    ]);
    expect(r.dominant_stage).toBe('inference');
    expect(r.cache.hit_rate).toBeLessThan(0.05);
    expect(r.recommendations[0]).toMatchObject({ code: 'WARM_CACHE', setting: 'CACHE_WARM_FILE' });
    expect(r.recommendations[0].message).toMatch(/^inference is \d+ % of p95 and only \d % of texts hit the cache: the cache is cold/);
    expect(codes(r)).not.toContain('MODEL_BOUND');
  });

  it('too few workers: names queue wait, sees saturation and growth, and says add workers', () => {
    const busy = {
      stages: { queue_wait: 3000, l1: 0.05, tokenization: 0.3, batch_wait: 20, inference: 200, result_write: 2 },
      texts: 600,
      chunkSize: 10,
      slots: 1,
      batch: { size: 10, padded: 640, inferMs: 980 },
      backlog: [100, 400] as [number, number],
    };
    const r = analyze([
      worker({ ...busy, source: 'w1' }),
      worker({ ...busy, source: 'w2' }),
      worker({ role: 'api', source: 'api-1', stages: { validation: 0.5, enqueue: 2 }, texts: 1200, backlog: [100, 400] }),
    ]);
    expect(r.dominant_stage).toBe('queue_wait');
    expect(r.sources).toEqual({ workers: 2, apis: 1, cli: 0 });
    expect(r.queue.growth_per_s).toBeCloseTo(5, 0);
    expect(r.queue.drain_per_s).toBe(2);
    expect(r.recommendations[0]).toMatchObject({ code: 'ADD_WORKERS', severity: 'critical' });
    expect(r.recommendations[0].message).toMatch(
      /^queue wait is [89]\d % of p95 and workers are saturated \(inference threads 98 % busy, backlog growing by 5(\.\d+)? chunks\/s\): add workers \(about 7 for the current load\)/,
    );
  });

  it('queue wait with idle devices and full chunk slots: raise WORKER_CONCURRENCY, not workers', () => {
    const r = analyze(
      [worker({ stages: { queue_wait: 500, inference: 10 }, concurrency: 8, active: 8, batch: { size: 60, padded: 1024, inferMs: 10 } })],
      200,
    );
    expect(r.dominant_stage).toBe('queue_wait');
    expect(r.recommendations[0].code).toBe('RAISE_WORKER_CONCURRENCY');
  });

  it('a draining backlog with idle devices and slots only partly busy (queue turnaround) still means raise WORKER_CONCURRENCY', () => {
    const r = analyze(
      [
        worker({
          stages: { queue_wait: 500, inference: 10 },
          concurrency: 3,
          active: 1,
          backlog: [400, 300],
          batch: { size: 60, padded: 1024, inferMs: 10 },
        }),
      ],
      200,
    );
    expect(r.workers.chunk_slots_used).toBeCloseTo(0.333, 3);
    expect(r.recommendations[0].code).toBe('RAISE_WORKER_CONCURRENCY');
    expect(r.recommendations[0].message).toMatch(/33 % of slots busy/);
  });

  it('queue wait with workers idle and no backlog: check the workers', () => {
    const r = analyze(
      [worker({ stages: { queue_wait: 500, inference: 10 }, concurrency: 8, active: 5, batch: { size: 60, padded: 1024, inferMs: 10 } })],
      200,
    );
    expect(r.recommendations[0].code).toBe('CHECK_WORKERS');
  });

  it('device underused with the budget at its maximum: raise the batch budget (GPU)', () => {
    const r = analyze([
      worker({
        stages: { queue_wait: 2, inference: 80 },
        batch: { size: 60, padded: 4096, inferMs: 80, atMax: true },
        gpu: { util: 0.3, mem: 0.4 },
      }),
    ]);
    expect(r.device.kind).toBe('gpu');
    expect(r.recommendations[0]).toMatchObject({ code: 'RAISE_BATCH_BUDGET', setting: 'BATCH_MAX_TOKENS' });
    expect(r.recommendations[0].message).toBe(
      'GPU 30 % busy with the batch budget at its maximum: raise BATCH_MAX_TOKENS (and BATCH_MAX_SIZE)',
    );
  });

  it('batch wait dominating with the inference threads about three quarters busy is a batch wait, not the model', () => {
    const r = analyze(
      [
        worker({
          stages: { queue_wait: 5, l1: 0.05, tokenization: 0.5, batch_wait: 800, inference: 15, result_write: 2 },
          texts: 600,
          chunkSize: 10,
          slots: 1,
          batch: { size: 10, padded: 640, inferMs: 750 },
        }),
      ],
      500,
    );
    expect(r.dominant_stage).toBe('batch_wait');
    expect(r.device.busy_ratio).toBeGreaterThan(0.6);
    expect(r.device.busy_ratio).toBeLessThan(0.8);
    expect(r.recommendations[0].code).toBe('BATCH_WAIT');
  });

  it('batch wait below saturation: texts wait for a free inference thread (the scheduler holds none back to fill a batch), so more threads, not smaller batches', () => {
    const r = analyze(
      [
        worker({
          stages: { queue_wait: 5, l1: 0.05, tokenization: 0.5, batch_wait: 800, inference: 15, result_write: 2 },
          texts: 600,
          chunkSize: 10,
          slots: 1,
          batch: { size: 10, padded: 640, inferMs: 750 },
        }),
      ],
      500,
    );
    const advice = r.recommendations[0];
    expect(advice).toMatchObject({ code: 'BATCH_WAIT', severity: 'warning', setting: 'INFERENCE_THREADS' });
    expect(advice.message).toMatch(
      /^batch wait is \d+ % of p95 while the inference threads are only \d+ % busy: texts wait for a free inference thread/,
    );
    expect(advice.message).toContain('raise INFERENCE_THREADS');
    // Batches are cut whenever a thread frees: nothing waits for a batch to form, and smaller
    // batches (a lower interactive p95 target) would only drain a burst more slowly.
    expect(advice.message).not.toMatch(/batches to form/);
    expect(advice.message).not.toContain('BATCH_INTERACTIVE_P95_TARGET_MS');
  });

  it('slow model with many chunks in flight: texts wait in the batcher, not the queue, and the device is saturated', () => {
    const r = analyze([
      worker({
        stages: { queue_wait: 5, l1: 0.05, tokenization: 0.5, batch_wait: 2500, inference: 400, result_write: 2 },
        texts: 600,
        chunkSize: 10,
        slots: 1,
        batch: { size: 10, padded: 640, inferMs: 990 },
      }),
    ]);
    expect(r.dominant_stage).toBe('batch_wait');
    expect(r.recommendations[0]).toMatchObject({ code: 'MODEL_BOUND', severity: 'critical' });
  });

  it('GPU memory near full is critical', () => {
    const r = analyze([
      worker({ stages: { inference: 10 }, gpu: { util: 0.9, mem: 0.96 }, batch: { size: 60, padded: 1024, inferMs: 10 } }),
    ]);
    expect(r.recommendations.find((x) => x.code === 'GPU_MEMORY_FULL')).toMatchObject({ severity: 'critical' });
  });

  it('slow L2 names the cache Redis', () => {
    const r = analyze([worker({ stages: { l1: 0.05, l2: 45, inference: 5 }, cache: { l1: 0.5, l2: 0.4 } })], 20);
    expect(r.dominant_stage).toBe('l2');
    expect(r.recommendations[0].code).toBe('SLOW_CACHE');
  });

  it('a fast fleet within its target is healthy, even though some stage always dominates', () => {
    const r = analyze([
      worker({
        stages: { queue_wait: 2, l1: 0.05, inference: 8, result_write: 1 },
        cache: { l1: 0.5, l2: 0.2 },
        batch: { size: 30, padded: 512, inferMs: 8 },
      }),
    ]);
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

describe('trend', () => {
  it('fits the backlog slope per second', () => {
    expect(
      trend([
        [0, 10],
        [1000, 20],
        [2000, 30],
      ])?.slope,
    ).toBeCloseTo(10);
    expect(trend([[0, 10]])).toBeUndefined();
    expect(
      trend([
        [0, 10],
        [500, 50],
      ]),
    ).toBeUndefined();
  });
});
