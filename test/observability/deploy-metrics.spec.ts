// The Grafana dashboard and the Prometheus alert rules may only use metrics the code exports:
// every metric name in their PromQL must be registered by the api, worker, cache or profiler
// collectors (histogram series as <name>_bucket/_sum/_count). A renamed metric fails here, not
// on an operator's empty panel.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ApiMetrics } from '@emo/api';
import { CacheMetrics } from '@emo/cache';
import { GpuMonitor, NvidiaSmiReader, Profiler, ProcessMetricsCollector } from '@emo/profiler';
import { WorkerMetrics } from '@emo/worker';

const root = resolve(import.meta.dirname, '../..');

/** Every series name a scrape of the fleet can contain, from the real collectors. */
async function exportedSeries(): Promise<Set<string>> {
  const worker = new WorkerMetrics(() => 0);
  const api = new ApiMetrics({ allCounts: async () => ({}) as never });
  const registries = [worker.registry, api.registry, new Registry()];
  CacheMetrics.for(registries[2]);
  const profiler = new Profiler({ enabled: true, sampleRate: 1, windowMs: 60_000, role: 'worker', registry: registries[2] });
  new ProcessMetricsCollector(profiler.registry);
  new GpuMonitor({ reader: new NvidiaSmiReader('/nonexistent/nvidia-smi'), intervalMs: 0, registry: profiler.registry });
  const names = new Set<string>();
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string };
      names.add(name);
      if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    }
  }
  return names;
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'le',
  'inf',
  'nan',
]);

/** Metric names in a PromQL expression: identifiers not followed by `(`, outside {…} matchers, [ranges] and strings. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    const word = m[0];
    if (m[1] === '(' || PROMQL_WORDS.has(word.toLowerCase()) || /^\d/.test(word)) continue;
    names.push(word);
  }
  return names;
}

function dashboardExprs(): string[] {
  const dash = JSON.parse(readFileSync(resolve(root, 'deploy/grafana/emo-fleet.dashboard.json'), 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
  };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

function alertExprs(): string[] {
  const rules = parse(readFileSync(resolve(root, 'deploy/prometheus/emo-alerts.rules.yml'), 'utf8')) as {
    groups: { rules: { alert?: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

describe('deploy metrics', () => {
  it('finds metric names in PromQL and skips functions, labels, ranges and keywords', () => {
    expect(
      metricNames('histogram_quantile(0.95, sum by (le, stage) (rate(emo_stage_duration_seconds_bucket{route="/v1/x"}[5m]))) > 1'),
    ).toEqual(['emo_stage_duration_seconds_bucket']);
    expect(metricNames('max by (queue) (emo_queue_backlog) > 1000 and max by (queue) (deriv(emo_queue_backlog[10m])) > 0')).toEqual([
      'emo_queue_backlog',
      'emo_queue_backlog',
    ]);
    expect(metricNames('emo_gpu_memory_used_bytes / emo_gpu_memory_total_bytes')).toEqual([
      'emo_gpu_memory_used_bytes',
      'emo_gpu_memory_total_bytes',
    ]);
  });

  it('every metric of the Grafana dashboard is exported by the code', async () => {
    const exported = await exportedSeries();
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(10);
    const used = exprs.flatMap(metricNames);
    expect(used.filter((n) => !exported.has(n))).toEqual([]);
    // The dashboard covers the figures: stages, throughput, batches, cache, GPU, CPU, backlog.
    for (const name of [
      'emo_stage_duration_seconds_bucket',
      'emo_texts_processed_total',
      'emo_batch_size_texts_bucket',
      'emo_batch_padded_tokens_bucket',
      'emo_cache_hit_ratio',
      'emo_gpu_utilization_ratio',
      'emo_gpu_memory_used_bytes',
      'emo_gpu_temperature_celsius',
      'emo_gpu_power_watts',
      'emo_process_cpu_utilization_ratio',
      'emo_queue_backlog',
    ]) {
      expect(used).toContain(name);
    }
  });

  it('every metric of the Prometheus alert rules is exported by the code, and the four alerts exist', async () => {
    const exported = await exportedSeries();
    const used = alertExprs().flatMap(metricNames);
    expect(used.filter((n) => !exported.has(n))).toEqual([]);
    const rules = parse(readFileSync(resolve(root, 'deploy/prometheus/emo-alerts.rules.yml'), 'utf8')) as {
      groups: { rules: { alert: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining(['EmoBacklogGrowing', 'EmoTextErrorRate', 'EmoClassifyP95OverTarget', 'EmoGpuMemoryNearFull']),
    );
  });
});
