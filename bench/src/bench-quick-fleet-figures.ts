// The --quick figures of the suites that run over Redis (cache, fleet, scale, backfill, fairness,
// interactive on the test Redis; soak on two redis-servers of its own), most with fleet processes.
// One entry per suite; bench-quick-figures.ts puts them in the table the e2e spec runs.
import { expect } from 'vitest';
import { expectMachine, MACHINE, num, rate, type Check, type SuiteSpec } from './bench-quick-checks';

/** The figures of `emo bench interactive` for one level `cN`. */
export const interactiveLevel = (c: number): Record<string, Check> => ({
  [`c${c}_texts_per_s`]: rate,
  [`c${c}_p50_ms`]: 'positive',
  [`c${c}_p99_ms`]: 'positive',
  [`c${c}_non_200`]: { eq: 0 },
  [`c${c}_vs_engine`]: 'positive',
  [`c${c}_cpu_s_per_1k_texts`]: 'positive',
  [`c${c}_load_cpu_s_per_1k_texts`]: 'positive',
  [`c${c}_machine_busy`]: 'share',
  [`c${c}_worker_main_thread_cpu_s_per_1k_texts`]: 'nonneg',
  [`c${c}_api_main_thread_cpu_s_per_1k_texts`]: 'nonneg',
  [`engine_calls_c${c}_texts_per_s`]: rate,
  [`c${c}_vs_engine_calls`]: 'positive',
});

/** What every run of `emo bench interactive` prints besides its levels. */
export const INTERACTIVE: Record<string, Check> = {
  suite: { eq: 'interactive' },
  model: 'text',
  coalesce_max_texts: 'nonneg',
  classify_lane: 'yesno',
  texts_per_request: { eq: 1 },
  cache: 'text',
  warm_up_requests_per_level: 'rows',
  engine_texts_per_s: rate,
  // The in-process engine's inline session (auto: 1 or the thread budget, measured at its start).
  inline_intra_op_threads: 'positive',
  levels: 'rows',
  ...MACHINE,
};

/** What every `emo bench fleet --quick` prints (300 timed texts, 10 calls), but its rounds. */
export const FLEET: Record<string, Check> = {
  suite: { eq: 'fleet' },
  model: 'text',
  texts: { eq: 300 },
  warmup_texts: { eq: 100 },
  chunk_size: 'positive',
  worker_concurrency: 'positive',
  inference_threads: 'positive',
  fleet_texts_per_s: rate,
  engine_texts_per_s: rate,
  fleet_vs_engine: 'positive',
  engine_chunked_texts_per_s: rate,
  fleet_vs_engine_chunked: 'positive',
  api_cpu_s_per_1k_texts: 'nonneg',
  worker_cpu_s_per_1k_texts: 'nonneg',
  api_main_thread_cpu_s_per_1k_texts: 'nonneg',
  worker_main_thread_cpu_s_per_1k_texts: 'nonneg',
  redis_cpu_s_per_1k_texts: 'nonneg',
  fleet_cpu_s_per_1k_texts: 'positive',
  engine_cpu_s_per_1k_texts: 'positive',
  engine_chunked_cpu_s_per_1k_texts: 'positive',
  fleet_machine_busy: 'share',
  engine_machine_busy: 'share',
  classify_calls: { eq: 10 },
  classify_cold_p50_ms: 'positive',
  classify_cold_p99_ms: 'positive',
  classify_cached_p50_ms: 'positive',
  classify_cached_p99_ms: 'positive',
  ...MACHINE,
};

export const FLEET_SUITES = {
  cache: {
    redis: true,
    figures: {
      suite: { eq: 'cache' },
      model: 'text',
      provider: 'text',
      l1_get_median_us: 'positive',
      l1_lookup_with_key_us: 'positive',
      l2_mget64_median_ms: 'positive',
      l2_mget64_p99_ms: 'positive',
      l2_mget64_bare_ioredis_p99_ms: 'positive',
      value_bytes: 'positive',
      bulk_miss_texts: { eq: 2000 },
      bulk_miss_cpu_us_per_text: 'positive',
      bulk_miss_classifier_cpu_us_per_text: 'positive',
      bulk_miss_cache_cpu_us_per_text: 'finite',
      bulk_miss_redis_cpu_us_per_text: 'nonneg',
      messages: { eq: 300 },
      distinct_texts: 'positive',
      repeat_share: { eq: 0.3 },
      bulk_admission: { eq: 'always' },
      hit_rate: 'share',
      uncached_texts_per_s: rate,
      cached_texts_per_s: rate,
      cached_vs_uncached: 'positive',
      target_cached_vs_uncached: 'positive',
      cached_vs_uncached_cpu: 'positive',
      cached_l2_vs_uncached: 'positive',
      hit_rate_l2: 'share',
      char_hit_share: 'share',
      target_by_char_share: 'positive',
      any_hit_rate: 'share',
      any_cached_vs_uncached: 'positive',
      any_target_cached_vs_uncached: 'positive',
      any_cached_vs_uncached_cpu: 'positive',
      done: 'yesno',
    },
    also: (f) => {
      expect(num(f, 'distinct_texts')).toBeLessThanOrEqual(300);
      expect(num(f, 'l2_mget64_median_ms')).toBeLessThanOrEqual(num(f, 'l2_mget64_p99_ms'));
      expect(num(f, 'target_cached_vs_uncached')).toBeCloseTo(0.8 / (1 - num(f, 'hit_rate')), 2);
    },
  },
  fleet: {
    redis: true,
    figures: { ...FLEET, rounds: { eq: 1 } },
    also: (f) => {
      expect(num(f, 'fleet_vs_engine')).toBeCloseTo(num(f, 'fleet_texts_per_s') / num(f, 'engine_texts_per_s'), 2);
      expect(num(f, 'fleet_vs_engine_chunked')).toBeCloseTo(num(f, 'fleet_texts_per_s') / num(f, 'engine_chunked_texts_per_s'), 2);
      const parts = ['api', 'worker', 'redis'].map((p) => num(f, `${p}_cpu_s_per_1k_texts`));
      expect(num(f, 'fleet_cpu_s_per_1k_texts')).toBeCloseTo(parts[0] + parts[1] + parts[2], 2);
      for (const kind of ['cold', 'cached'])
        expect(num(f, `classify_${kind}_p50_ms`)).toBeLessThanOrEqual(num(f, `classify_${kind}_p99_ms`));
      expectMachine(f);
    },
  },
  scale: {
    redis: true,
    figures: {
      suite: { eq: 'scale' },
      texts: { eq: 384 },
      chunk_size: { eq: 64 },
      chunks: { eq: 6 },
      worker_concurrency: { eq: 8 },
      inference_threads_per_worker: { eq: 1 },
      repeats: { eq: 1 },
      cpus: 'positive',
      ...Object.fromEntries(
        [1, 2, 3].flatMap((w) => [
          [`drain_s_${w}w`, 'positive'],
          [`texts_per_s_${w}w`, rate],
          [`speedup_${w}w`, 'positive'],
          [`worker_cpu_s_${w}w`, 'nonneg'],
          [`load1_${w}w`, 'nonneg'],
        ]),
      ),
    },
    also: (f) => expect(f.speedup_1w).toBe(1),
  },
  backfill: {
    redis: true,
    figures: {
      suite: { eq: 'backfill' },
      lines: { eq: 300 },
      inference_threads_per_engine: { eq: 1 },
      intra_op_threads: { eq: 1 },
      cache: { eq: 'off' },
      engine_texts_per_s: rate,
      local_backfill_texts_per_s: rate,
      backfill_texts_per_s_1_worker: rate,
      backfill_texts_per_s_2_workers: rate,
      backfill_vs_engine: 'positive',
      two_vs_one_workers: 'positive',
      api_peak_rss_mb: 'positive',
      backfill_texts_per_s_1_worker_with_interactive: rate,
      interactive_calls_during_backfill: 'positive',
      interactive_p50_ms_during_backfill: 'positive',
      interactive_p95_ms_during_backfill: 'positive',
      interactive_p95_target_ms: 'positive',
      load_average_1m: 'text',
    },
    also: (f) => {
      expect(num(f, 'two_vs_one_workers')).toBeCloseTo(
        num(f, 'backfill_texts_per_s_2_workers') / num(f, 'backfill_texts_per_s_1_worker'),
        2,
      );
      expect(num(f, 'interactive_p50_ms_during_backfill')).toBeLessThanOrEqual(num(f, 'interactive_p95_ms_during_backfill'));
      // One reading before the runs and one after each of the five.
      expect(String(f.load_average_1m).split(' → ')).toHaveLength(6);
    },
  },
  fairness: {
    redis: true,
    figures: {
      suite: { eq: 'fairness' },
      a_texts: { eq: 20000 },
      b_texts: { eq: 256 },
      workers: { eq: 1 },
      inference_threads_per_worker: { eq: 1 },
      cache: { eq: 'off' },
      chunk_size: 'positive',
      worker_concurrency: 'positive',
      b_alone_s: 'positive',
      b_alone_runs_s: 'text',
      b_with_a_s: 'positive',
      b_with_a_vs_alone: 'positive',
      b_overlapped_a: 'yesno',
      a_done_at_b_submit: 'nonneg',
      a_texts_per_s_alone: rate,
      a_texts_per_s_with_b: rate,
      a_throughput_drop: 'finite',
      b_alone_s_fifo: 'positive',
      b_with_a_s_fifo: 'positive',
      b_with_a_vs_alone_fifo: 'positive',
      a_texts_per_s_with_b_fifo: rate,
      load_average_1m: 'text',
    },
    also: (f) => {
      // The ratios come from unrounded times (--quick's are a few ms, so rounding shows): within 5 %.
      expect(num(f, 'b_with_a_vs_alone') / (num(f, 'b_with_a_s') / num(f, 'b_alone_s'))).toBeCloseTo(1, 1);
      expect(num(f, 'b_with_a_vs_alone_fifo') / (num(f, 'b_with_a_s_fifo') / num(f, 'b_alone_s_fifo'))).toBeCloseTo(1, 1);
      expect(num(f, 'a_throughput_drop')).toBeCloseTo(1 - num(f, 'a_texts_per_s_with_b') / num(f, 'a_texts_per_s_alone'), 2);
      // B was submitted once A was in steady state (a tenth of A classified), or A ended before a status showed it (0).
      const done = num(f, 'a_done_at_b_submit');
      expect(done === 0 || done >= 2000, `a_done_at_b_submit = ${done}`).toBe(true);
      // --quick runs B alone once per variant; one reading before the variants and one after each.
      expect(String(f.b_alone_runs_s).split(' ')).toHaveLength(1);
      expect(String(f.load_average_1m).split(' → ')).toHaveLength(3);
    },
  },
  // Its own two redis-servers (queue and cache; memory figures of its own), so no test Redis.
  soak: {
    redis: false,
    figures: {
      suite: { eq: 'soak' },
      minutes: { eq: 0.15 },
      duration_s: 'positive',
      samples: 'positive',
      steady_from_s: 'positive',
      classify_calls: 'positive',
      classify_texts: 'positive',
      bulk_jobs: 'positive',
      bulk_texts: 'positive',
      texts_per_s: rate,
      bulk_missing_lines: { eq: 0 },
      status_429: 'nonneg',
      status_503: { eq: 0 },
      status_504: 'nonneg',
      status_5xx_other: { eq: 0 },
      network_errors: { eq: 0 },
      process_exits: { eq: 0 },
      api_rss_mb_start: 'positive',
      api_rss_mb_end: 'positive',
      api_rss_mb_max: 'positive',
      worker_rss_mb_start: 'positive',
      worker_rss_mb_end: 'positive',
      worker_rss_mb_max: 'positive',
      api_rss_slope_mb_per_h: 'finite',
      worker_rss_slope_mb_per_h: 'finite',
      queue_redis_baseline_mb: 'positive',
      queue_redis_used_mb_end: 'positive',
      queue_redis_used_mb_max: 'positive',
      queue_redis_slope_mb_per_h: 'finite',
      queue_redis_bytes_per_text: 'positive',
      cache_redis_used_mb_end: 'positive',
      cache_redis_maxmemory_mb: 'positive',
      result_ttl_s: 'positive',
      classify_result_ttl_s: 'positive',
      l1_max_entries: 'positive',
      load_average_1m: 'text',
      windows: 'rows',
      series: 'rows',
    },
    also: (f) => {
      expect(num(f, 'api_rss_mb_max')).toBeGreaterThanOrEqual(num(f, 'api_rss_mb_end'));
      expect(num(f, 'queue_redis_used_mb_max')).toBeGreaterThanOrEqual(num(f, 'queue_redis_used_mb_end'));
      expect(f.series as unknown[]).toHaveLength(num(f, 'samples'));
      expect(num(f, 'bulk_texts')).toBe(256 * num(f, 'bulk_jobs'));
    },
  },
  interactive: {
    redis: true,
    figures: { ...INTERACTIVE, ...interactiveLevel(1), ...interactiveLevel(4) },
    also: (f) => {
      const levels = f.levels as { concurrency: number; requests: number; p50_ms: number; p95_ms: number; p99_ms: number }[];
      expect(levels.map((l) => [l.concurrency, l.requests])).toEqual([
        [1, 40],
        [4, 40],
      ]);
      expect(f.warm_up_requests_per_level).toEqual([20, 20]); // untimed, on texts of their own
      for (const l of levels) expect(l.p50_ms <= l.p95_ms && l.p95_ms <= l.p99_ms).toBe(true);
      for (const c of [1, 4]) {
        expect(num(f, `c${c}_vs_engine`)).toBeCloseTo(num(f, `c${c}_texts_per_s`) / num(f, 'engine_texts_per_s'), 2);
        expect(num(f, `c${c}_vs_engine_calls`)).toBeCloseTo(num(f, `c${c}_texts_per_s`) / num(f, `engine_calls_c${c}_texts_per_s`), 2);
      }
      expectMachine(f);
    },
  },
} satisfies Record<string, SuiteSpec>;
