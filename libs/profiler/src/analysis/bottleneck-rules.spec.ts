// The rule table itself: docs/observability.md shows the same table (codes, severities,
// conditions, evidence, thresholds, texts, settings, reasons), each condition reads exactly the
// report fields its evidence names, and no two rows hold at once where only one may.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGES, type Stage } from '../stages/stages';
import { renderRuleTables } from './bottleneck-rules-doc';
import {
  BOTTLENECK_RULES,
  evaluateRules,
  messageVars,
  THRESHOLDS,
  type BottleneckRule,
  type ReportDraft,
  type ThresholdName,
} from './bottleneck-rules';

const DOC = join(import.meta.dirname, '../../../../docs/observability.md');
function docBlock(doc: string, name: string): string {
  const match = new RegExp(`<!-- ${name}:begin[^>]*-->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(doc);
  if (!match) throw new Error(`docs/observability.md has no <!-- ${name}:begin --> … <!-- ${name}:end --> block`);
  return match[1];
}

/** A seeded generator of drafts that reach every rule (dominant stage, busy, backlog, slots, cache, …). */
function drafts(n: number, seed = 7): ReportDraft[] {
  let state = seed;
  const rand = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  const pick = <X>(xs: readonly X[]) => xs[Math.floor(rand() * xs.length)];
  const maybe = <X>(x: X, p = 0.8) => (rand() < p ? x : undefined);
  // Values on and around every threshold, plus the ends of each range.
  const near = (name: ThresholdName) => THRESHOLDS[name].value + pick([-0.001, 0, 0.001]);
  const ratio = () =>
    pick([
      0,
      1,
      rand(),
      near('SATURATED_BUSY'),
      near('UNDERUSED_BUSY'),
      near('SLOTS_FULL'),
      near('SLOTS_PULLING'),
      near('COLD_HIT_RATE'),
      near('GPU_MEMORY_FULL'),
      near('PADDING_EFFICIENCY'),
      near('ERROR_RATE'),
    ]);
  return Array.from({ length: n }, () => {
    const dominant = maybe<Stage>(pick(STAGES), 0.95);
    const stages = dominant
      ? STAGES.filter((s) => s === dominant || rand() < 0.5).map((stage) => ({
          stage,
          texts: 100,
          p50_ms: 1,
          p95_ms: stage === dominant ? 100 : 10,
          mean_ms: 1,
          share_of_p95: stage === dominant ? 0.6 : 0.1,
        }))
      : [];
    const gpu = rand() < 0.3;
    const backlog = maybe(pick([0, 1, 50]));
    const lookups = pick([0, 19, 20, 500]);
    return {
      generated_at: '2026-01-01T00:00:00.000Z',
      window_s: 60,
      sources: { workers: 1, apis: 1, cli: 0 },
      models: ['m@1'],
      throughput: { texts_per_s: 10, error_rate: pick([0, ratio()]) },
      stages,
      ...(dominant ? { dominant_stage: dominant } : {}),
      p95_ms: pick([100, 200, 201, 5000]),
      p95_target_ms: 200,
      cache: { lookups, ...(lookups > 0 ? { hit_rate: ratio(), l1_hit_rate: 0, l2_hit_rate: 0 } : {}) },
      device: {
        kind: gpu ? 'gpu' : 'cpu',
        ...(rand() < 0.9 ? { busy_ratio: ratio() } : {}),
        ...(gpu && rand() < 0.8 ? { gpu_utilization: ratio(), gpu_memory_used_ratio: ratio() } : {}),
      },
      batches: {
        count: 10,
        ...(rand() < 0.9 ? { at_max_budget_ratio: pick([0, 1, near('BUDGET_AT_MAX_SHARE')]), padding_efficiency: ratio() } : {}),
      },
      queue: { ...(backlog !== undefined ? { backlog, growth_per_s: pick([-1, 0, 0.5]) } : {}), drain_per_s: pick([0, 2]) },
      workers: { count: 1, ...(rand() < 0.9 ? { chunk_slots_used: ratio() } : {}) },
    } satisfies ReportDraft;
  });
}

/** A view of the draft that records every leaf field (dotted path) read through it; arrays count as one field. */
function recording<T extends object>(target: T, seen: Set<string>, prefix = ''): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value: unknown = Reflect.get(t, key, receiver);
      if (typeof key !== 'string') return value;
      const path = prefix ? `${prefix}.${key}` : key;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return recording(value, seen, path);
      seen.add(path);
      return value;
    },
  });
}

describe('BOTTLENECK_RULES', () => {
  it('is the table docs/observability.md shows: same rows, codes, thresholds and values', () => {
    const doc = readFileSync(DOC, 'utf8');
    const expected = renderRuleTables();
    expect(
      docBlock(doc, 'bottleneck-rules'),
      `docs/observability.md drifted from bottleneck-rules.ts; the rule table should read:\n${expected.rules}`,
    ).toBe(expected.rules);
    expect(
      docBlock(doc, 'bottleneck-thresholds'),
      `docs/observability.md drifted from bottleneck-rules.ts; the threshold table should read:\n${expected.thresholds}`,
    ).toBe(expected.thresholds);
  });

  it('keeps the recommendation codes other code and docs match on', () => {
    expect([...new Set(BOTTLENECK_RULES.map((r) => r.code))].sort()).toEqual(
      [
        'ADD_WORKERS',
        'RAISE_WORKER_CONCURRENCY',
        'CHECK_WORKERS',
        'WARM_CACHE',
        'ADD_CPU',
        'RAISE_BATCH_BUDGET',
        'MODEL_BOUND',
        'SLOW_MODEL',
        'BATCH_WAIT',
        'SLOW_CACHE',
        'SLOW_QUEUE_REDIS',
        'LARGE_REQUESTS',
        'BACKLOG_GROWING',
        'GPU_MEMORY_FULL',
        'P95_OVER_TARGET',
        'ERRORS',
        'PADDING_WASTE',
        'HEALTHY',
      ].sort(),
    );
  });

  it('names in each row exactly the thresholds its "when" cites, and only known ones', () => {
    for (const rule of BOTTLENECK_RULES) {
      const cited = [...rule.when.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]);
      // Conditions "under pressure" read the saturation line too.
      const pressure = /under pressure/.test(rule.when) ? ['SATURATED_BUSY'] : [];
      expect(new Set(rule.thresholds), rule.code).toEqual(new Set([...cited, ...pressure]));
      for (const name of rule.thresholds) expect(Object.keys(THRESHOLDS), rule.code).toContain(name);
    }
  });

  it('reads in each condition exactly the report fields its evidence names', () => {
    const union = new Set(BOTTLENECK_RULES.flatMap((r) => r.evidence));
    const read = new Map(BOTTLENECK_RULES.map((rule) => [rule, new Set<string>()]));
    for (const draft of drafts(3000)) {
      for (const rule of BOTTLENECK_RULES) rule.condition(recording(draft, read.get(rule)!));
    }
    for (const [rule, seen] of read) {
      if (rule.code === 'HEALTHY') {
        expect([...seen].filter((f) => !union.has(f as never))).toEqual([]);
        expect(seen).toContain('stages');
      } else {
        expect(seen, `${rule.code}: ${rule.when}`).toEqual(new Set(rule.evidence));
      }
    }
  });

  it('fills every placeholder of every text', () => {
    const vars = messageVars(drafts(1)[0]);
    for (const rule of BOTTLENECK_RULES) {
      for (const [, name] of rule.says.matchAll(/\{(\w+)\}/g)) expect(Object.keys(vars), `${rule.code}: {${name}}`).toContain(name);
    }
  });

  it('holds at most one row per code and one piece of advice per dominant stage, and every row holds somewhere', () => {
    const stageAdvice = new Set([
      'ADD_WORKERS',
      'RAISE_WORKER_CONCURRENCY',
      'CHECK_WORKERS',
      'ADD_CPU',
      'RAISE_BATCH_BUDGET',
      'MODEL_BOUND',
      'SLOW_MODEL',
      'BATCH_WAIT',
      'SLOW_CACHE',
      'SLOW_QUEUE_REDIS',
      'LARGE_REQUESTS',
    ]);
    const held = new Set<BottleneckRule>();
    for (const draft of drafts(3000)) {
      const rows = BOTTLENECK_RULES.filter((rule) => rule.condition(draft));
      rows.forEach((r) => held.add(r));
      const codes = rows.map((r) => r.code);
      expect(new Set(codes).size, codes.join(',')).toBe(codes.length);
      expect(codes.filter((c) => stageAdvice.has(c)).length, codes.join(',')).toBeLessThanOrEqual(1);
      expect(
        evaluateRules(draft)
          .map((r) => r.code)
          .sort(),
      ).toEqual([...codes].sort());
    }
    expect(BOTTLENECK_RULES.filter((r) => !held.has(r)).map((r) => r.when)).toEqual([]);
  });

  it('agrees with the batching policy: no row says texts wait for a batch to fill (the scheduler cuts one whenever a thread frees)', () => {
    for (const rule of BOTTLENECK_RULES) expect(rule.says, rule.code).not.toMatch(/batch(es)? to (form|fill)/);
    const batchWait = BOTTLENECK_RULES.filter((rule) => /^batch_wait dominates/.test(rule.when));
    expect(batchWait.map((rule) => rule.code)).toEqual(['MODEL_BOUND', 'BATCH_WAIT']);
    for (const rule of batchWait) expect(rule.why, rule.code).toMatch(/holds no text back to fill a batch|never for a batch to fill/);
  });

  it('keeps the busy and slot lines in the order the rows rely on', () => {
    // MODEL_BOUND (≥ saturated) and RAISE_BATCH_BUDGET (< underused) on inference cannot both hold;
    // "pulling a backlog" is a weaker reading of the slots than "full".
    expect(THRESHOLDS.UNDERUSED_BUSY.value).toBeLessThan(THRESHOLDS.SATURATED_BUSY.value);
    expect(THRESHOLDS.SLOTS_PULLING.value).toBeLessThan(THRESHOLDS.SLOTS_FULL.value);
  });
});
