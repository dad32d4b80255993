// The --quick figures of the suites that run the engine in this process (engine, backfill-local,
// model, batching, profiler): no Redis, no fleet processes. One entry per suite; bench-quick-figures.ts
// puts them in the table the e2e spec runs.
import { expect } from 'vitest';
import { expectKind, expectMachine, MACHINE, num, rate, type SuiteSpec } from './bench-quick-checks';

/** Batch sizes of the tuned ORT loop in `emo bench engine` (each with spinning on and off). */
const TUNED_BATCHES = [32, 64, 128];

/** Fixed batch sizes `emo bench batching` runs with length bucketing. */
const SORTED_FIXED = [8, 16, 32, 64, 128];

/** What every in-process run of 128 texts, one repeat, reports about itself (engine, batching). */
function inProcessRun(suite: string): SuiteSpec['figures'] {
  return {
    suite: { eq: suite },
    model: 'text',
    provider: 'text',
    texts: { eq: 128 },
    repeats: { eq: 1 },
    inference_threads: 'positive',
    intra_op_threads: 'positive',
  };
}

export const ENGINE_SUITES = {
  engine: {
    redis: false,
    figures: {
      ...inProcessRun('engine'),
      thread_budget: 'positive',
      engine_texts_per_s: rate,
      naive_texts_per_s: rate,
      engine_vs_naive: 'positive',
      engine_windowed_texts_per_s: rate,
      engine_windowed_vs_tuned_ort: 'positive',
      engine_windowed_texts_per_cpu_s: rate,
      engine_queue_off_texts_per_s: rate,
      engine_windowed_queue_off_texts_per_s: rate,
      queue_vs_off: 'positive',
      queue_vs_off_windowed: 'positive',
      engine_calls_c64_texts_per_s: rate,
      engine_calls_c64_split_off_texts_per_s: rate,
      split_vs_off_calls_c64: 'positive',
      engine_calls_c64_texts_per_cpu_s: rate,
      engine_calls_c64_split_off_texts_per_cpu_s: rate,
      ...Object.fromEntries(
        TUNED_BATCHES.flatMap((b) => [`tuned_ort_${b}_texts_per_s`, `tuned_ort_nospin_${b}_texts_per_s`]).map((k) => [k, rate]),
      ),
      lone_text_1_thread_p50_ms: 'positive',
      lone_text_1_thread_cpu_ms: 'positive',
      lone_text_budget_threads: 'positive',
      lone_text_budget_threads_p50_ms: 'positive',
      lone_text_budget_threads_cpu_ms: 'positive',
      lone_text_budget_vs_1_thread: 'positive',
      inline_intra_op_threads: 'positive',
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
      expect(num(f, 'queue_vs_off')).toBeCloseTo(num(f, 'engine_texts_per_s') / num(f, 'engine_queue_off_texts_per_s'), 2);
      expect(num(f, 'queue_vs_off_windowed')).toBeCloseTo(
        num(f, 'engine_windowed_texts_per_s') / num(f, 'engine_windowed_queue_off_texts_per_s'),
        2,
      );
      expect(num(f, 'split_vs_off_calls_c64')).toBeCloseTo(
        num(f, 'engine_calls_c64_texts_per_s') / num(f, 'engine_calls_c64_split_off_texts_per_s'),
        2,
      );
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
      // The lone-text comparison weighs one thread against the budget the inline session may take, and the engine chose one of them.
      expect(num(f, 'lone_text_budget_threads')).toBe(Math.min(4, num(f, 'thread_budget')));
      expect(num(f, 'lone_text_budget_vs_1_thread')).toBeCloseTo(
        num(f, 'lone_text_budget_threads_p50_ms') / num(f, 'lone_text_1_thread_p50_ms'),
        2,
      );
      expect([1, num(f, 'lone_text_budget_threads')]).toContain(num(f, 'inline_intra_op_threads'));
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
      ...inProcessRun('batching'),
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
} satisfies Record<string, SuiteSpec>;
