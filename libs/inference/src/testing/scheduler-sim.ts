// Simulated time and fake devices for the scheduler's specs: time moves only when a spec runs
// the timers, and a fake device echoes each row's first token back as its logit, so every answer
// can be traced to the text it came from.
import type { BudgetControllerOptions, Clock, TimerScheduler } from '@emo/batching';
import { AppError } from '@emo/contracts';
import type { PaddedBatch } from '../batching/padded-batch';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { BatchRunner, ContinuousBatchScheduler, OutputRow } from '../scheduling/continuous-batch-scheduler';
import type { BatchOutput } from '../thread/inference-pool';

/** Simulated time: timers fire only when the test advances the clock. */
export class SimulatedTime implements Clock, TimerScheduler {
  private t = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  now(): number {
    return this.t;
  }

  schedule(delayMs: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.t + Math.max(0, delayMs), fn, id });
    return () => (this.timers = this.timers.filter((x) => x.id !== id));
  }

  /** Runs timers in time order (letting promise callbacks run between them) until none are left. */
  async runAll(): Promise<void> {
    if (!(await this.step(100_000))) throw new Error('simulation did not settle');
  }

  /** Runs at most `count` timers; true when none are left. */
  async step(count: number): Promise<boolean> {
    for (let i = 0; i < count; i++) {
      await flush();
      if (this.timers.length === 0) return true;
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers.shift() as { at: number; fn: () => void };
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    await flush();
    return this.timers.length === 0;
  }
}

export const flush = () => new Promise<void>((r) => setImmediate(r));

/** A fake device: latency = a + b·padded tokens; logits row = the row's first token id (so rows can be traced). */
export class FakeRunner implements BatchRunner {
  readonly batches: PaddedBatch[] = [];
  running = 0;
  maxRunning = 0;

  constructor(
    private readonly time: SimulatedTime,
    readonly threads: number,
    private readonly cost: (b: PaddedBatch) => number = (b) => 1 + 0.01 * b.batch * b.seq,
    private readonly fail?: (b: PaddedBatch) => AppError | undefined,
  ) {}

  run(batch: PaddedBatch): Promise<BatchOutput> {
    this.batches.push(batch);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise((resolve, reject) => {
      this.time.schedule(this.cost(batch), () => {
        this.running--;
        const error = this.fail?.(batch);
        if (error) return reject(error);
        resolve({ logits: Float32Array.from(firstTokens(batch)), numLabels: 1, inferMs: 0 });
      });
    });
  }
}

/** Each row's first token, walking the batch's runs (rows of a run are padded to its own length). */
export function firstTokens(batch: PaddedBatch): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const { rows, seq } of batch.runs) {
    for (let r = 0; r < rows; r++, offset += seq) out.push(Number(batch.inputIds[offset]));
  }
  return out;
}

export const controllerOptions = (over: Partial<BudgetControllerOptions> = {}): BudgetControllerOptions => ({
  adaptive: false,
  maxTokens: 256,
  maxSize: 16,
  minSize: 1,
  interactiveP95TargetMs: 50,
  windowSize: 50,
  explorationRate: 0,
  interactiveWindowMs: 1000,
  random: () => 0.5,
  ...over,
});

/** A text whose every token is `marker` (the fake device echoes it back). */
export const text = (marker: number, length: number) => new Int32Array(length).fill(marker);
export const markers = (rows: (OutputRow | AppError)[]) => rows.map((r) => (r instanceof AppError ? r.code : r.out.logits[r.row]));

interface HeldTask {
  readonly batch: PaddedBatch;
  readonly resolve: (out: BatchOutput | undefined) => void;
  readonly reject: (e: Error) => void;
}

/**
 * A fake device with a queue per thread, as InferencePool.runQueued: a thread starts the batch it
 * holds behind its running one the moment that one ends, and a held batch that has not started
 * can be retracted. `run` onto a thread that is not idle, or a third batch on one thread, fails.
 */
export class ThreadedRunner implements BatchRunner {
  /** In start order. */
  readonly batches: PaddedBatch[] = [];
  readonly retracted: PaddedBatch[] = [];
  /** For every finished batch: the batches its thread held at that moment, itself included. */
  readonly heldAtFinish: number[] = [];
  /** Start times of the batches, per thread. */
  readonly starts: number[][];
  private readonly held: HeldTask[][];

  constructor(
    private readonly time: SimulatedTime,
    readonly threads: number,
    private readonly cost: (b: PaddedBatch) => number = (b) => 1 + 0.01 * b.batch * b.seq,
  ) {
    this.held = Array.from({ length: threads }, () => []);
    this.starts = Array.from({ length: threads }, () => []);
  }

  run(batch: PaddedBatch): Promise<BatchOutput> {
    const thread = this.held.findIndex((h) => h.length === 0);
    if (thread < 0) return Promise.reject(new Error('run() with no idle thread'));
    return new Promise((resolve, reject) => this.hold(thread, { batch, resolve: resolve as HeldTask['resolve'], reject }));
  }

  runQueued(batch: PaddedBatch, signal: AbortSignal): Promise<BatchOutput | undefined> {
    const thread = this.held.reduce((best, h, i) => (h.length < this.held[best].length ? i : best), 0);
    if (this.held[thread].length >= 2) return Promise.reject(new Error('a third batch on one thread'));
    return new Promise((resolve, reject) => {
      const task: HeldTask = { batch, resolve, reject };
      signal.addEventListener(
        'abort',
        () => {
          const index = this.held[thread].indexOf(task);
          if (index <= 0) return; // running or done: it finishes as usual
          this.held[thread].splice(index, 1);
          this.retracted.push(batch);
          resolve(undefined);
        },
        { once: true },
      );
      this.hold(thread, task);
    });
  }

  private hold(thread: number, task: HeldTask): void {
    this.held[thread].push(task);
    if (this.held[thread].length === 1) this.start(thread);
  }

  private start(thread: number): void {
    const task = this.held[thread][0];
    this.batches.push(task.batch);
    this.starts[thread].push(this.time.now());
    this.time.schedule(this.cost(task.batch), () => {
      this.heldAtFinish.push(this.held[thread].length);
      this.held[thread].shift();
      task.resolve({ logits: Float32Array.from(firstTokens(task.batch)), numLabels: 1, inferMs: this.cost(task.batch) });
      if (this.held[thread].length > 0) this.start(thread);
    });
  }
}

export interface TimedCall {
  readonly lengths: readonly number[];
  readonly priority: 'interactive' | 'bulk';
  /** When it is submitted, ms after the start. */
  readonly delay: number;
}

/** Random mixes of interactive and bulk calls of texts up to `maxLength` tokens, arriving within `maxDelay` ms. */
export const timedCalls = (maxLength: number, maxDelay: number, maxCalls: number) =>
  fc.array(
    fc.record({
      lengths: fc.array(fc.integer({ min: 1, max: maxLength }), { minLength: 0, maxLength: 40 }),
      priority: fc.constantFrom('interactive' as const, 'bulk' as const),
      delay: fc.integer({ min: 0, max: maxDelay }),
    }),
    { minLength: 1, maxLength: maxCalls },
  );

/**
 * Submits every call at its delay (texts marked 1, 2, … in call order), runs the simulation out and
 * checks that each call got its own texts' answers in input order and that the device ran every
 * text exactly once.
 */
export async function expectEveryTextOnceInOrder(
  time: SimulatedTime,
  sut: ContinuousBatchScheduler,
  calls: readonly TimedCall[],
  ran: () => readonly PaddedBatch[],
): Promise<void> {
  let marker = 1;
  const expected: number[][] = [];
  const results: Promise<(OutputRow | AppError)[]>[] = [];
  for (const call of calls) {
    const ids = call.lengths.map(() => marker++);
    expected.push(ids);
    time.schedule(call.delay, () =>
      results.push(
        sut.submit(
          ids.map((m, k) => text(m, call.lengths[k])),
          { priority: call.priority },
        ),
      ),
    );
  }
  await time.runAll();
  const answers = await Promise.all(results);
  // Calls were submitted in delay order; match them back by their first marker.
  for (const ids of expected) {
    const answer = answers.find((a) => markers(a)[0] === ids[0] || (ids.length === 0 && a.length === 0));
    expect(answer && markers(answer)).toEqual(ids);
  }
  expect(
    ran()
      .flatMap(firstTokens)
      .sort((x, y) => x - y),
  ).toEqual(expected.flat().sort((x, y) => x - y));
}
