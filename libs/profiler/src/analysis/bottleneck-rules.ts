// The bottleneck rules as one table: each row is a recommendation code, its severity, a pure
// condition over the report draft, the report fields that condition reads (its evidence), the
// text it says, the setting to turn, and why the condition means that advice. The thresholds are
// named constants, each with the reasoning (and the recorded windows, fixtures/*.window.json)
// behind its value. analyzeProfile evaluates the rows in order; docs/observability.md holds the
// same table (bottleneck-rules.spec.ts fails when the two drift).
import type { Stage } from '../stages/stages';
import type { ProfileReport, Recommendation, Severity } from './profile-report';

/** A report before its recommendations: what the rules read. */
export type ReportDraft = Omit<ProfileReport, 'recommendations'>;

export type RecommendationCode =
  | 'ADD_WORKERS'
  | 'RAISE_WORKER_CONCURRENCY'
  | 'CHECK_WORKERS'
  | 'WARM_CACHE'
  | 'ADD_CPU'
  | 'RAISE_BATCH_BUDGET'
  | 'MODEL_BOUND'
  | 'SLOW_MODEL'
  | 'BATCH_WAIT'
  | 'SLOW_CACHE'
  | 'SLOW_QUEUE_REDIS'
  | 'LARGE_REQUESTS'
  | 'BACKLOG_GROWING'
  | 'GPU_MEMORY_FULL'
  | 'P95_OVER_TARGET'
  | 'ERRORS'
  | 'PADDING_WASTE'
  | 'HEALTHY';

interface Threshold {
  readonly value: number;
  readonly why: string;
}

/** Every number the rules compare with (the p95 target aside: PROFILER_P95_TARGET_MS). */
export const THRESHOLDS = {
  SATURATED_BUSY: {
    value: 0.8,
    why:
      'Utilization knee of a single server: the mean queueing delay grows as ρ/(1−ρ) service times, 4 at 0.8 and 9 at 0.9, so past 0.8 added load mostly turns into waiting. ' +
      'Below it the device was free at least a fifth of the window, so texts that waited were held by something else (bursts, the host event loop). ' +
      'Recorded windows (2-core VM, load 12–17): a device fed throughout read 0.95 and 0.98 (model-bound, too-few-workers); a 20 000-text burst that starved the worker event loop read 0.23 with batch_wait dominant (burst-host-bound). ' +
      'The room between 0.8 and those readings absorbs hand-off gaps and the window edges (a batch counts when it finishes; the oldest, partly expired slot of the ring counts whole, so a reading can be up to a sixth high). ' +
      'It is also the line for a dominant batch_wait (the 0.6 chosen there to pass one test is gone).',
  },
  UNDERUSED_BUSY: {
    value: 0.5,
    why: 'Under half busy the device idles more than it works: batches twice as large (one budget step) would still fit in the window, so when they are capped it is the cap, not the device, that limits throughput.',
  },
  BUDGET_AT_MAX_SHARE: {
    value: 0.5,
    why: 'A majority of batches ran with the budget at BATCH_MAX_TOKENS: the cap binds for the typical batch, not for an odd long text.',
  },
  SLOTS_FULL: {
    value: 0.75,
    why:
      'Chunk slots are sampled at each publish; a worker with work waiting still drops a slot for queue turnaround (complete, fetch, cache lookups), so a full worker reads under 1 (too-few-workers: 1.0 with one slot). ' +
      'Three quarters is "all slots but one of four busy".',
  },
  SLOTS_PULLING: {
    value: 0.1,
    why: 'With chunks waiting in the queue, a worker seen holding a chunk in one sample in ten is taking them (turnaround explains the gaps); below that no worker is taking this queue.',
  },
  COLD_HIT_RATE: {
    value: 0.2,
    why: 'Under one hit in five the cache saves less than a fifth of the device work; warming it is cheaper than buying capacity when texts repeat.',
  },
  COLD_MIN_LOOKUPS: {
    value: 20,
    why: 'A hit rate over fewer lookups is noise: at 20 lookups one hit already moves it by 5 points.',
  },
  GPU_MEMORY_FULL: {
    value: 0.9,
    why: 'The line of the EmoGpuMemoryNearFull alert (deploy/prometheus/emo-alerts.rules.yml): above it a larger batch risks OUT_OF_MEMORY and batch splitting.',
  },
  ERROR_RATE: {
    value: 0.01,
    why: 'One text in a hundred failing is worth a look long before the EmoTextErrorRate alert pages at 5 %.',
  },
  PADDING_EFFICIENCY: {
    value: 0.5,
    why: 'Under half of the padded tokens real: the device spends more of its work on padding than on text.',
  },
} as const satisfies Record<string, Threshold>;

export type ThresholdName = keyof typeof THRESHOLDS;
const T = Object.fromEntries(Object.entries(THRESHOLDS).map(([k, v]) => [k, v.value])) as Record<ThresholdName, number>;

/** Report fields a condition may read (dotted paths into the draft). */
export type EvidenceField =
  | 'dominant_stage'
  | 'stages'
  | 'p95_ms'
  | 'p95_target_ms'
  | 'device.busy_ratio'
  | 'device.gpu_utilization'
  | 'device.gpu_memory_used_ratio'
  | 'queue.backlog'
  | 'queue.growth_per_s'
  | 'workers.chunk_slots_used'
  | 'batches.at_max_budget_ratio'
  | 'batches.padding_efficiency'
  | 'cache.lookups'
  | 'cache.hit_rate'
  | 'throughput.error_rate';

export interface BottleneckRule {
  readonly code: RecommendationCode;
  readonly severity: Severity;
  /** The condition in words, naming its thresholds (the docs' "when" column). */
  readonly when: string;
  readonly thresholds: readonly ThresholdName[];
  readonly evidence: readonly EvidenceField[];
  /** Pure: holds for this draft or not. */
  readonly condition: (r: ReportDraft) => boolean;
  /** What the recommendation says: {name} placeholders are filled from the draft (see messageVars). */
  readonly says: string;
  readonly setting?: string;
  readonly why: string;
}

// The facts the conditions are made of; each reads only the fields its evidence names.
const busy = (r: ReportDraft) => r.device.gpu_utilization ?? r.device.busy_ratio;
const saturated = (r: ReportDraft) => {
  const b = busy(r);
  return b !== undefined && b >= T.SATURATED_BUSY;
};
const growing = (r: ReportDraft) => (r.queue.growth_per_s ?? 0) > 0 && (r.queue.backlog ?? 0) > 0;
const overTarget = (r: ReportDraft) => r.p95_ms > r.p95_target_ms;
/** Advice about a dominant stage only matters when something hurts: some stage always dominates. */
const pressure = (r: ReportDraft) => overTarget(r) || saturated(r) || growing(r);
const slotsUsed = (r: ReportDraft) => r.workers.chunk_slots_used ?? 0;
const slotsTaken = (r: ReportDraft) => slotsUsed(r) >= T.SLOTS_FULL || ((r.queue.backlog ?? 0) > 0 && slotsUsed(r) >= T.SLOTS_PULLING);
const cold = (r: ReportDraft) => r.cache.hit_rate !== undefined && r.cache.lookups >= T.COLD_MIN_LOOKUPS && r.cache.hit_rate < T.COLD_HIT_RATE;
const underused = (r: ReportDraft) => {
  const b = busy(r);
  return b !== undefined && b < T.UNDERUSED_BUSY && (r.batches.at_max_budget_ratio ?? 0) >= T.BUDGET_AT_MAX_SHARE;
};
const dominant = (r: ReportDraft, ...stages: Stage[]) => r.dominant_stage !== undefined && stages.includes(r.dominant_stage);
const DEVICE_STAGES: Stage[] = ['inference', 'tokenization', 'postprocess'];

const BUSY: EvidenceField[] = ['device.gpu_utilization', 'device.busy_ratio'];
const GROWING: EvidenceField[] = ['queue.growth_per_s', 'queue.backlog'];
const PRESSURE: EvidenceField[] = ['p95_ms', 'p95_target_ms', ...BUSY, ...GROWING];
const COLD: EvidenceField[] = ['cache.hit_rate', 'cache.lookups'];
const SLOTS: EvidenceField[] = ['workers.chunk_slots_used', 'queue.backlog'];
const uniq = <X>(xs: X[]) => [...new Set(xs)];

// What {name} placeholders of `says` are filled with.
const pct = (x: number) => `${Math.round(x * 100)} %`;
const ms = (x: number) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);

/** The placeholder values of a draft: {lead} = "<dominant stage> is N % of p95", {busy} = the device's busy share, … */
export function messageVars(r: ReportDraft): Record<string, string> {
  const b = busy(r);
  const share = r.stages.find((s) => s.stage === r.dominant_stage)?.share_of_p95 ?? 0;
  const gpu = r.device.kind === 'gpu';
  const g = growing(r);
  const need = g && r.queue.drain_per_s > 0 && r.workers.count > 0 ? Math.ceil(r.workers.count * (1 + (r.queue.growth_per_s ?? 0) / r.queue.drain_per_s)) : undefined;
  const used = slotsUsed(r);
  return {
    lead: r.dominant_stage ? `${r.dominant_stage.replace('_', ' ')} is ${pct(share)} of p95` : '',
    device: gpu ? 'GPU' : 'inference threads',
    Device: gpu ? 'GPU' : 'Inference threads',
    busy: pct(b ?? 0),
    busy_share: b === undefined ? 'busy' : `${pct(b)} busy`,
    growth: g ? `, backlog growing by ${r.queue.growth_per_s} chunks/s` : '',
    need: need ? ` (about ${need} for the current load)` : '',
    slots: used >= T.SLOTS_FULL ? 'every chunk slot is taken' : `chunks wait in the queue while workers turn chunks over one slot at a time (${pct(used)} of slots busy)`,
    hit_rate: pct(r.cache.hit_rate ?? 0),
    growth_per_s: String(r.queue.growth_per_s),
    drain_per_s: String(r.queue.drain_per_s),
    gpu_memory: pct(r.device.gpu_memory_used_ratio ?? 0),
    error_rate: pct(r.throughput.error_rate),
    padding: pct(r.batches.padding_efficiency ?? 0),
    p95: ms(r.p95_ms),
    target: ms(r.p95_target_ms),
  };
}

/** A rule's text for this draft. */
export function renderSays(says: string, vars: Record<string, string>): string {
  return says.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

const rules: BottleneckRule[] = [
  {
    code: 'ADD_WORKERS',
    severity: 'critical',
    when: 'queue_wait dominates and the device is busy ≥ `SATURATED_BUSY` or the backlog grows',
    thresholds: ['SATURATED_BUSY'],
    evidence: ['dominant_stage', ...BUSY, ...GROWING],
    condition: (r) => dominant(r, 'queue_wait') && (saturated(r) || growing(r)),
    says: '{lead} and workers are saturated ({device} {busy_share}{growth}): add workers{need}',
    setting: 'worker replicas',
    why: 'Texts wait in the queue while the workers that would take them have no device time to spare (or fall behind the arrivals): only more workers drain it.',
  },
  {
    code: 'RAISE_WORKER_CONCURRENCY',
    severity: 'warning',
    when: 'queue_wait dominates under pressure, the device is busy < `SATURATED_BUSY`, the backlog does not grow, and chunk slots are ≥ `SLOTS_FULL` used (or ≥ `SLOTS_PULLING` with a backlog waiting)',
    thresholds: ['SATURATED_BUSY', 'SLOTS_FULL', 'SLOTS_PULLING'],
    evidence: uniq(['dominant_stage', ...PRESSURE, ...SLOTS]),
    condition: (r) => dominant(r, 'queue_wait') && !saturated(r) && !growing(r) && slotsTaken(r) && pressure(r),
    says: '{lead} while the {device} are only {busy} busy and {slots}: raise WORKER_CONCURRENCY so more chunks reach the batcher (or add workers)',
    setting: 'WORKER_CONCURRENCY',
    why: 'The device has time to spare but the workers hold all the chunks their slots allow: more chunks in flight per worker reach the batcher and overlap the queue turnaround.',
  },
  {
    code: 'CHECK_WORKERS',
    severity: 'warning',
    when: 'queue_wait dominates under pressure, the device is busy < `SATURATED_BUSY`, the backlog does not grow, and chunk slots are < `SLOTS_FULL` used (and < `SLOTS_PULLING` or no backlog)',
    thresholds: ['SATURATED_BUSY', 'SLOTS_FULL', 'SLOTS_PULLING'],
    evidence: uniq(['dominant_stage', ...PRESSURE, ...SLOTS]),
    condition: (r) => dominant(r, 'queue_wait') && !saturated(r) && !growing(r) && !slotsTaken(r) && pressure(r),
    says: '{lead} but workers are not busy: check that enough workers are running and connected to this queue prefix',
    why: 'Texts wait in the queue while neither the devices nor the chunk slots are busy: the workers are missing, stuck or on another queue prefix.',
  },
  {
    code: 'WARM_CACHE',
    severity: 'warning',
    when: 'inference, tokenization or postprocess dominates and the cache hit rate is < `COLD_HIT_RATE` over ≥ `COLD_MIN_LOOKUPS` lookups',
    thresholds: ['COLD_HIT_RATE', 'COLD_MIN_LOOKUPS'],
    evidence: ['dominant_stage', ...COLD],
    condition: (r) => dominant(r, ...DEVICE_STAGES) && cold(r),
    says: '{lead} and only {hit_rate} of texts hit the cache: the cache is cold; warm it (CACHE_WARM_FILE, `emo cache warm`) if texts repeat',
    setting: 'CACHE_WARM_FILE',
    why: 'The model stages dominate and almost every text runs them: each cache hit skips tokenization, inference and postprocessing altogether.',
  },
  {
    code: 'ADD_CPU',
    severity: 'warning',
    when: 'tokenization or postprocess dominates under pressure',
    thresholds: ['SATURATED_BUSY'],
    evidence: uniq(['dominant_stage', ...PRESSURE]),
    condition: (r) => dominant(r, 'tokenization', 'postprocess') && pressure(r),
    says: '{lead}: it runs on the worker\'s CPU; add workers or CPU',
    why: "Tokenization and postprocessing run on the worker's main thread, not the device: they speed up only with more CPU (or more workers sharing the texts).",
  },
  {
    code: 'RAISE_BATCH_BUDGET',
    severity: 'warning',
    when: 'inference dominates, the device is busy < `UNDERUSED_BUSY` and ≥ `BUDGET_AT_MAX_SHARE` of batches ran at the maximum budget',
    thresholds: ['UNDERUSED_BUSY', 'BUDGET_AT_MAX_SHARE'],
    evidence: ['dominant_stage', ...BUSY, 'batches.at_max_budget_ratio'],
    condition: (r) => dominant(r, 'inference') && underused(r),
    says: '{Device} {busy} busy with the batch budget at its maximum: raise BATCH_MAX_TOKENS (and BATCH_MAX_SIZE)',
    setting: 'BATCH_MAX_TOKENS',
    why: 'Batches are as large as allowed while the device idles most of the window: larger batches use the idle time and cost less per text.',
  },
  {
    code: 'MODEL_BOUND',
    severity: 'critical',
    when: 'inference dominates, the device is busy ≥ `SATURATED_BUSY`, and the cache is not cold (hit rate ≥ `COLD_HIT_RATE` or < `COLD_MIN_LOOKUPS` lookups)',
    thresholds: ['SATURATED_BUSY', 'COLD_HIT_RATE', 'COLD_MIN_LOOKUPS'],
    evidence: ['dominant_stage', ...BUSY, ...COLD],
    condition: (r) => dominant(r, 'inference') && saturated(r) && !cold(r),
    says: '{lead} and the {device} are {busy} busy: the model is the bottleneck; use a faster variant (PRECISION=int8), a GPU (EXECUTION_PROVIDERS=cuda,cpu) or more inference capacity (INFERENCE_THREADS, workers)',
    setting: 'PRECISION',
    why: 'The texts spend their time running the model on a device that has no time left: only a faster model or more device capacity helps.',
  },
  {
    code: 'MODEL_BOUND',
    severity: 'warning',
    when: 'inference dominates, the device is busy ≥ `SATURATED_BUSY`, and the cache is cold (hit rate < `COLD_HIT_RATE` over ≥ `COLD_MIN_LOOKUPS` lookups)',
    thresholds: ['SATURATED_BUSY', 'COLD_HIT_RATE', 'COLD_MIN_LOOKUPS'],
    evidence: ['dominant_stage', ...BUSY, ...COLD],
    condition: (r) => dominant(r, 'inference') && saturated(r) && cold(r),
    says: '{lead} and the {device} are {busy} busy: the model is the bottleneck; use a faster variant (PRECISION=int8), a GPU (EXECUTION_PROVIDERS=cuda,cpu) or more inference capacity (INFERENCE_THREADS, workers)',
    setting: 'PRECISION',
    why: 'As above, but a warm cache would take texts off the device first (WARM_CACHE comes with it), so the model is the second thing to change.',
  },
  {
    code: 'SLOW_MODEL',
    severity: 'warning',
    when: 'inference dominates under pressure, the device is busy < `SATURATED_BUSY` (and not < `UNDERUSED_BUSY` with ≥ `BUDGET_AT_MAX_SHARE` of batches at the maximum), and the cache is not cold (hit rate ≥ `COLD_HIT_RATE` or < `COLD_MIN_LOOKUPS` lookups)',
    thresholds: ['SATURATED_BUSY', 'UNDERUSED_BUSY', 'BUDGET_AT_MAX_SHARE', 'COLD_HIT_RATE', 'COLD_MIN_LOOKUPS'],
    evidence: uniq(['dominant_stage', ...PRESSURE, 'batches.at_max_budget_ratio', ...COLD]),
    condition: (r) => dominant(r, 'inference') && !underused(r) && !saturated(r) && !cold(r) && pressure(r),
    says: '{lead} with the {device} {busy_share}: each batch is slow; try PRECISION=int8 or a smaller MAX_SEQUENCE_LENGTH',
    setting: 'PRECISION',
    why: 'The device is not saturated, so texts do not queue for it: each batch itself takes long; a cheaper model or shorter sequences make every batch faster.',
  },
  {
    code: 'MODEL_BOUND',
    severity: 'critical',
    when: 'batch_wait dominates and the device is busy ≥ `SATURATED_BUSY`',
    thresholds: ['SATURATED_BUSY'],
    evidence: ['dominant_stage', ...BUSY],
    condition: (r) => dominant(r, 'batch_wait') && saturated(r),
    says: '{lead} and the {device} are {busy} busy: texts queue for the device, the model is the bottleneck; use a faster variant (PRECISION=int8), a GPU (EXECUTION_PROVIDERS=cuda,cpu) or more workers',
    setting: 'PRECISION',
    why: 'The continuous scheduler holds no text back to fill a batch, so with the device saturated the batch wait is texts queueing for it: the model is the bottleneck.',
  },
  {
    code: 'BATCH_WAIT',
    severity: 'warning',
    when: 'batch_wait dominates under pressure and the device is busy < `SATURATED_BUSY`',
    thresholds: ['SATURATED_BUSY'],
    evidence: uniq(['dominant_stage', ...PRESSURE]),
    condition: (r) => dominant(r, 'batch_wait') && !saturated(r) && pressure(r),
    says: '{lead} while the {device} are {busy} busy: texts wait for batches to form; lower BATCH_INTERACTIVE_P95_TARGET_MS for interactive traffic or raise INFERENCE_THREADS',
    setting: 'INFERENCE_THREADS',
    why: 'Texts wait in the batcher although the device had a fifth of the window or more to spare: they arrive in bursts (or the event loop dispatches late), which more inference threads absorb; the model is not what is short.',
  },
  {
    code: 'SLOW_CACHE',
    severity: 'warning',
    when: 'l1 or l2 dominates under pressure',
    thresholds: ['SATURATED_BUSY'],
    evidence: uniq(['dominant_stage', ...PRESSURE]),
    condition: (r) => dominant(r, 'l1', 'l2') && pressure(r),
    says: '{lead}: cache lookups are slow; check the cache Redis (CACHE_REDIS_URL) latency, or lower CACHE_L2_TIMEOUT_MS',
    setting: 'CACHE_REDIS_URL',
    why: 'A lookup that should take a Redis round trip dominates: the cache Redis (or the network to it) is slow.',
  },
  {
    code: 'SLOW_QUEUE_REDIS',
    severity: 'warning',
    when: 'result_write or enqueue dominates under pressure',
    thresholds: ['SATURATED_BUSY'],
    evidence: uniq(['dominant_stage', ...PRESSURE]),
    condition: (r) => dominant(r, 'result_write', 'enqueue') && pressure(r),
    says: '{lead}: the queue Redis is slow; check its latency and memory (REDIS_URL)',
    setting: 'REDIS_URL',
    why: 'Writing chunks or results is a few Redis commands: when that dominates, the queue Redis is slow or short of memory.',
  },
  {
    code: 'LARGE_REQUESTS',
    severity: 'info',
    when: 'validation dominates under pressure',
    thresholds: ['SATURATED_BUSY'],
    evidence: uniq(['dominant_stage', ...PRESSURE]),
    condition: (r) => dominant(r, 'validation') && pressure(r),
    says: '{lead}: requests are large; send bulk work as jobs (POST /v1/jobs) rather than sync classify',
    why: 'Validation is linear in the request: when it dominates, the requests are big enough to belong in jobs.',
  },
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

const healthy: BottleneckRule = {
  code: 'HEALTHY',
  severity: 'info',
  when: 'there are timed stages and no rule above holds',
  thresholds: [],
  evidence: ['stages'],
  condition: (r) => r.stages.length > 0 && !rules.some((rule) => rule.condition(r)),
  says: 'no bottleneck: {lead}, p95 about {p95} within the {target} target',
  why: 'Some stage always dominates; without pressure that is no bottleneck.',
};

/** The table, in evaluation order (the order recommendations of equal severity are listed). */
export const BOTTLENECK_RULES: readonly BottleneckRule[] = [...rules, healthy];

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** The recommendations of every rule that holds, most severe first (table order within a severity). */
export function evaluateRules(r: ReportDraft, table: readonly BottleneckRule[] = BOTTLENECK_RULES): Recommendation[] {
  const held = table.filter((rule) => rule.condition(r));
  const vars = held.length > 0 ? messageVars(r) : {};
  return held
    .map((rule) => ({ code: rule.code, severity: rule.severity, message: renderSays(rule.says, vars), ...(rule.setting ? { setting: rule.setting } : {}) }))
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}
