// The figures every `emo bench SUITE --quick --json` must print, by suite: each figure's kind (or
// exact value), and the relations between figures that hold by construction. A table of data, kept
// apart from bench-quick.e2e-spec.ts (which runs the suites and checks their output against it).
// Over 300 lines on purpose: one entry per suite in one table, the single list of every figure.
import { expect } from 'vitest';

/** What a figure must be: a kind, or exactly this value. */
export type Check = 'positive' | 'nonneg' | 'finite' | 'share' | 'text' | 'yesno' | 'rows' | { eq: number | string };
export type Figures = Record<string, unknown>;

export interface SuiteSpec {
  readonly redis: boolean;
  /** Run on the default model (models/goemotions-mini) instead of the tiny test model. */
  readonly defaultModel?: boolean;
  readonly figures: Record<string, Check>;
  /** Relations between figures that hold by construction. */
  readonly also?: (f: Figures) => void;
}

const num = (f: Figures, key: string) => f[key] as number;
const rate = 'positive';

/** Batch sizes of the tuned ORT loop in `emo bench engine` (each with spinning on and off). */
const TUNED_BATCHES = [32, 64, 128];

/** Fixed batch sizes `emo bench batching` runs with length bucketing. */
const SORTED_FIXED = [8, 16, 32, 64, 128];

/** What bench/src/machine-info.ts adds to a suite's figures (engine, batching, fleet). */
const MACHINE: Record<string, Check> = {
  machine_cpu: 'text',
  machine_arch: 'text',
  machine_cores: 'positive',
  machine_memory_gib: 'positive',
  isa_avx2: 'yesno',
  isa_avx512f: 'yesno',
  isa_avx512_vnni: 'yesno',
  isa_avx_vnni: 'yesno',
  isa_amx: 'yesno',
  node_version: 'text',
  onnxruntime_version: 'text',
  loadavg_start: 'text',
  loadavg_end: 'text',
};

function expectMachine(f: Figures): void {
  expect(f.node_version).toBe(process.version);
  for (const key of ['loadavg_start', 'loadavg_end']) expect(String(f[key])).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d$/);
}

export const SUITES: Record<string, SuiteSpec> = {
  engine: {
    redis: false,
    figures: {
      suite: { eq: 'engine' },
      model: 'text',
      provider: 'text',
      texts: { eq: 128 },
      repeats: { eq: 1 },
      inference_threads: 'positive',
      intra_op_threads: 'positive',
      thread_budget: 'positive',
      engine_texts_per_s: rate,
      naive_texts_per_s: rate,
      engine_vs_naive: 'positive',
      engine_windowed_texts_per_s: rate,
      engine_windowed_vs_tuned_ort: 'positive',
      engine_windowed_texts_per_cpu_s: rate,
      ...Object.fromEntries(
        TUNED_BATCHES.flatMap((b) => [`tuned_ort_${b}_texts_per_s`, `tuned_ort_nospin_${b}_texts_per_s`]).map((k) => [k, rate]),
      ),
      tuned_ort_batch: 'positive',
      tuned_ort_spinning: 'yesno',
      tuned_ort_texts_per_s: rate,
      engine_vs_tuned_ort: 'positive',
      engine_texts_per_cpu_s: rate,
      naive_texts_per_cpu_s: rate,
      ...Object.fromEntries(
        TUNED_BATCHES.flatMap((b) => [`tuned_ort_${b}_texts_per_cpu_s`, `tuned_ort_nospin_${b}_texts_per_cpu_s`]).map((k) => [k, rate]),
      ),
      tuned_ort_cpu_best: 'text',
      tuned_ort_texts_per_cpu_s: rate,
      engine_vs_tuned_ort_cpu: 'positive',
      ...MACHINE,
    },
    also: (f) => {
      expect(num(f, 'engine_vs_naive')).toBeCloseTo(num(f, 'engine_texts_per_s') / num(f, 'naive_texts_per_s'), 2);
      expect(num(f, 'thread_budget')).toBe(num(f, 'inference_threads') * num(f, 'intra_op_threads'));
      // The baseline is the best cell of the tuned grid, and the ratio is against it.
      const tuned = TUNED_BATCHES.flatMap((b) => [`tuned_ort_${b}_texts_per_s`, `tuned_ort_nospin_${b}_texts_per_s`]).map((k) => num(f, k));
      expect(num(f, 'tuned_ort_texts_per_s')).toBe(Math.max(...tuned));
      expect(TUNED_BATCHES).toContain(num(f, 'tuned_ort_batch'));
      const spin = f.tuned_ort_spinning === 'yes' ? '' : 'nospin_';
      expect(num(f, `tuned_ort_${spin}${num(f, 'tuned_ort_batch')}_texts_per_s`)).toBe(num(f, 'tuned_ort_texts_per_s'));
      expect(num(f, 'engine_vs_tuned_ort')).toBeCloseTo(num(f, 'engine_texts_per_s') / num(f, 'tuned_ort_texts_per_s'), 2);
      expect(num(f, 'engine_windowed_vs_tuned_ort')).toBeCloseTo(
        num(f, 'engine_windowed_texts_per_s') / num(f, 'tuned_ort_texts_per_s'),
        2,
      );
      // Per CPU-second: the tuned cell that costs least CPU per text is the baseline.
      expect(num(f, 'tuned_ort_texts_per_cpu_s')).toBe(num(f, `${String(f.tuned_ort_cpu_best)}_texts_per_cpu_s`));
      const tunedCpu = TUNED_BATCHES.flatMap((b) => [`tuned_ort_${b}_texts_per_cpu_s`, `tuned_ort_nospin_${b}_texts_per_cpu_s`]).map((k) =>
        num(f, k),
      );
      expect(num(f, 'tuned_ort_texts_per_cpu_s')).toBe(Math.max(...tunedCpu));
      expect(num(f, 'engine_vs_tuned_ort_cpu')).toBeCloseTo(num(f, 'engine_texts_per_cpu_s') / num(f, 'tuned_ort_texts_per_cpu_s'), 2);
      expectMachine(f);
    },
  },
  'backfill-local': {
    redis: false,
    figures: {
      suite: { eq: 'backfill-local' },
      lines: { eq: 500 },
      errors: { eq: 0 },
      backfill_texts_per_s: rate,
      backfill_peak_rss_mb: 'positive',
    },
  },
  model: {
    redis: false,
    defaultModel: true,
    figures: {
      suite: { eq: 'model' },
      provider: { eq: 'cpu' },
      cpu: 'text',
      cores: 'positive',
      seq: { eq: 16 },
      default_model: 'text',
      default_int8_vs_fp32: 'positive',
      roberta_model: 'text',
      roberta_int8_vs_fp32: 'positive',
      int8_vs_fp32: 'positive',
      rows: 'rows',
    },
    also: (f) => {
      expect(f.roberta_model).toMatch(/^roberta-tiny-shaped@/);
      expect(f.int8_vs_fp32).toBe(f.roberta_int8_vs_fp32);
      const rows = f.rows as { model: string; variant: string; texts_per_s: number; p50_ms: number; p95_ms: number; runs: number }[];
      // 2 models × levels basic, all × batches 1, 4 × threads 1 × variants fp32, int8.
      expect(rows).toHaveLength(16);
      expect(new Set(rows.map((r) => `${r.model}/${r.variant}`))).toEqual(
        new Set(['goemotions-mini/fp32', 'goemotions-mini/int8', 'roberta-tiny-shaped/fp32', 'roberta-tiny-shaped/int8']),
      );
      for (const r of rows) {
        expectKind(`rows[].texts_per_s`, r.texts_per_s, 'positive');
        expect(r.p50_ms).toBeLessThanOrEqual(r.p95_ms);
        expect(r.runs).toBe(3);
      }
    },
  },
  batching: {
    redis: false,
    figures: {
      suite: { eq: 'batching' },
      model: 'text',
      provider: 'text',
      texts: { eq: 128 },
      repeats: { eq: 1 },
      inference_threads: 'positive',
      intra_op_threads: 'positive',
      batch_max_tokens: 'positive',
      batch_max_size: 'positive',
      bucket_span: { eq: 2048 },
      ...Object.fromEntries(SORTED_FIXED.map((s) => [`sorted_fixed_${s}_texts_per_s`, rate])),
      input_order_fixed_32_texts_per_s: rate,
      adaptive_texts_per_s: rate,
      best_fixed_texts_per_s: rate,
      best_fixed_size: 'positive',
      best_fixed_padding_efficiency: 'share',
      adaptive_vs_best_fixed: 'positive',
      adaptive_off_texts_per_s: rate,
      adaptive_vs_adaptive_off: 'positive',
      adaptive_vs_input_order_fixed_32: 'positive',
      adaptive_padding_efficiency: 'share',
      adaptive_mean_batch_texts: 'positive',
      latency_model_ms: 'text',
      unloaded_single_ms: 'positive',
      interactive_target_ms: 'positive',
      interactive_every_ms: 'positive',
      interactive_p50_ms: 'positive',
      interactive_p95_ms: 'positive',
      interactive_requests: { eq: 10 },
      // Bulk texts finished while the interactive texts were timed: counted on completion, so possibly 0.
      bulk_texts_per_s_under_load: 'nonneg',
      interactive_p95_ok: 'yesno',
      fixed_budget_interactive_p95_ms: 'positive',
      fixed_budget_bulk_texts_per_s_under_load: 'nonneg',
      ...MACHINE,
    },
    also: (f) => {
      // The honest baseline: the best length-bucketed fixed size of the grid (input order is not in it).
      const fixed = SORTED_FIXED.map((s) => num(f, `sorted_fixed_${s}_texts_per_s`));
      expect(num(f, 'best_fixed_texts_per_s')).toBe(Math.max(...fixed));
      expect(num(f, `sorted_fixed_${num(f, 'best_fixed_size')}_texts_per_s`)).toBe(num(f, 'best_fixed_texts_per_s'));
      expect(num(f, 'adaptive_vs_best_fixed')).toBeCloseTo(num(f, 'adaptive_texts_per_s') / num(f, 'best_fixed_texts_per_s'), 2);
      expect(num(f, 'adaptive_vs_adaptive_off')).toBeCloseTo(num(f, 'adaptive_texts_per_s') / num(f, 'adaptive_off_texts_per_s'), 2);
      expect(num(f, 'adaptive_vs_input_order_fixed_32')).toBeCloseTo(
        num(f, 'adaptive_texts_per_s') / num(f, 'input_order_fixed_32_texts_per_s'),
        2,
      );
      expectMachine(f);
      expect(num(f, 'interactive_target_ms')).toBeCloseTo(3 * num(f, 'unloaded_single_ms') + 10, 1);
      expect(num(f, 'interactive_every_ms')).toBeGreaterThanOrEqual(20);
      expect(num(f, 'interactive_p50_ms')).toBeLessThanOrEqual(num(f, 'interactive_p95_ms'));
    },
  },
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
      messages: { eq: 300 },
      distinct_texts: 'positive',
      repeat_share: { eq: 0.3 },
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
    figures: {
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
      classify_calls: { eq: 10 },
      classify_cold_p50_ms: 'positive',
      classify_cold_p99_ms: 'positive',
      classify_cached_p50_ms: 'positive',
      classify_cached_p99_ms: 'positive',
      ...MACHINE,
    },
    also: (f) => {
      expect(num(f, 'fleet_vs_engine')).toBeCloseTo(num(f, 'fleet_texts_per_s') / num(f, 'engine_texts_per_s'), 2);
      for (const kind of ['cold', 'cached'])
        expect(num(f, `classify_${kind}_p50_ms`)).toBeLessThanOrEqual(num(f, `classify_${kind}_p99_ms`));
      expectMachine(f);
    },
  },
  profiler: {
    redis: false,
    figures: {
      suite: { eq: 'profiler' },
      model: 'text',
      provider: 'text',
      texts: { eq: 128 },
      chunk_texts: { eq: 64 },
      repeats: { eq: 2 },
      sample_rate: 'share',
      off_texts_per_s: rate,
      on_texts_per_s: rate,
      profiling_overhead: 'finite',
      profiling_overhead_p25: 'finite',
      profiling_overhead_p75: 'finite',
      observe_ns: 'positive',
      observations_per_text: 'positive',
      profiling_overhead_micro: 'nonneg',
    },
    also: (f) => {
      expect(num(f, 'profiling_overhead_p25')).toBeLessThanOrEqual(num(f, 'profiling_overhead'));
      expect(num(f, 'profiling_overhead')).toBeLessThanOrEqual(num(f, 'profiling_overhead_p75'));
      expect(num(f, 'profiling_overhead')).toBeLessThan(1);
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
    figures: {
      suite: { eq: 'interactive' },
      model: 'text',
      coalesce_max_texts: 'nonneg',
      texts_per_request: { eq: 1 },
      cache: 'text',
      engine_texts_per_s: rate,
      levels: 'rows',
      c1_texts_per_s: rate,
      c1_p50_ms: 'positive',
      c1_p99_ms: 'positive',
      c1_non_200: { eq: 0 },
      c1_vs_engine: 'positive',
      c1_cpu_s_per_1k_texts: 'positive',
      c4_texts_per_s: rate,
      c4_p50_ms: 'positive',
      c4_p99_ms: 'positive',
      c4_non_200: { eq: 0 },
      c4_vs_engine: 'positive',
      c4_cpu_s_per_1k_texts: 'positive',
      ...MACHINE,
    },
    also: (f) => {
      const levels = f.levels as { concurrency: number; requests: number; p50_ms: number; p95_ms: number; p99_ms: number }[];
      expect(levels.map((l) => [l.concurrency, l.requests])).toEqual([
        [1, 40],
        [4, 40],
      ]);
      for (const l of levels) expect(l.p50_ms <= l.p95_ms && l.p95_ms <= l.p99_ms).toBe(true);
      for (const c of [1, 4]) expect(num(f, `c${c}_vs_engine`)).toBeCloseTo(num(f, `c${c}_texts_per_s`) / num(f, 'engine_texts_per_s'), 2);
      expectMachine(f);
    },
  },
};

export function expectKind(key: string, value: unknown, check: Check): void {
  const what = `${key} = ${JSON.stringify(value)}`;
  if (typeof check === 'object') return void expect(value, what).toBe(check.eq);
  if (check === 'text') return void expect(typeof value === 'string' && value.length > 0, `${what} is a non-empty string`).toBe(true);
  if (check === 'yesno') return void expect(['yes', 'no'], what).toContain(value);
  if (check === 'rows')
    return void expect(Array.isArray(value) && value.length > 0, `${what.slice(0, 200)} is a non-empty array`).toBe(true);
  expect(typeof value === 'number' && Number.isFinite(value), `${what} is a finite number`).toBe(true);
  const n = value as number;
  if (check === 'positive') expect(n, what).toBeGreaterThan(0);
  if (check === 'nonneg') expect(n, what).toBeGreaterThanOrEqual(0);
  if (check === 'share') {
    expect(n, what).toBeGreaterThanOrEqual(0);
    expect(n, what).toBeLessThanOrEqual(1);
  }
}
