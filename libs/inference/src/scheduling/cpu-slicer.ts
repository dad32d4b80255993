// The engine's main-thread work (tokenizing texts, building results) in one queue, run in slices of
// at most `budgetMs` per event-loop turn, whatever the number of calls. Each classify() used to
// yield every 32 texts on its own: with 64 chunks in flight one turn ran 64 × 32 texts (≈ 50 ms
// here), long enough for the worker's 50 ms L2 reads to time out (a third of them during a 50k-text
// job, each marking L2 down for a second) and for an interactive text to wait behind a bulk backlog.
// One queue bounds the turn, and serves interactive work first (interactive tasks take turns, a few
// steps each: `stepsPerTurn`). Bulk work goes shortest-remaining first (ties: oldest first), so a
// small chunk is not stuck behind a big one and, above all, chunks finish one after another: a
// call's texts reach the batcher only once all of them are tokenized, and when 64 chunks arrived
// together, taking turns finished none of them until nearly all were tokenized — the inference
// threads sat idle for that long at the start of every job (docs/adr/023-bulk-tokenizing-order.md).
export type SlicePriority = 'interactive' | 'bulk';

interface Task {
  readonly count: number;
  readonly step: (index: number) => void;
  next: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export interface CpuSlicerOptions {
  /** Most milliseconds of steps in one event-loop turn (at least one step always runs). */
  readonly budgetMs?: number;
  /** Steps a task runs before the next task of its priority gets a turn. */
  readonly stepsPerTurn?: number;
  readonly now?: () => number;
  /** Runs `fn` on a later event-loop turn (default setImmediate); tests give their own. */
  readonly defer?: (fn: () => void) => void;
}

export class CpuSlicer {
  private readonly queues: Record<SlicePriority, Task[]> = { interactive: [], bulk: [] };
  private scheduled = false;
  private readonly budgetMs: number;
  private readonly stepsPerTurn: number;
  private readonly now: () => number;
  private readonly defer: (fn: () => void) => void;

  constructor(opts: CpuSlicerOptions = {}) {
    this.budgetMs = opts.budgetMs ?? 4;
    this.stepsPerTurn = Math.max(1, opts.stepsPerTurn ?? 32);
    this.now = opts.now ?? (() => performance.now());
    this.defer = opts.defer ?? ((fn) => setImmediate(fn));
  }

  /** Tasks not finished yet. */
  get pending(): number {
    return this.queues.interactive.length + this.queues.bulk.length;
  }

  /**
   * Calls `step(0)` … `step(count − 1)` in order, sharing each event-loop turn's budget with every other
   * task; resolves after the last step. A step that throws rejects this task only. A task of at most
   * `stepsPerTurn` steps runs at once when it is interactive or nothing else waits: an interactive call
   * waits for no turn (it did not before this queue either), and the turn grows by one slice at most.
   */
  run(count: number, step: (index: number) => void, priority: SlicePriority = 'bulk'): Promise<void> {
    if (count <= 0) return Promise.resolve();
    if (count <= this.stepsPerTurn && (priority === 'interactive' || this.pending === 0)) {
      try {
        for (let i = 0; i < count; i++) step(i);
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise((resolve, reject) => {
      this.queues[priority].push({ count, step, next: 0, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      this.turn();
    });
  }

  private turn(): void {
    const started = this.now();
    const { interactive, bulk } = this.queues;
    // At least one slice, then more while the turn's budget lasts.
    do {
      const queue = interactive.length > 0 ? interactive : bulk;
      const at = queue === bulk ? shortestAt(bulk) : 0;
      const task = queue[at];
      if (!task) break;
      try {
        for (let ran = 0; task.next < task.count && ran < this.stepsPerTurn; ran++) task.step(task.next++);
      } catch (e) {
        queue.splice(at, 1);
        task.reject(e);
        continue;
      }
      if (task.next >= task.count) {
        queue.splice(at, 1);
        task.resolve();
      } else if (queue === interactive) {
        queue.push(queue.splice(at, 1)[0]); // interactive tasks take turns; a bulk task keeps its place
      }
    } while (this.now() - started < this.budgetMs);
    if (this.pending > 0) this.schedule();
  }
}

/** Index of the task with the fewest steps left (the first of them: the oldest). */
function shortestAt(tasks: readonly Task[]): number {
  let best = 0;
  for (let i = 1; i < tasks.length; i++) if (tasks[i].count - tasks[i].next < tasks[best].count - tasks[best].next) best = i;
  return best;
}
