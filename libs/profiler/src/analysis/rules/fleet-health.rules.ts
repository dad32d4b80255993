// Rules that hold whatever stage dominates: a cold cache, a growing backlog, GPU memory, the p95
// target, errors and padding waste.
import type { BottleneckRule } from './bottleneck-rule';
import { COLD, cold, DEVICE_STAGES, dominant, GROWING, growing, overTarget } from './report-facts';
import { T } from './thresholds';

export const FLEET_HEALTH_RULES: readonly BottleneckRule[] = [
  {
    code: 'WARM_CACHE',
    severity: 'info',
    when: 'the cache hit rate is < `COLD_HIT_RATE` over ≥ `COLD_MIN_LOOKUPS` lookups and no model stage (inference, tokenization, postprocess) dominates',
    thresholds: ['COLD_HIT_RATE', 'COLD_MIN_LOOKUPS'],
    evidence: ['dominant_stage', ...COLD],
    condition: (r) => cold(r) && !dominant(r, ...DEVICE_STAGES),
    says: 'only {hit_rate} of texts hit the cache: warm it (CACHE_WARM_FILE) if texts repeat',
    setting: 'CACHE_WARM_FILE',
    why: 'A cold cache is worth knowing even when the model is not where the time goes.',
  },
  {
    code: 'BACKLOG_GROWING',
    severity: 'warning',
    when: 'the backlog grows (trend > 0 with chunks waiting) and queue_wait does not dominate',
    thresholds: [],
    evidence: ['dominant_stage', ...GROWING],
    condition: (r) => growing(r) && !dominant(r, 'queue_wait'),
    says: 'backlog grows by {growth_per_s} chunks/s while workers drain {drain_per_s} chunks/s: add workers or the backlog never clears',
    setting: 'worker replicas',
    why: 'Arrivals outpace the drain: whatever dominates the texts that ran, the queue never empties at this capacity (with queue_wait dominant ADD_WORKERS says it).',
  },
  {
    code: 'GPU_MEMORY_FULL',
    severity: 'critical',
    when: 'GPU memory used ≥ `GPU_MEMORY_FULL`',
    thresholds: ['GPU_MEMORY_FULL'],
    evidence: ['device.gpu_memory_used_ratio'],
    condition: (r) => (r.device.gpu_memory_used_ratio ?? 0) >= T.GPU_MEMORY_FULL,
    says: 'GPU memory is {gpu_memory} used: lower BATCH_MAX_TOKENS or run fewer inference threads per GPU',
    setting: 'BATCH_MAX_TOKENS',
    why: 'Activation memory grows with the batch budget and the threads per GPU: the next large batch fails with OUT_OF_MEMORY.',
  },
  {
    code: 'P95_OVER_TARGET',
    severity: 'warning',
    when: 'p95 > PROFILER_P95_TARGET_MS',
    thresholds: [],
    evidence: ['p95_ms', 'p95_target_ms'],
    condition: overTarget,
    says: 'p95 is about {p95}, over the {target} target',
    setting: 'PROFILER_P95_TARGET_MS',
    why: "The target is the operator's own line (its default, 1 s, is the alert rules' line too).",
  },
  {
    code: 'ERRORS',
    severity: 'warning',
    when: 'error rate ≥ `ERROR_RATE`',
    thresholds: ['ERROR_RATE'],
    evidence: ['throughput.error_rate'],
    condition: (r) => r.throughput.error_rate >= T.ERROR_RATE,
    says: '{error_rate} of texts ended in an error: see the error codes in the logs and emo_texts_processed_total{outcome="error"}',
    why: 'Failed texts are lost work whatever the latency says.',
  },
  {
    code: 'PADDING_WASTE',
    severity: 'info',
    when: 'padding efficiency < `PADDING_EFFICIENCY`',
    thresholds: ['PADDING_EFFICIENCY'],
    evidence: ['batches.padding_efficiency'],
    condition: (r) => (r.batches.padding_efficiency ?? 1) < T.PADDING_EFFICIENCY,
    says: 'only {padding} of padded tokens are real: texts of very different lengths share batches; more texts in flight (WORKER_CONCURRENCY) lets the batcher group by length',
    setting: 'WORKER_CONCURRENCY',
    why: 'The batcher groups texts by length from what is in flight: more texts in flight give it closer lengths to group.',
  },
];
