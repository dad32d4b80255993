// Bottleneck analysis over recent windows of every process of a fleet (or one CLI process):
// merges their histograms and counters, finds the stage that dominates p95, and hands the
// evidence (device busy, batch budget, cache hit rate, backlog trend, chunk slots) to the rule
// table (bottleneck-rules.ts), which turns it into recommendations in plain words. Pure:
// snapshots in, report out.
import { STAGES, type Stage } from '../stages/stages';
import { LogHistogram } from '../window/log-histogram';
import type { ProfileSnapshot } from '../window/profile-snapshot';
import { evaluateRules, type ReportDraft } from './bottleneck-rules';
import type { ProfileReport, StageSummary } from './profile-report';

export {
  BOTTLENECK_RULES,
  evaluateRules,
  messageVars,
  renderSays,
  THRESHOLDS,
  type BottleneckRule,
  type EvidenceField,
  type RecommendationCode,
  type ReportDraft,
  type ThresholdName,
} from './bottleneck-rules';

export interface AnalyzerOptions {
  readonly p95TargetMs: number;
  readonly now?: number;
}

export function analyzeProfile(snapshots: readonly ProfileSnapshot[], options: AnalyzerOptions): ProfileReport {
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

  const report: ReportDraft = {
    generated_at: new Date(options.now ?? Date.now()).toISOString(),
    window_s: Math.round(Math.max(0, ...snapshots.map((s) => s.windowMs)) / 1000),
    sources: {
      workers: workers.length,
      apis: snapshots.filter((s) => s.role === 'api').length,
      cli: snapshots.filter((s) => s.role === 'cli').length,
    },
    models: [...new Set(snapshots.map((s) => s.model).filter((m): m is string => !!m))],
    throughput: {
      texts_per_s: round(rate((s) => s.texts, engines)),
      error_rate: texts > 0 ? round(sum((s) => s.errors, engines) / texts, 4) : 0,
    },
    stages,
    ...(dominant ? { dominant_stage: dominant.stage } : {}),
    p95_ms: round(p95Sum),
    p95_target_ms: options.p95TargetMs,
    cache: {
      lookups,
      ...(lookups > 0
        ? { hit_rate: round((l1 + l2) / lookups, 4), l1_hit_rate: round(l1 / lookups, 4), l2_hit_rate: round(l2 / lookups, 4) }
        : {}),
    },
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
    queue: {
      ...(backlog ? { backlog: backlog.last, growth_per_s: round(backlog.slope, 3) } : {}),
      drain_per_s: round(
        rate((s) => s.chunks, workers),
        3,
      ),
    },
    workers: {
      count: workers.length,
      ...(concurrency > 0 ? { chunk_slots_used: round(sum((s) => s.activeChunks, workers) / concurrency, 4) } : {}),
    },
  };
  return { ...report, recommendations: evaluateRules(report) };
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
