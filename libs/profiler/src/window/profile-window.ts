// The recent window of one process: a ring of time slots (window / slots wide each) that stage
// timings, counters and samples go into; old slots fall off as the clock moves. snapshot()
// folds the live slots into a ProfileSnapshot. Busy time goes to a finer timeline instead
// (BusyTimeline), read over exactly the covered window, so a busy share does not count the whole
// of the oldest, partly expired slot.
import type { Stage } from '../stages/stages';
import { BusyTimeline } from './busy-timeline';
import { LogHistogram } from './log-histogram';
import type { ProcessRole, ProfileSnapshot } from './profile-snapshot';

interface Mean {
  sum: number;
  n: number;
}

class Slot {
  readonly stages = new Map<Stage, LogHistogram>();
  texts = 0;
  errors = 0;
  chunks = 0;
  lookups = 0;
  l1Hits = 0;
  l2Hits = 0;
  batches = 0;
  batchTexts = 0;
  paddedTokens = 0;
  realTokens = 0;
  budgetTokens = 0;
  atMaxBudget = 0;
  readonly cpu: Mean = { sum: 0, n: 0 };
  readonly gpu: Mean = { sum: 0, n: 0 };
  readonly gpuMem: Mean = { sum: 0, n: 0 };
  readonly active: Mean = { sum: 0, n: 0 };
  readonly backlog: [number, number][] = [];

  constructor(readonly start: number) {}
}

export interface WindowOptions {
  readonly windowMs: number;
  readonly slots?: number;
  readonly now?: () => number;
}

export interface BatchObservation {
  readonly texts: number;
  readonly paddedTokens: number;
  /** Texts × longest (what budgets count) when it differs from paddedTokens (a batch run as length-sorted runs). */
  readonly budgetCostTokens?: number;
  readonly realTokens: number;
  readonly inferMs: number;
  readonly budgetTokens?: number;
  readonly maxBudgetTokens?: number;
}

const MAX_BACKLOG_SAMPLES_PER_SLOT = 16;
const AT_MAX_FILL = 0.75;
/** Busy-time buckets per slot: a busy read is exact but for one bucket (1/60 of the window) at its start. */
const BUSY_BUCKETS_PER_SLOT = 10;

export class ProfileWindow {
  private readonly slotMs: number;
  private readonly ring: Slot[] = [];
  private readonly busy: BusyTimeline;
  private readonly now: () => number;
  private startedAt: number;
  slots = 1;
  concurrency = 0;
  maxBudgetTokens = 0;

  constructor(private readonly options: WindowOptions) {
    this.now = options.now ?? Date.now;
    this.slotMs = Math.max(1, Math.floor(options.windowMs / (options.slots ?? 6)));
    this.busy = new BusyTimeline(Math.max(1, Math.floor(this.slotMs / BUSY_BUCKETS_PER_SLOT)), options.windowMs);
    this.startedAt = this.now();
  }

  /** Time before this (model loading) does not count as covered window: rates and busy shares start here. */
  markStart(): void {
    this.startedAt = this.now();
  }

  addStage(stage: Stage, ms: number, weight = 1): void {
    const slot = this.current();
    let h = slot.stages.get(stage);
    if (!h) slot.stages.set(stage, (h = new LogHistogram()));
    h.add(ms, weight);
  }

  addTexts(texts: number, errors = 0): void {
    const slot = this.current();
    slot.texts += texts;
    slot.errors += errors;
  }

  addChunk(): void {
    this.current().chunks++;
  }

  addCache(lookups: number, l1Hits: number, l2Hits: number): void {
    const slot = this.current();
    slot.lookups += lookups;
    slot.l1Hits += l1Hits;
    slot.l2Hits += l2Hits;
  }

  addBatch(b: BatchObservation): void {
    const slot = this.current();
    slot.batches++;
    slot.batchTexts += b.texts;
    slot.paddedTokens += b.paddedTokens;
    slot.realTokens += b.realTokens;
    // A batch reports when it finishes.
    this.busy.add(this.now(), b.inferMs);
    const max = b.maxBudgetTokens ?? this.maxBudgetTokens;
    slot.budgetTokens += b.budgetTokens ?? max;
    // Without the budget in force, a batch that filled most of the maximum counts as at the maximum.
    const atMax = b.budgetTokens !== undefined ? b.budgetTokens >= max : (b.budgetCostTokens ?? b.paddedTokens) >= AT_MAX_FILL * max;
    if (max > 0 && atMax) slot.atMaxBudget++;
  }

  sample(values: { cpu?: number; gpu?: number; gpuMemoryUsedRatio?: number; activeChunks?: number; backlog?: number }): void {
    const slot = this.current();
    const add = (m: Mean, v: number | undefined) => {
      if (v !== undefined && Number.isFinite(v)) {
        m.sum += v;
        m.n++;
      }
    };
    add(slot.cpu, values.cpu);
    add(slot.gpu, values.gpu);
    add(slot.gpuMem, values.gpuMemoryUsedRatio);
    add(slot.active, values.activeChunks);
    if (values.backlog !== undefined && slot.backlog.length < MAX_BACKLOG_SAMPLES_PER_SLOT) slot.backlog.push([this.now(), values.backlog]);
  }

  snapshot(meta: { source: string; role: ProcessRole; model?: string }): ProfileSnapshot {
    const at = this.now();
    const live = this.live(at);
    const coveredMs = Math.max(1, Math.min(this.options.windowMs, at - this.startedAt));
    const stages: Partial<Record<Stage, LogHistogram>> = {};
    const mean = (pick: (s: Slot) => Mean) => {
      const sum = live.reduce((n, s) => n + pick(s).sum, 0);
      const n = live.reduce((k, s) => k + pick(s).n, 0);
      return n === 0 ? undefined : sum / n;
    };
    const total = (pick: (s: Slot) => number) => live.reduce((n, s) => n + pick(s), 0);
    for (const slot of live) {
      for (const [stage, h] of slot.stages) (stages[stage] ??= new LogHistogram()).merge(h);
    }
    return {
      source: meta.source,
      role: meta.role,
      ...(meta.model ? { model: meta.model } : {}),
      at,
      windowMs: coveredMs,
      stages: Object.fromEntries(Object.entries(stages).map(([k, h]) => [k, h.toJSON()])),
      texts: total((s) => s.texts),
      errors: total((s) => s.errors),
      chunks: total((s) => s.chunks),
      concurrency: this.concurrency,
      activeChunks: mean((s) => s.active) ?? 0,
      cache: { lookups: total((s) => s.lookups), l1Hits: total((s) => s.l1Hits), l2Hits: total((s) => s.l2Hits) },
      batches: {
        count: total((s) => s.batches),
        texts: total((s) => s.batchTexts),
        paddedTokens: total((s) => s.paddedTokens),
        realTokens: total((s) => s.realTokens),
        budgetTokens: total((s) => s.budgetTokens),
        maxBudgetTokens: this.maxBudgetTokens,
        atMaxBudget: total((s) => s.atMaxBudget),
      },
      device: {
        busyMs: this.busy.since(at - coveredMs, at),
        slots: this.slots,
        ...optional(
          'cpuUtilization',
          mean((s) => s.cpu),
        ),
        ...optional(
          'gpuUtilization',
          mean((s) => s.gpu),
        ),
        ...optional(
          'gpuMemoryUsedRatio',
          mean((s) => s.gpuMem),
        ),
      },
      backlog: live.flatMap((s) => s.backlog),
    };
  }

  private current(): Slot {
    const now = this.now();
    const start = now - (now % this.slotMs);
    const last = this.ring[this.ring.length - 1];
    if (last && last.start === start) return last;
    const slot = new Slot(start);
    this.ring.push(slot);
    this.prune(now);
    return slot;
  }

  private live(now: number): Slot[] {
    this.prune(now);
    return this.ring;
  }

  private prune(now: number): void {
    const oldest = now - this.options.windowMs;
    while (this.ring.length > 0 && this.ring[0].start + this.slotMs <= oldest) this.ring.shift();
  }
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
