// A pool of worker threads, each with its own ONNX Runtime session. Batches wait in one FIFO
// and go to the first idle thread; a crashed thread fails only its own batch and is replaced.
// `runQueued` also hands a batch to a busy thread, to start the moment its current one ends
// (ADR 022); such a batch can be retracted until it starts. A batch of at most `inlineMaxTexts`
// texts that finds every thread idle runs on the calling thread instead (inline-runner.ts, CPU
// only): a lone interactive text then costs no hop to a thread and back (ADR 020).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '@emo/contracts';
import type { PaddedBatch } from '../batching/padded-batch';
import type { SessionRequest } from '../session/ort-session-factory';
import { InlineRunner } from './inline-runner';
import type { FromThread, InitMessage, ReadyMessage, RetractMessage, RunMessage } from './thread-messages';

export interface PoolOptions {
  readonly threads: number;
  readonly session: SessionRequest;
  readonly expectedLabels: number;
  /** Path of the built worker script; default: dist/inference.worker.js beside or above this file. */
  readonly workerScript?: string;
  readonly onWarning?: (message: string) => void;
  /**
   * Batches of at most this many texts run on the calling thread when every thread is idle
   * (INFERENCE_INLINE_MAX_TEXTS; 0 or absent: never). Only where the CPU is the first provider.
   */
  readonly inlineMaxTexts?: number;
  /**
   * Intra-op threads of the inline session (default: the session's): with several candidates, the
   * one that runs a lone text fastest here (inline-threads.ts). It runs only while every thread is
   * idle, so a lone text may use the cores they leave free; its threads do not spin.
   */
  readonly inlineIntraOpThreads?: readonly number[];
}

export interface BatchOutput {
  readonly logits: Float32Array;
  readonly numLabels: number;
  readonly inferMs: number;
}

interface Task {
  readonly id: number;
  readonly batch: PaddedBatch;
  readonly resolve: (out: BatchOutput | undefined) => void;
  readonly reject: (e: AppError) => void;
  /** Handed to a busy thread by runQueued: retractable until it starts, and not failed by a crash before it started. */
  readonly queued: boolean;
}

interface Slot {
  worker: Worker;
  /** Posted to the thread, in order: the first one runs, a second (runQueued) waits behind it. */
  readonly tasks: Task[];
}

/** Batches one thread holds at most: the running one and one waiting behind it. */
const THREAD_DEPTH = 2;

export class InferencePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly warned = new Set<string>();
  private ready!: ReadyMessage;
  /** The calling thread's own session for lone batches (inlineMaxTexts). */
  private inline?: InlineRunner;

  private constructor(private readonly options: PoolOptions) {}

  static async start(options: PoolOptions): Promise<InferencePool> {
    const pool = new InferencePool(options);
    try {
      // The inline session loads while the threads load theirs, so it adds memory, not start-up time.
      const [slots, inline] = await Promise.all([
        Promise.allSettled(Array.from({ length: options.threads }, () => pool.spawn())),
        InlineRunner.open(options.session, options.expectedLabels, options.inlineMaxTexts ?? 0, options.inlineIntraOpThreads).catch(
          (e: AppError) => e,
        ),
      ]);
      if (inline instanceof InlineRunner) pool.inline = inline; // so that a failure below closes it with the pool
      const failed = slots.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      if (inline instanceof AppError) throw inline;
      // Timed once every thread's session is loaded: nothing else of the pool shares the cores then.
      await inline?.choose();
      return pool;
    } catch (e) {
      await pool.close();
      throw AppError.fromPlain(e);
    }
  }

  /** Intra-op threads of the inline session (none when nothing runs inline). */
  get inlineIntraOpThreads(): number | undefined {
    return this.inline?.threads;
  }

  /** Batches run inline so far. */
  get inlineRuns(): number {
    return this.inline?.runs ?? 0;
  }

  /** The provider the sessions run on (after any fallback). */
  get provider(): string {
    return this.ready.provider;
  }

  get fromCache(): boolean {
    return this.ready.fromCache;
  }

  /** Providers that failed to load before `provider` did, each with its reason (empty: the first one loaded). */
  get providerFailures(): readonly string[] {
    return this.ready.failures;
  }

  get threads(): number {
    return this.slots.length;
  }

  run(batch: PaddedBatch): Promise<BatchOutput> {
    if (this.closed) return Promise.reject(new AppError('ENGINE_CLOSED'));
    const inline = this.runInline(batch);
    if (inline) return inline;
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, batch, resolve: resolve as (out: BatchOutput | undefined) => void, reject, queued: false });
      this.pump();
    });
  }

  /**
   * Hands the batch to the thread with the fewest batches (an idle one first, else one holding a
   * single running batch), so it starts the moment the thread is free, without a turn of this
   * thread's event loop in between. Resolves with undefined when it never ran: `signal` aborted
   * before it started, or its thread crashed first. The caller keeps at most 2 × threads batches
   * out; past that (a thread being replaced) the batch waits in the FIFO.
   */
  runQueued(batch: PaddedBatch, signal: AbortSignal): Promise<BatchOutput | undefined> {
    if (this.closed) return Promise.reject(new AppError('ENGINE_CLOSED'));
    const inline = this.runInline(batch);
    if (inline) return inline;
    return new Promise((resolve, reject) => {
      const task: Task = { id: this.nextId++, batch, resolve, reject, queued: true };
      signal.addEventListener('abort', () => this.retract(task), { once: true });
      const slot = this.slots.reduce<Slot | undefined>((best, s) => (!best || s.tasks.length < best.tasks.length ? s : best), undefined);
      if (slot && slot.tasks.length < THREAD_DEPTH) this.post(slot, task);
      else {
        this.queue.push(task);
        this.pump();
      }
    });
  }

  /** Batches posted to threads, waiting in the FIFO, or running inline. */
  get outstanding(): number {
    return this.queue.length + this.slots.reduce((n, s) => n + s.tasks.length, 0) + (this.inline?.running ? 1 : 0);
  }

  /**
   * Runs a small batch on this thread when nothing else runs anywhere: no thread busy, none waiting,
   * no inline run. Undefined: it goes to a thread as usual.
   */
  private runInline(batch: PaddedBatch): Promise<BatchOutput> | undefined {
    if (!this.inline?.takes(batch)) return undefined;
    if (this.queue.length > 0 || this.slots.some((s) => s.tasks.length > 0)) return undefined;
    return this.inline.run(batch);
  }

  /** Lets running batches finish, fails queued ones, and stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new AppError('ENGINE_CLOSED'));
    await this.inline?.close();
    await Promise.all(
      this.slots.map(async (slot) => {
        while (slot.tasks.length > 0) await new Promise((r) => setTimeout(r, 5));
        await slot.worker.terminate();
      }),
    );
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.tasks.length === 0) this.post(slot, this.queue.shift() as Task);
    }
  }

  private post(slot: Slot, task: Task): void {
    slot.tasks.push(task);
    const { batch } = task;
    // Buffers are copied, not transferred: a batch may be re-run (OOM split) by the caller.
    const message: RunMessage = {
      type: 'run',
      id: task.id,
      runs: batch.runs,
      inputIds: batch.inputIds,
      attentionMask: batch.attentionMask,
    };
    slot.worker.postMessage(message);
  }

  /** A queued batch not yet started comes back unrun: from the FIFO at once, from a thread once it confirms. */
  private retract(task: Task): void {
    const waiting = this.queue.indexOf(task);
    if (waiting >= 0) {
      this.queue.splice(waiting, 1);
      task.resolve(undefined);
      return;
    }
    const slot = this.slots.find((s) => s.tasks.indexOf(task) > 0);
    if (slot) slot.worker.postMessage({ type: 'retract', id: task.id } satisfies RetractMessage);
  }

  private spawn(): Promise<void> {
    // The thread's JS only moves typed arrays to and from ORT: a small young generation is plenty
    // and keeps each thread's resident memory down (ORT's own memory is native and unaffected).
    const worker = new Worker(this.options.workerScript ?? locateWorkerScript(), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    const slot: Slot = { worker, tasks: [] };
    return new Promise<void>((resolve, reject) => {
      let initialized = false;
      worker.on('message', (message: FromThread) => {
        if (!initialized) {
          initialized = true;
          if (message.type === 'ready') {
            this.ready = message;
            for (const f of message.failures) this.warnOnce(`execution provider fell back: ${f}`);
            this.slots.push(slot);
            resolve();
            this.pump();
          } else if (message.type === 'error') {
            void worker.terminate();
            reject(AppError.fromPlain(message.error));
          }
          return;
        }
        this.onMessage(slot, message);
      });
      worker.on('error', (e) => {
        if (!initialized) {
          initialized = true;
          reject(new AppError('INFERENCE_FAILED', `inference thread failed to start: ${e.message}`));
          return;
        }
        this.onCrash(slot, e);
      });
      worker.on('exit', (code) => {
        if (!this.closed && initialized && this.slots.includes(slot))
          this.onCrash(slot, new Error(`inference thread exited with code ${code}`));
      });
      const init: InitMessage = { type: 'init', session: this.options.session, expectedLabels: this.options.expectedLabels };
      worker.postMessage(init);
    });
  }

  private onMessage(slot: Slot, message: FromThread): void {
    if (message.type === 'ready') return;
    const index = slot.tasks.findIndex((t) => t.id === message.id);
    if (index < 0) return;
    const [task] = slot.tasks.splice(index, 1);
    if (message.type === 'result') task.resolve({ logits: message.logits, numLabels: message.numLabels, inferMs: message.inferMs });
    else if (message.type === 'retracted') task.resolve(undefined);
    else task.reject(AppError.fromPlain(message.error));
    this.pump();
  }

  private onCrash(slot: Slot, e: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    // The running batch fails; a queued one behind it never started and goes back to its caller unrun.
    slot.tasks.forEach((task, i) =>
      i > 0 && task.queued
        ? task.resolve(undefined)
        : task.reject(new AppError('INFERENCE_FAILED', `inference thread crashed: ${e.message}`)),
    );
    slot.tasks.length = 0;
    void slot.worker.terminate();
    this.warnOnce(`inference thread crashed (${e.message}); starting a new one`);
    if (!this.closed) this.spawn().catch((err: Error) => this.warnOnce(`could not replace inference thread: ${err.message}`));
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning?.(message);
  }
}

/** dist/inference.worker.js next to the running bundle, or under the package root for tests. */
export function locateWorkerScript(): string {
  const candidates = [join(__dirname, 'inference.worker.js'), join(__dirname, '..', '..', '..', '..', 'dist', 'inference.worker.js')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new AppError('INTERNAL', `inference worker script not built (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}
