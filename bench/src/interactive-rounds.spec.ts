// The arithmetic of `emo bench interactive`'s levels: rounds cover every text once, the two fleets
// alternate which goes first, and a level's figures pool its rounds.
import { describe, expect, it } from 'vitest';
import { levelFigures, type RoundResult } from './interactive-rounds';
import { roundOrder, splitRounds } from './rounds';

describe('interactive bench rounds', () => {
  it('cuts a level into rounds that hold every text once, in order', () => {
    const texts = Array.from({ length: 10 }, (_, i) => i);
    expect(splitRounds(texts, 4)).toEqual([
      [0, 1],
      [2, 3, 4],
      [5, 6],
      [7, 8, 9],
    ]);
    expect(splitRounds(texts, 1)).toEqual([texts]);
    expect(splitRounds([1, 2], 4).flat()).toEqual([1, 2]);
  });

  it('alternates which fleet runs first: A B, B A, A B', () => {
    expect([0, 1, 2].map((r) => roundOrder(['a', 'b'], r))).toEqual([
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'b'],
    ]);
    expect(roundOrder(['a'], 1)).toEqual(['a']);
    expect([0, 1, 2, 3].map((r) => roundOrder(['fleet', 'other', 'engine'], r))).toEqual([
      ['fleet', 'other', 'engine'],
      ['other', 'engine', 'fleet'],
      ['engine', 'fleet', 'other'],
      ['fleet', 'other', 'engine'],
    ]);
  });

  it("pools the rounds: 200s over the rounds' total time, percentiles over every response, CPU per 1,000 texts", () => {
    const rounds: RoundResult[] = [
      { latencies: [1, 2, 3], statuses: { 200: 3 }, errors: 0, seconds: 1 },
      { latencies: [4, 5], statuses: { 200: 1, 429: 1 }, errors: 0, seconds: 1 },
    ];
    const f = levelFigures(16, rounds, {
      api: 0.5,
      worker: 1,
      apiMain: 0.4,
      workerMain: 0.3,
      redis: 0.1,
      client: 0.25,
      machineBusyTicks: 300,
      machineTicks: 400,
    });
    expect(f).toMatchObject({ concurrency: 16, requests: 5, texts_per_s: 2, max_ms: 5, non_200: 1, statuses: { 200: 4, 429: 1 } });
    expect(f.p50_ms).toBeGreaterThanOrEqual(2);
    expect(f.p50_ms).toBeLessThanOrEqual(f.p99_ms);
    expect([f.api_cpu_s_per_1k_texts, f.worker_cpu_s_per_1k_texts, f.redis_cpu_s_per_1k_texts]).toEqual([100, 200, 20]);
    expect(f.load_cpu_s_per_1k_texts).toBe(50);
    expect([f.api_main_thread_cpu_s_per_1k_texts, f.worker_main_thread_cpu_s_per_1k_texts]).toEqual([80, 60]);
    expect(f.machine_busy_fraction).toBe(0.75);
  });
});
