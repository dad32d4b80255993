// analyzeProfile on windows recorded from a real local fleet (fixtures/*.window.json: the
// snapshots the processes published to Redis), as recorded and moved to just below / at each
// threshold (bottleneck-analyzer.spec.ts holds the synthetic scenarios).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProfileSnapshot } from '../window/profile-snapshot';
import { analyzeProfile, THRESHOLDS } from './bottleneck-analyzer';

const codes = (r: ReturnType<typeof analyzeProfile>) => r.recommendations.map((x) => x.code);

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
    expect([few.dominant_stage, few.device.busy_ratio, few.workers.chunk_slots_used, few.queue.backlog]).toEqual([
      'queue_wait',
      0.9836,
      1,
      195,
    ]);
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
    expect(verdict(recorded('model-bound', busyAt(t('SATURATED_BUSY')))).recommendations[0]).toMatchObject({
      code: 'MODEL_BOUND',
      severity: 'critical',
    });
    expect(verdict(recorded('model-bound', busyAt(t('SATURATED_BUSY') - JUST))).recommendations[0]).toMatchObject({
      code: 'BATCH_WAIT',
      severity: 'warning',
      setting: 'INFERENCE_THREADS',
    });
    // The AMD EPYC window of issue 13 (59 % busy) is a batch wait, not a saturated device.
    expect(codes(verdict(recorded('model-bound', busyAt(0.59))))).not.toContain('MODEL_BOUND');
  });

  it('SATURATED_BUSY, queue_wait dominant: add workers at the line, raise WORKER_CONCURRENCY just below it', () => {
    expect(codes(verdict(recorded('too-few-workers', busyAt(t('SATURATED_BUSY')))))[0]).toBe('ADD_WORKERS');
    expect(codes(verdict(recorded('too-few-workers', busyAt(t('SATURATED_BUSY') - JUST))))[0]).toBe('RAISE_WORKER_CONCURRENCY');
  });

  it('SATURATED_BUSY, inference dominant: model-bound at the line, a slow model just below it', () => {
    expect(verdict(recorded('single-chunk-inference', both(warm, busyAt(t('SATURATED_BUSY'))))).recommendations[0]).toMatchObject({
      code: 'MODEL_BOUND',
      severity: 'critical',
    });
    expect(codes(verdict(recorded('single-chunk-inference', both(warm, busyAt(t('SATURATED_BUSY') - JUST)))))[0]).toBe('SLOW_MODEL');
    // With the cache cold, warming it comes first and the model second.
    const cold = verdict(recorded('single-chunk-inference', busyAt(t('SATURATED_BUSY'))));
    expect(cold.recommendations.slice(0, 2).map((r) => [r.code, r.severity])).toEqual([
      ['WARM_CACHE', 'warning'],
      ['MODEL_BOUND', 'warning'],
    ]);
    expect(codes(verdict(recorded('single-chunk-inference', busyAt(t('SATURATED_BUSY') - JUST))))).toEqual([
      'WARM_CACHE',
      'P95_OVER_TARGET',
    ]);
  });

  it('UNDERUSED_BUSY: raise the batch budget just below the line (budget at its maximum), not at it', () => {
    expect(codes(verdict(recorded('single-chunk-inference', both(warm, busyAt(t('UNDERUSED_BUSY') - JUST)))))[0]).toBe(
      'RAISE_BATCH_BUDGET',
    );
    expect(codes(verdict(recorded('single-chunk-inference', both(warm, busyAt(t('UNDERUSED_BUSY'))))))[0]).toBe('SLOW_MODEL');
  });

  it('BUDGET_AT_MAX_SHARE: raise the batch budget when a majority of batches ran at the maximum', () => {
    // 15 batches recorded: 8 at the maximum is the nearest share at or above one half, 7 the nearest below.
    const atMax = (n: number) => (w: Snapshot) => {
      w.batches.atMaxBudget = n;
    };
    expect(
      verdict(recorded('single-chunk-inference', both(warm, busyAt(0.3), atMax(8)))).batches.at_max_budget_ratio,
    ).toBeGreaterThanOrEqual(t('BUDGET_AT_MAX_SHARE'));
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
    expect(
      verdict(recorded('model-bound', memory(t('GPU_MEMORY_FULL')))).recommendations.find((r) => r.code === 'GPU_MEMORY_FULL'),
    ).toMatchObject({ severity: 'critical' });
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
