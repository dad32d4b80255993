// Chooses the batch budgets. From the fitted latency model (a + b·tokens + c·texts) it predicts,
// for each candidate budget, the latency of the whole batch and the texts per second it would
// give. Bulk takes the smallest budget within a few percent of the best throughput; while
// interactive traffic is around, every batch is also capped so that an interactive text —
// which may wait for one running batch and then runs in its own — stays under its p95 target.
// Observed interactive p95 above the target tightens that cap (and relaxes it slowly after).
// A small exploration rate (budgets drawn across the whole grid) keeps the fit honest. Memory caps the budget
// (probe, and halving after an OOM, remembered).
import type { BatchBudget, BatchBudgets } from './batch-types';
import type { LearnedBatchParams } from './batch-params.store';
import { OnlineLatencyModel } from './latency-model';
import { tokensAllowedByMemory, type MemoryProbe } from './memory-probe';

export interface BudgetControllerOptions {
  /** false: always the configured budget (still capped by memory and OOMs). */
  readonly adaptive: boolean;
  /** Ceiling of the padded-token budget (texts × longest). */
  readonly maxTokens: number;
  readonly maxSize: number;
  readonly minSize: number;
  readonly interactiveP95TargetMs: number;
  /** Batches in the latency model's sliding window. */
  readonly windowSize: number;
  /** Fraction of bulk batches sent with a random other budget to keep the latency fit honest. */
  readonly explorationRate: number;
  /** How long after the last interactive text bulk batches stay latency-capped. */
  readonly interactiveWindowMs: number;
  /** Uniform [0, 1): injected so tests are deterministic. */
  readonly random: () => number;
  readonly memory?: { readonly probe: MemoryProbe; readonly bytesPerToken: number };
  /** Parameters learned by an earlier process on the same model + device. */
  readonly initial?: LearnedBatchParams;
  /** Throughput within this fraction of the best counts as the best (prefer the smaller batch). */
  readonly throughputTolerance?: number;
}

const MIN_TOKENS = 16;
const LATENCY_SAMPLES = 200;
const FEEDBACK_EVERY = 20;

export class AdaptiveBudgetController {
  readonly model: OnlineLatencyModel;
  private oomCap?: number;
  private width = 32;
  private lastInteractiveAt = Number.NEGATIVE_INFINITY;
  private slack = 1;
  private readonly interactiveMs: number[] = [];
  private interactiveSeen = 0;
  private bulkTokens: number;

  constructor(private readonly options: BudgetControllerOptions) {
    this.model = new OnlineLatencyModel(options.windowSize, options.initial?.coefficients);
    this.oomCap = options.initial?.oomTokenCap;
    this.bulkTokens = options.initial?.bulkTokens ?? options.maxTokens;
  }

  /** Budgets for the next batch. `inFlight`: batches that may run at once (memory is shared). */
  budgets(now: number, inFlight = 1): BatchBudgets {
    const cap = this.tokenCap(inFlight);
    const maxSize = this.options.maxSize;
    const fixed: BatchBudget = { maxTokens: cap, maxSize };
    if (!this.options.adaptive || !this.model.canPredict) return { urgent: fixed, bulk: fixed, interactive: fixed };
    const levels = this.levels(cap);
    const latencyCapMs = (this.slack * this.options.interactiveP95TargetMs) / 2;
    const underLatency = levels.filter((t) => (this.predictUpper(t) ?? 0) <= latencyCapMs);
    const urgentTokens = underLatency.length > 0 ? underLatency[underLatency.length - 1] : levels[0];
    let bulkIndex = this.bestThroughputIndex(levels);
    const constrained = this.interactiveActive(now);
    if (constrained) bulkIndex = Math.min(bulkIndex, Math.max(0, underLatency.length - 1));
    if (this.options.random() < this.options.explorationRate) {
      // Anywhere on the grid (only smaller while capped): a fit fed only from around the current
      // choice extrapolates badly, e.g. a contention-inflated intercept that hides how cheap
      // small batches are.
      const top = constrained ? bulkIndex : levels.length - 1;
      bulkIndex = Math.min(top, Math.floor(this.options.random() * (top + 1)));
    }
    this.bulkTokens = levels[bulkIndex];
    // Waiting interactive texts all leave (spread over the free threads by the scheduler): the
    // latency cap bounds what joins them and every bulk batch, not how many of them go at once.
    // Capping them too fed back on itself under load: their waiting raised the observed p95, the
    // tighter cap cut batches to one text, and the extra runs made the waiting longer.
    return { urgent: { maxTokens: urgentTokens, maxSize }, bulk: { maxTokens: this.bulkTokens, maxSize }, interactive: fixed };
  }

  /** A batch finished: `latencyMs` from dispatch to result. */
  observeBatch(paddedTokens: number, texts: number, latencyMs: number): void {
    this.model.observe(paddedTokens, texts, latencyMs);
    if (texts > 0) this.width += 0.05 * (paddedTokens / texts - this.width);
  }

  /** Interactive traffic was seen within the interactive window: bulk is capped (and may leave a thread free). */
  interactiveActive(now: number): boolean {
    return now - this.lastInteractiveAt <= this.options.interactiveWindowMs;
  }

  /** An interactive text arrived (bulk becomes latency-capped for a while). */
  noteInteractive(now: number): void {
    this.lastInteractiveAt = now;
  }

  /** An interactive text finished after `latencyMs` end to end (queue + batch): the p95 feedback. */
  observeInteractive(latencyMs: number, now: number): void {
    this.lastInteractiveAt = now;
    if (this.interactiveMs.length >= LATENCY_SAMPLES) this.interactiveMs.shift();
    this.interactiveMs.push(latencyMs);
    if (++this.interactiveSeen % FEEDBACK_EVERY !== 0) return;
    const p95 = this.interactiveP95Ms() as number;
    const target = this.options.interactiveP95TargetMs;
    if (p95 > target) this.slack = Math.max(0.05, this.slack * 0.7);
    else if (p95 < 0.7 * target) this.slack = Math.min(1, this.slack * 1.1);
  }

  /** A batch of `paddedTokens` ran out of memory: never go above half of it again. */
  onOutOfMemory(paddedTokens: number): void {
    const halved = Math.max(1, Math.floor(paddedTokens / 2));
    this.oomCap = Math.min(this.oomCap ?? Number.POSITIVE_INFINITY, halved);
  }

  /** Fastest a lone text of `length` tokens could run (for deadlines); 0 while nothing is known. */
  minLatencyMs(length: number): number {
    return this.model.predict(length, 1) ?? 0;
  }

  interactiveP95Ms(): number | undefined {
    if (this.interactiveMs.length === 0) return undefined;
    const sorted = [...this.interactiveMs].sort((x, y) => x - y);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
  }

  get oomTokenCap(): number | undefined {
    return this.oomCap;
  }

  get latencySlack(): number {
    return this.slack;
  }

  snapshot(now: number): LearnedBatchParams | undefined {
    const coefficients = this.model.coefficients();
    if (!coefficients) return undefined;
    return {
      version: 1,
      coefficients,
      bulkTokens: this.bulkTokens,
      oomTokenCap: this.oomCap,
      samples: this.model.sampleCount,
      updatedAt: now,
    };
  }

  private tokenCap(inFlight: number): number {
    const memory = this.options.memory
      ? tokensAllowedByMemory(this.options.memory.probe, this.options.memory.bytesPerToken, inFlight)
      : undefined;
    return Math.max(1, Math.min(this.options.maxTokens, this.oomCap ?? Number.POSITIVE_INFINITY, memory ?? Number.POSITIVE_INFINITY));
  }

  /** Candidate budgets, ascending, half an octave apart, from min size × typical width up to `cap`. */
  private levels(cap: number): number[] {
    const floor = Math.min(cap, Math.max(MIN_TOKENS, Math.ceil(this.options.minSize * this.width)));
    const out: number[] = [];
    for (let t = cap; t > floor; t /= Math.SQRT2) out.push(Math.floor(t));
    out.push(floor);
    return [...new Set(out)].sort((x, y) => x - y);
  }

  /** Texts a budget holds at the typical padded width. */
  private textsAt(tokens: number): number {
    return Math.max(1, Math.min(this.options.maxSize, Math.floor(tokens / Math.max(1, this.width))));
  }

  private predictUpper(tokens: number): number | undefined {
    const n = this.textsAt(tokens);
    return this.model.predictUpper(Math.min(tokens, n * this.width), n);
  }

  private bestThroughputIndex(levels: number[]): number {
    const rates = levels.map((t) => {
      const n = this.textsAt(t);
      const ms = this.model.predict(Math.min(t, n * this.width), n) ?? 0;
      return n / Math.max(1e-6, ms);
    });
    const best = Math.max(...rates);
    const tolerance = this.options.throughputTolerance ?? 0.03;
    return rates.findIndex((r) => r >= (1 - tolerance) * best);
  }
}
