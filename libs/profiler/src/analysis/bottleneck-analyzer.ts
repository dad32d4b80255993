// Bottleneck analysis over recent windows of every process of a fleet (or one CLI process):
// merges their histograms and counters, finds the stage that dominates p95, and turns the
// evidence (device busy, batch budget, cache hit rate, backlog trend, chunk slots) into
// recommendations in plain words. Pure: snapshots in, report out.
import { STAGES, type Stage } from '../stages/stages';
import { LogHistogram } from '../window/log-histogram';
import type { ProfileSnapshot } from '../window/profile-snapshot';
import type { ProfileReport, Recommendation, StageSummary } from './profile-report';

export interface AnalyzerOptions {
  readonly p95TargetMs: number;
  readonly now?: number;
  /** Device busy share from which workers count as saturated. */
  readonly saturatedAt?: number;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;
/** Device busy share from which a dominant batch wait reads as model-bound (see the batch_wait case). */
const DEVICE_BOUND_BATCH_WAIT = 0.6;
const ms = (x: number) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);
const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

export function analyzeProfile(snapshots: readonly ProfileSnapshot[], options: AnalyzerOptions): ProfileReport {
  const saturatedAt = options.saturatedAt ?? 0.8;
  const workers = snapshots.filter((s) => s.role === 'worker');
  const engines = snapshots.filter((s) => s.role !== 'api');

  const stages = summarizeStages(snapshots);
  const p95Sum = stages.reduce((n, s) => n + s.p95_ms, 0);
  const dominant = stages.reduce<StageSummary | undefined>((best, s) => (!best || s.p95_ms > best.p95_ms ? s : best), undefined);

  const rate = (pick: (s: ProfileSnapshot) => number, of = snapshots) => of.reduce((n, s) => n + pick(s) / (s.windowMs / 1000), 0);
  const sum = (pick: (s: ProfileSnapshot) => number, of = snapshots) => of.reduce((n, s) => n + pick(s), 0);
  const mean = (values: (number | undefined)[]) => {
    const v = values.filter((x): x is number => x !== undefined);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  };

  const texts = sum((s) => s.texts, engines);
  const lookups = sum((s) => s.cache.lookups);
  const l1 = sum((s) => s.cache.l1Hits);
  const l2 = sum((s) => s.cache.l2Hits);
  const slotMs = sum((s) => (s.batches.count > 0 || s.role === 'worker' ? s.windowMs * Math.max(1, s.device.slots) : 0), engines);
  const busyMs = sum((s) => s.device.busyMs, engines);
  const gpuUtil = mean(engines.map((s) => s.device.gpuUtilization));
  const gpuMem = mean(engines.map((s) => s.device.gpuMemoryUsedRatio));
  const batches = sum((s) => s.batches.count, engines);
  const paddedTokens = sum((s) => s.batches.paddedTokens, engines);
  const maxBudget = Math.max(0, ...engines.map((s) => s.batches.maxBudgetTokens));
  const concurrency = sum((s) => s.concurrency, workers);
  const backlog = trend(snapshots.flatMap((s) => s.backlog));

  const report = {
    generated_at: new Date(options.now ?? Date.now()).toISOString(),
    window_s: Math.round(Math.max(0, ...snapshots.map((s) => s.windowMs)) / 1000),
    sources: { workers: workers.length, apis: snapshots.filter((s) => s.role === 'api').length, cli: snapshots.filter((s) => s.role === 'cli').length },
    models: [...new Set(snapshots.map((s) => s.model).filter((m): m is string => !!m))],
    throughput: { texts_per_s: round(rate((s) => s.texts, engines)), error_rate: texts > 0 ? round(sum((s) => s.errors, engines) / texts, 4) : 0 },
    stages,
    ...(dominant ? { dominant_stage: dominant.stage } : {}),
    p95_ms: round(p95Sum),
    p95_target_ms: options.p95TargetMs,
    cache: { lookups, ...(lookups > 0 ? { hit_rate: round((l1 + l2) / lookups, 4), l1_hit_rate: round(l1 / lookups, 4), l2_hit_rate: round(l2 / lookups, 4) } : {}) },
    device: {
      kind: gpuUtil !== undefined || gpuMem !== undefined ? ('gpu' as const) : ('cpu' as const),
      ...(slotMs > 0 ? { busy_ratio: round(Math.min(1, busyMs / slotMs), 4) } : {}),
      ...(gpuUtil !== undefined ? { gpu_utilization: round(gpuUtil, 4) } : {}),
      ...(gpuMem !== undefined ? { gpu_memory_used_ratio: round(gpuMem, 4) } : {}),
      ...optional('cpu_utilization', mean(engines.map((s) => s.device.cpuUtilization))),
    },
    batches: {
      count: batches,
      ...(batches > 0
        ? {
            avg_texts: round(sum((s) => s.batches.texts, engines) / batches),
            avg_padded_tokens: round(paddedTokens / batches),
            padding_efficiency: paddedTokens > 0 ? round(sum((s) => s.batches.realTokens, engines) / paddedTokens, 4) : undefined,
            at_max_budget_ratio: round(sum((s) => s.batches.atMaxBudget, engines) / batches, 4),
          }
        : {}),
      ...(maxBudget > 0 ? { max_budget_tokens: maxBudget } : {}),
    },
    queue: { ...(backlog ? { backlog: backlog.last, growth_per_s: round(backlog.slope, 3) } : {}), drain_per_s: round(rate((s) => s.chunks, workers), 3) },
    workers: { count: workers.length, ...(concurrency > 0 ? { chunk_slots_used: round(sum((s) => s.activeChunks, workers) / concurrency, 4) } : {}) },
  };
  return { ...report, recommendations: recommend(report, saturatedAt) };
}

type Draft = Omit<ProfileReport, 'recommendations'>;

function recommend(r: Draft, saturatedAt: number): Recommendation[] {
  const out: Recommendation[] = [];
  const share = r.stages.find((s) => s.stage === r.dominant_stage)?.share_of_p95 ?? 0;
  const busy = r.device.gpu_utilization ?? r.device.busy_ratio;
  const deviceName = r.device.kind === 'gpu' ? 'GPU' : 'inference threads';
  const saturated = busy !== undefined && busy >= saturatedAt;
  const growing = (r.queue.growth_per_s ?? 0) > 0 && (r.queue.backlog ?? 0) > 0;
  // A sampled average: busy most of the window. With a backlog waiting, workers that hold chunks at
  // all are pulling as fast as their slots allow: the gaps are queue turnaround between chunks (fetch,
  // store, complete), which more chunks in flight per worker overlap.
  const slotsUsed = r.workers.chunk_slots_used ?? 0;
  const slotsFull = slotsUsed >= 0.75;
  const pullingBacklog = (r.queue.backlog ?? 0) > 0 && slotsUsed >= 0.1;
  const budgetAtMax = (r.batches.at_max_budget_ratio ?? 0) >= 0.5;
  const cold = r.cache.hit_rate !== undefined && r.cache.lookups >= 20 && r.cache.hit_rate < 0.2;
  // Advice about a dominant stage only matters when something hurts: over target, saturated, growing.
  const pressure = r.p95_ms > r.p95_target_ms || saturated || growing;
  const lead = r.dominant_stage ? `${r.dominant_stage.replace('_', ' ')} is ${pct(share)} of p95` : '';
  const add = (code: string, severity: Recommendation['severity'], message: string, setting?: string) => out.push({ code, severity, message, ...(setting ? { setting } : {}) });

  switch (r.dominant_stage) {
    case 'queue_wait':
      if (saturated || growing) {
        const need = growing && r.queue.drain_per_s > 0 && r.workers.count > 0 ? Math.ceil(r.workers.count * (1 + (r.queue.growth_per_s ?? 0) / r.queue.drain_per_s)) : undefined;
        add('ADD_WORKERS', 'critical', `${lead} and workers are saturated (${deviceName} ${busy === undefined ? 'busy' : pct(busy) + ' busy'}${growing ? `, backlog growing by ${r.queue.growth_per_s} chunks/s` : ''}): add workers${need ? ` (about ${need} for the current load)` : ''}`, 'worker replicas');
      } else if ((slotsFull || pullingBacklog) && pressure) {
        const slots = slotsFull ? 'every chunk slot is taken' : `chunks wait in the queue while workers turn chunks over one slot at a time (${pct(slotsUsed)} of slots busy)`;
        add('RAISE_WORKER_CONCURRENCY', 'warning', `${lead} while the ${deviceName} are only ${pct(busy ?? 0)} busy and ${slots}: raise WORKER_CONCURRENCY so more chunks reach the batcher (or add workers)`, 'WORKER_CONCURRENCY');
      } else if (pressure) {
        add('CHECK_WORKERS', 'warning', `${lead} but workers are not busy: check that enough workers are running and connected to this queue prefix`);
      }
      break;
    case 'inference':
    case 'tokenization':
    case 'postprocess':
      if (cold) add('WARM_CACHE', 'warning', `${lead} and only ${pct(r.cache.hit_rate ?? 0)} of texts hit the cache: the cache is cold; warm it (CACHE_WARM_FILE, \`emo cache warm\`) if texts repeat`, 'CACHE_WARM_FILE');
      if (r.dominant_stage !== 'inference') {
        if (pressure) add('ADD_CPU', 'warning', `${lead}: it runs on the worker's CPU; add workers or CPU`);
      } else if (busy !== undefined && busy < 0.5 && budgetAtMax) {
        add('RAISE_BATCH_BUDGET', 'warning', `${r.device.kind === 'gpu' ? 'GPU' : 'Inference threads'} ${pct(busy)} busy with the batch budget at its maximum: raise BATCH_MAX_TOKENS (and BATCH_MAX_SIZE)`, 'BATCH_MAX_TOKENS');
      } else if (saturated) {
        add('MODEL_BOUND', cold ? 'warning' : 'critical', `${lead} and the ${deviceName} are ${pct(busy ?? 0)} busy: the model is the bottleneck; use a faster variant (PRECISION=int8), a GPU (EXECUTION_PROVIDERS=cuda,cpu) or more inference capacity (INFERENCE_THREADS, workers)`, 'PRECISION');
      } else if (!cold && pressure) {
        add('SLOW_MODEL', 'warning', `${lead} with the ${deviceName} ${busy === undefined ? '' : pct(busy) + ' '}busy: each batch is slow; try PRECISION=int8 or a smaller MAX_SEQUENCE_LENGTH`, 'PRECISION');
      }
      break;
    case 'batch_wait':
      // The continuous scheduler holds no text back to fill a batch: a text waits in the batcher only
      // for a free inference thread. A dominant batch wait with the threads mostly busy (the window
      // also counts ramp-up and hand-off gaps) therefore means the device is the bottleneck.
      if (busy !== undefined && busy >= Math.min(saturatedAt, DEVICE_BOUND_BATCH_WAIT)) add('MODEL_BOUND', 'critical', `${lead} and the ${deviceName} are ${pct(busy ?? 0)} busy: texts queue for the device, the model is the bottleneck; use a faster variant (PRECISION=int8), a GPU (EXECUTION_PROVIDERS=cuda,cpu) or more workers`, 'PRECISION');
      else if (pressure) add('BATCH_WAIT', 'warning', `${lead} while the ${deviceName} are ${pct(busy ?? 0)} busy: texts wait for batches to form; lower BATCH_INTERACTIVE_P95_TARGET_MS for interactive traffic or raise INFERENCE_THREADS`, 'INFERENCE_THREADS');
      break;
    case 'l1':
    case 'l2':
      if (pressure) add('SLOW_CACHE', 'warning', `${lead}: cache lookups are slow; check the cache Redis (CACHE_REDIS_URL) latency, or lower CACHE_L2_TIMEOUT_MS`, 'CACHE_REDIS_URL');
      break;
    case 'result_write':
    case 'enqueue':
      if (pressure) add('SLOW_QUEUE_REDIS', 'warning', `${lead}: the queue Redis is slow; check its latency and memory (REDIS_URL)`, 'REDIS_URL');
      break;
    case 'validation':
      if (pressure) add('LARGE_REQUESTS', 'info', `${lead}: requests are large; send bulk work as jobs (POST /v1/jobs) rather than sync classify`);
      break;
  }
  if (cold && !out.some((o) => o.code === 'WARM_CACHE')) add('WARM_CACHE', 'info', `only ${pct(r.cache.hit_rate ?? 0)} of texts hit the cache: warm it (CACHE_WARM_FILE) if texts repeat`, 'CACHE_WARM_FILE');
  if (growing && !out.some((o) => o.code === 'ADD_WORKERS')) add('BACKLOG_GROWING', 'warning', `backlog grows by ${r.queue.growth_per_s} chunks/s while workers drain ${r.queue.drain_per_s} chunks/s: add workers or the backlog never clears`, 'worker replicas');
  if ((r.device.gpu_memory_used_ratio ?? 0) >= 0.9) add('GPU_MEMORY_FULL', 'critical', `GPU memory is ${pct(r.device.gpu_memory_used_ratio ?? 0)} used: lower BATCH_MAX_TOKENS or run fewer inference threads per GPU`, 'BATCH_MAX_TOKENS');
  if (r.p95_ms > r.p95_target_ms) add('P95_OVER_TARGET', 'warning', `p95 is about ${ms(r.p95_ms)}, over the ${ms(r.p95_target_ms)} target`, 'PROFILER_P95_TARGET_MS');
  if (r.throughput.error_rate >= 0.01) add('ERRORS', 'warning', `${pct(r.throughput.error_rate)} of texts ended in an error: see the error codes in the logs and emo_texts_processed_total{outcome="error"}`);
  if ((r.batches.padding_efficiency ?? 1) < 0.5) add('PADDING_WASTE', 'info', `only ${pct(r.batches.padding_efficiency ?? 0)} of padded tokens are real: texts of very different lengths share batches; more texts in flight (WORKER_CONCURRENCY) lets the batcher group by length`, 'WORKER_CONCURRENCY');
  if (out.length === 0 && r.stages.length > 0) add('HEALTHY', 'info', `no bottleneck: ${lead}, p95 about ${ms(r.p95_ms)} within the ${ms(r.p95_target_ms)} target`);
  return out.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

function summarizeStages(snapshots: readonly ProfileSnapshot[]): StageSummary[] {
  const merged = new Map<Stage, LogHistogram>();
  for (const s of snapshots) {
    for (const [stage, data] of Object.entries(s.stages) as [Stage, NonNullable<ProfileSnapshot['stages'][Stage]>][]) {
      let h = merged.get(stage);
      if (!h) merged.set(stage, (h = new LogHistogram()));
      h.merge(data);
    }
  }
  const rows = STAGES.filter((s) => (merged.get(s)?.count ?? 0) > 0).map((stage) => {
    const h = merged.get(stage) as LogHistogram;
    return { stage, texts: h.count, p50_ms: round(h.quantile(0.5), 3), p95_ms: round(h.quantile(0.95), 3), mean_ms: round(h.meanMs, 3) };
  });
  const total = rows.reduce((n, r) => n + r.p95_ms, 0);
  return rows.map((r) => ({ ...r, share_of_p95: total > 0 ? round(r.p95_ms / total, 4) : 0 }));
}

/** Least-squares slope (per second) and last value of [t ms, value] samples; undefined under 2 samples or 1 s. */
export function trend(samples: ReadonlyArray<readonly [number, number]>): { slope: number; last: number } | undefined {
  if (samples.length < 2) return undefined;
  const sorted = [...samples].sort((a, b) => a[0] - b[0]);
  const t0 = sorted[0][0];
  if (sorted[sorted.length - 1][0] - t0 < 1000) return undefined;
  const xs = sorted.map(([t]) => (t - t0) / 1000);
  const ys = sorted.map(([, v]) => v);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxx = xs.reduce((n, x) => n + (x - mx) ** 2, 0);
  const sxy = xs.reduce((n, x, i) => n + (x - mx) * (ys[i] - my), 0);
  return { slope: sxx === 0 ? 0 : sxy / sxx, last: ys[ys.length - 1] };
}

function round(x: number, digits = 2): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: round(value, 4) } as Record<K, number>);
}
