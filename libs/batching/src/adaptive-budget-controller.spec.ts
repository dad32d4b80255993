import { describe, expect, it } from 'vitest';
import { AdaptiveBudgetController, type BudgetControllerOptions } from './adaptive-budget-controller';
import { InMemoryBatchParamsStore } from './batch-params.store';

/** A synthetic device: latency of one batch in ms. */
type CostModel = (tokens: number, texts: number) => number;

const options = (over: Partial<BudgetControllerOptions> = {}): BudgetControllerOptions => ({
  adaptive: true,
  maxTokens: 8192,
  maxSize: 256,
  minSize: 1,
  interactiveP95TargetMs: 40,
  windowSize: 60,
  explorationRate: 0.1,
  interactiveWindowMs: 1000,
  random: seeded(42),
  ...over,
});

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Runs full bulk batches of texts 20 tokens wide on a simulated clock; returns the clock. */
function drive(sut: AdaptiveBudgetController, cost: CostModel, batches: number, start = 0, interactiveEvery = 0): number {
  let now = start;
  // Cold start: a few batches of varied size so the model has something to fit.
  for (let i = 0; i < batches; i++) {
    if (interactiveEvery > 0 && i % interactiveEvery === 0) sut.noteInteractive(now);
    const budget = sut.model.isFitted ? sut.budgets(now).bulk : { maxTokens: 20 * (1 + (i % 32)), maxSize: 256 };
    const texts = Math.max(1, Math.min(budget.maxSize, Math.floor(budget.maxTokens / 20)));
    const ms = cost(texts * 20, texts);
    sut.observeBatch(texts * 20, texts, ms);
    now += ms;
  }
  return now;
}

describe(AdaptiveBudgetController.name, () => {
  describe('budgets', () => {
    it('uses the configured budget until it has measurements', () => {
      const sut = new AdaptiveBudgetController(options({ maxTokens: 4096, maxSize: 64 }));
      expect(sut.budgets(0).bulk).toEqual({ maxTokens: 4096, maxSize: 64 });
    });

    it('takes big batches when per-batch overhead dominates and small ones when it does not', () => {
      const overhead = new AdaptiveBudgetController(options({ explorationRate: 0 }));
      drive(overhead, (tokens) => 20 + 0.005 * tokens, 100);
      const lean = new AdaptiveBudgetController(options({ explorationRate: 0 }));
      drive(lean, (tokens) => 0.05 + 0.005 * tokens, 100);
      expect(overhead.budgets(1e6).bulk.maxTokens).toBeGreaterThan(4 * lean.budgets(1e6).bulk.maxTokens);
    });

    it('picks a middle budget when per-token cost grows with batch size (throughput peaks at sqrt(a/d))', () => {
      const sut = new AdaptiveBudgetController(options({ explorationRate: 0 }));
      drive(sut, (tokens) => 5 + 0.01 * tokens + 1e-5 * tokens * tokens, 100);
      const chosen = sut.budgets(1e6).bulk.maxTokens;
      expect(chosen).toBeGreaterThanOrEqual(362);
      expect(chosen).toBeLessThanOrEqual(1448);
    });

    it('caps every batch so interactive p95 stays under target while interactive traffic is around', () => {
      const sut = new AdaptiveBudgetController(options({ explorationRate: 0, interactiveP95TargetMs: 40 }));
      const cost: CostModel = (tokens) => 5 + 0.01 * tokens;
      const now = drive(sut, cost, 100);
      const free = sut.budgets(now).bulk.maxTokens;
      sut.noteInteractive(now);
      const capped = sut.budgets(now);
      // a waiting interactive text sees at most one running batch plus its own: each ≤ target / 2
      expect(cost(capped.bulk.maxTokens, 0)).toBeLessThanOrEqual(20);
      expect(cost(capped.urgent.maxTokens, 0)).toBeLessThanOrEqual(20);
      expect(capped.bulk.maxTokens).toBeLessThan(free);
      // the cap lifts once interactive traffic has been gone for the window
      expect(sut.budgets(now + 5000).bulk.maxTokens).toBe(free);
    });

    it('shrinks the batch after a step change in cost (and not before)', () => {
      const sut = new AdaptiveBudgetController(options({ explorationRate: 0.1, interactiveP95TargetMs: 100 }));
      let now = drive(sut, (tokens) => 2 + 0.01 * tokens, 200, 0, 5);
      sut.noteInteractive(now);
      const before = sut.budgets(now).bulk.maxTokens;
      now = drive(sut, (tokens) => 2 + 0.04 * tokens, 200, now, 5);
      sut.noteInteractive(now);
      const after = sut.budgets(now).bulk.maxTokens;
      expect(before * 0.01).toBeLessThanOrEqual(48);
      expect(after).toBeLessThan(before / 2);
      expect(2 + 0.04 * after).toBeLessThanOrEqual(50);
    });

    it('tightens the cap when observed interactive p95 exceeds the target', () => {
      const sut = new AdaptiveBudgetController(options({ explorationRate: 0 }));
      const now = drive(sut, (tokens) => 1 + 0.01 * tokens, 100);
      sut.noteInteractive(now);
      const before = sut.budgets(now).urgent.maxTokens;
      for (let i = 0; i < 40; i++) sut.observeInteractive(80, now);
      expect(sut.interactiveP95Ms()).toBe(80);
      expect(sut.budgets(now).urgent.maxTokens).toBeLessThan(before);
    });

    it('explores other budgets at about the configured rate', () => {
      const sut = new AdaptiveBudgetController(options({ explorationRate: 0.2, random: seeded(7) }));
      drive(sut, (tokens) => 5 + 0.01 * tokens, 100);
      const seen = new Map<number, number>();
      for (let i = 0; i < 500; i++) {
        const t = sut.budgets(1e6).bulk.maxTokens;
        seen.set(t, (seen.get(t) ?? 0) + 1);
      }
      const mostCommon = Math.max(...seen.values());
      expect(seen.size).toBeGreaterThan(1);
      expect(mostCommon / 500).toBeGreaterThan(0.7);
      expect(mostCommon / 500).toBeLessThan(0.95);
    });
  });

  describe('memory', () => {
    it('caps the budget by free memory per batch in flight', () => {
      let free = 100 * 1024 * 1024;
      const sut = new AdaptiveBudgetController(
        options({ adaptive: false, memory: { probe: { freeBytes: () => free }, bytesPerToken: 64 * 1024 } }),
      );
      expect(sut.budgets(0, 1).bulk.maxTokens).toBe(1280);
      expect(sut.budgets(0, 2).bulk.maxTokens).toBe(640);
      free = 0;
      expect(sut.budgets(0, 1).bulk.maxTokens).toBe(1);
    });

    it('halves the budget after an OOM and a new worker remembers it through the store', async () => {
      const store = new InMemoryBatchParamsStore();
      const sut = new AdaptiveBudgetController(options());
      drive(sut, (tokens) => 1 + 0.01 * tokens, 50);
      sut.onOutOfMemory(3000);
      expect(sut.budgets(0).bulk.maxTokens).toBeLessThanOrEqual(1500);
      await store.save('m@r|cpu|host', sut.snapshot(123) as NonNullable<ReturnType<typeof sut.snapshot>>);
      const warm = new AdaptiveBudgetController(options({ initial: await store.load('m@r|cpu|host') }));
      expect(warm.oomTokenCap).toBe(1500);
      // starts with a fitted model: predicts before seeing one batch of its own
      expect(warm.model.predict(1000, 50)).toBeCloseTo(11, 0);
      expect(warm.budgets(0).bulk.maxTokens).toBeLessThanOrEqual(1500);
    });
  });
});
