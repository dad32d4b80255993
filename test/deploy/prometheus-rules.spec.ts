// The alert rules of deploy/prometheus parse as a Prometheus rule file, every alert is complete,
// and the queue Redis memory alert watches what the API really exports: the two gauges are read
// from a real ApiMetrics registry (fed a fake INFO memory) and the alert's condition is checked on
// the scraped values, below and above its threshold, and never on a Redis without maxmemory
// (which has its own alert). Both deployments bound that Redis (compose and k8s specs check
// maxmemory + noeviction); Prometheus in compose loads this folder.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ApiMetrics } from '@emo/api';
import { repoRoot } from './support/deploy-paths';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rulesDir = resolve(repoRoot, 'deploy/prometheus');
const ruleFiles = readdirSync(rulesDir).filter((f) => /\.ya?ml$/.test(f));
const rules: Rule[] = ruleFiles.flatMap((f) =>
  (parse(readFileSync(resolve(rulesDir, f), 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules),
);
const alert = (name: string): Rule => {
  const r = rules.find((x) => x.alert === name);
  if (!r) throw new Error(`no alert ${name}`);
  return r;
};

/** The two queue Redis memory gauges as one API process exports them, for this INFO memory. */
async function scrapeMemory(usedBytes: number, maxBytes: number): Promise<Record<string, number>> {
  const metrics = new ApiMetrics(
    { allCounts: () => Promise.reject(new Error('not needed')) },
    { up: () => true, memory: async () => ({ usedBytes, maxBytes }) },
  );
  const out: Record<string, number> = {};
  for (const m of await metrics.registry.getMetricsAsJSON())
    if (m.name.startsWith('emo_queue_redis_memory_')) out[m.name] = Number(m.values[0]?.value);
  return out;
}

describe('deploy/prometheus alert rules', () => {
  it('is a rule file of named, complete alerts with a known severity', () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect(r.alert ?? r.record, JSON.stringify(r)).toMatch(/^[A-Za-z_:][A-Za-z0-9_:]*$/);
      expect(r.expr.trim(), r.alert).not.toBe('');
      if (!r.alert) continue;
      expect(['warning', 'critical'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      if (r.for) expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('alerts on queue Redis memory near maxmemory from the gauges the API exports, firing above the threshold only', async () => {
    const r = alert('EmoQueueRedisMemoryHigh');
    const m = /^max\(emo_queue_redis_memory_used_bytes \/ \(emo_queue_redis_memory_max_bytes > 0\)\) > (0\.\d+)$/.exec(r.expr.trim());
    expect(m, `expression form: ${r.expr}`).not.toBeNull();
    const threshold = Number(m?.[1]);
    expect(threshold).toBeGreaterThanOrEqual(0.5);
    expect(threshold).toBeLessThan(0.95); // room to act before writes are refused (noeviction)
    expect(r.labels?.severity).toBe('critical');
    const fires = async (used: number, max: number) => {
      const s = await scrapeMemory(used, max);
      const u = s.emo_queue_redis_memory_used_bytes;
      const x = s.emo_queue_redis_memory_max_bytes;
      expect(Number.isFinite(u) && Number.isFinite(x), JSON.stringify(s)).toBe(true);
      return x > 0 && u / x > threshold; // `(max > 0)` drops a Redis without maxmemory from the ratio
    };
    const gb = 2 ** 30;
    expect(await fires(0.5 * gb, gb)).toBe(false);
    expect(await fires(0.95 * gb, gb)).toBe(true);
    expect(await fires(5 * gb, 0)).toBe(false);
  });

  it('alerts on a queue Redis without maxmemory, and on a queue Redis the API cannot reach', async () => {
    expect(alert('EmoQueueRedisNoMaxmemory').expr).toMatch(/^max\(emo_queue_redis_memory_max_bytes\) == 0$/);
    expect((await scrapeMemory(1, 0)).emo_queue_redis_memory_max_bytes).toBe(0);
    expect(alert('EmoQueueRedisDown').expr).toMatch(/emo_queue_redis_up\) == 0/);
  });

  it('is loaded by the compose Prometheus (rule_files on the mounted folder)', () => {
    const prom = parse(readFileSync(resolve(repoRoot, 'deploy/docker/prometheus/prometheus.yml'), 'utf8')) as { rule_files: string[] };
    const compose = readFileSync(resolve(repoRoot, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('./deploy/prometheus:/etc/prometheus/rules:ro');
    for (const f of ruleFiles)
      expect(
        prom.rule_files.some((g) => new RegExp(`^/etc/prometheus/rules/\\*\\.${f.split('.').pop()}$`).test(g)),
        f,
      ).toBe(true);
  });
});
