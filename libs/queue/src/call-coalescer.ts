// Cross-request batching in one API process: /v1/classify calls whose misses reach the fleet
// together, for the same tenant and flags, travel as one job (one chunk). Under load many calls
// arrive per turn, and one SUBMIT_JOB, one queue entry and one worker chunk serve them all.
// A call that starts a group goes at the end of the current event-loop turn (setImmediate), so a
// lone interactive text is never held back for company. Only while this process already has
// `busyJobs` or more jobs unanswered does a new group wait `holdMs` for the calls behind it (or
// until it is full): the calls answered together come back together, and without the wait they
// go out again as the same small group, every time (docs/fleet.md, "Coalescing").
import type { ClassifyOutcome } from '@emo/contracts';
import type { FleetClassifyOptions } from './fleet-classifier';

export interface CoalescedCall {
  readonly texts: readonly string[];
  readonly options: FleetClassifyOptions;
  resolve(outcomes: ClassifyOutcome[]): void;
  reject(error: unknown): void;
}

export interface CallCoalescerOptions {
  /** Most texts in one shared job; a call is never split, so one call alone may have more. */
  readonly maxTexts: number;
  /** Longest a new group waits for company while `busyJobs` jobs are unanswered (0: never waits). */
  readonly holdMs?: number;
  /** Unanswered jobs of this coalescer from which a new group waits (default 2). */
  readonly busyJobs?: number;
  /** Runs `fn` at the end of this event-loop turn (default setImmediate). */
  readonly defer?: (fn: () => void) => void;
  /** Runs `fn` after `ms`; returns its cancel (default setTimeout). */
  readonly after?: (ms: number, fn: () => void) => () => void;
}

/** Calls that may share a job: same owner, same queue, same flags the chunk carries (the taxonomy among them). */
export function groupKey(o: FleetClassifyOptions): string {
  return [
    o.tenant ?? '',
    o.tenantMaxQueuedTexts ?? 0,
    o.priority ?? 'interactive',
    o.includeScores ? 1 : 0,
    o.cacheChecked ? 1 : 0,
    o.taxonomy ?? 'goemotions',
  ].join('\u0000');
}

interface Group {
  readonly calls: CoalescedCall[];
  texts: number;
  /** Set while it waits for company: cancels its timer (it goes when the timer fires or it is full). */
  cancel?: () => void;
}

export class CallCoalescer {
  private readonly groups = new Map<string, Group>();
  private unanswered = 0;
  private readonly holdMs: number;
  private readonly busyJobs: number;
  private readonly defer: (fn: () => void) => void;
  private readonly after: (ms: number, fn: () => void) => () => void;

  constructor(
    private readonly options: CallCoalescerOptions,
    /** Runs one batch of calls (one call: the plain path); settles once every call of it is settled. */
    private readonly run: (calls: CoalescedCall[]) => Promise<void>,
  ) {
    this.holdMs = options.holdMs ?? 0;
    this.busyJobs = Math.max(1, options.busyJobs ?? 2);
    this.defer = options.defer ?? ((fn) => void setImmediate(fn));
    this.after =
      options.after ??
      ((ms, fn) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      });
  }

  /** Jobs started by this coalescer whose calls are not all settled yet. */
  get inFlight(): number {
    return this.unanswered;
  }

  add(call: CoalescedCall): void {
    const key = groupKey(call.options);
    const group = this.groups.get(key);
    if (group) {
      group.calls.push(call);
      group.texts += call.texts.length;
      if (group.cancel && group.texts >= this.options.maxTexts) this.flush(key, group);
      return;
    }
    const fresh: Group = { calls: [call], texts: call.texts.length };
    this.groups.set(key, fresh);
    if (this.holdMs > 0 && this.unanswered >= this.busyJobs && fresh.texts < this.options.maxTexts) {
      fresh.cancel = this.after(this.holdMs, () => this.flush(key, fresh));
    } else {
      this.defer(() => this.flush(key, fresh));
    }
  }

  private flush(key: string, group: Group): void {
    // Sent already (it filled up while waiting): this is its timer firing late.
    if (this.groups.get(key) !== group) return;
    this.groups.delete(key);
    group.cancel?.();
    let batch: CoalescedCall[] = [];
    let texts = 0;
    for (const call of group.calls) {
      if (batch.length > 0 && texts + call.texts.length > this.options.maxTexts) {
        this.start(batch);
        batch = [];
        texts = 0;
      }
      batch.push(call);
      texts += call.texts.length;
    }
    if (batch.length > 0) this.start(batch);
  }

  private start(calls: CoalescedCall[]): void {
    this.unanswered++;
    this.run(calls)
      .catch((e: unknown) => calls.forEach((c) => c.reject(e)))
      .finally(() => this.unanswered--);
  }
}
