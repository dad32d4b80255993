// A small batch run on the calling thread (a worker's or the CLI's main thread) in a session of its
// own, so a lone interactive text costs no hop to an inference thread and back (ADR 020). The pool
// asks it only when every thread is idle, so its intra-op threads take the cores the threads leave
// (INFERENCE_INLINE_INTRA_OP_THREADS; auto: whichever of one thread and the thread budget runs a
// lone text faster here, inline-threads.ts); they do not spin between runs. CPU provider only.
import { AppError } from '@emo/contracts';
import type { PaddedBatch } from '../batching/padded-batch';
import type { SessionRequest } from '../session/ort-session-factory';
import { SessionRuns, toPlainError } from './session-runs';
import {
  CALIBRATION_GAP_MS,
  CALIBRATION_ROUNDS,
  CALIBRATION_TOKENS,
  CALIBRATION_WARM_UP_RUNS,
  medianMs,
  pickInlineThreads,
} from './inline-threads';

export interface InlineBatchOutput {
  readonly logits: Float32Array;
  readonly numLabels: number;
  readonly inferMs: number;
}

export class InlineRunner {
  /** Batches run so far. */
  runs = 0;
  private busy = false;

  private session: SessionRuns;
  private kept: number;

  private constructor(
    /** One session per candidate number of intra-op threads, until `choose` keeps one. */
    private candidates: Map<number, SessionRuns>,
    private readonly maxTexts: number,
  ) {
    [[this.kept, this.session]] = candidates;
  }

  /**
   * Opens the inline session: `session` with each of `intraOpThreads` (default: the session's) as a
   * candidate, none spinning when it has several threads. Undefined when nothing runs inline
   * (`maxTexts` 0, or a first provider other than the CPU).
   */
  static async open(
    session: SessionRequest,
    expectedLabels: number,
    maxTexts: number,
    intraOpThreads: readonly number[] = [session.intraOpThreads],
  ): Promise<InlineRunner | undefined> {
    if (maxTexts <= 0 || session.providers[0] !== 'cpu') return undefined;
    const opened = await Promise.allSettled(
      intraOpThreads.map((threads) =>
        SessionRuns.open(
          { ...session, intraOpThreads: threads, allowSpinning: threads > 1 ? false : session.allowSpinning },
          expectedLabels,
        ),
      ),
    );
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      for (const o of opened) if (o.status === 'fulfilled') await o.value.runs.release().catch(() => undefined);
      throw AppError.fromPlain(toPlainError(failed.reason, 'MODEL_CORRUPT'));
    }
    const runs = opened.map((o) => (o as PromiseFulfilledResult<{ runs: SessionRuns }>).value.runs);
    return new InlineRunner(new Map(intraOpThreads.map((threads, i) => [threads, runs[i]])), maxTexts);
  }

  /**
   * With several candidates: times a lone text on each (alternating rounds, medians), keeps the one
   * pickInlineThreads picks and releases the others. Call it once the inference threads are loaded,
   * so their start does not share the cores with the timing.
   */
  async choose(): Promise<number> {
    if (this.candidates.size > 1) {
      const ids = new BigInt64Array(CALIBRATION_TOKENS).fill(1n);
      const mask = new BigInt64Array(CALIBRATION_TOKENS).fill(1n);
      const lone = [{ rows: 1, seq: CALIBRATION_TOKENS }];
      const order = [...this.candidates];
      const times = new Map<number, number[]>(order.map(([threads]) => [threads, []]));
      for (let round = -CALIBRATION_WARM_UP_RUNS; round < CALIBRATION_ROUNDS; round++) {
        for (const [threads, runs] of round % 2 ? [...order].reverse() : order) {
          // A pause first, as between lone calls: an intra-op thread has gone to sleep when the run starts.
          await new Promise((resolve) => setTimeout(resolve, CALIBRATION_GAP_MS));
          const started = performance.now();
          await runs.run(lone, ids, mask);
          if (round >= 0) (times.get(threads) as number[]).push(performance.now() - started);
        }
      }
      const kept = pickInlineThreads(new Map([...times].map(([threads, ms]) => [threads, medianMs(ms)])));
      for (const [threads, runs] of order) if (threads !== kept) await runs.release().catch(() => undefined);
      this.kept = kept;
      this.session = this.candidates.get(kept) as SessionRuns;
      this.candidates = new Map([[kept, this.session]]);
    }
    return this.kept;
  }

  /** Intra-op threads of the session kept (the only candidate, or the one `choose` kept). */
  get threads(): number {
    return this.kept;
  }

  /** A batch is running inline now. */
  get running(): boolean {
    return this.busy;
  }

  /** Whether `batch` may run inline now: small enough, and nothing running inline. */
  takes(batch: PaddedBatch): boolean {
    return !this.busy && batch.batch <= this.maxTexts;
  }

  run(batch: PaddedBatch): Promise<InlineBatchOutput> {
    this.busy = true;
    this.runs++;
    const started = performance.now();
    return this.session.run(batch.runs, batch.inputIds, batch.attentionMask).then(
      (out) => {
        this.busy = false;
        return { logits: out.logits, numLabels: out.numLabels, inferMs: performance.now() - started };
      },
      (e: unknown) => {
        this.busy = false;
        throw AppError.fromPlain(toPlainError(e, 'INFERENCE_FAILED'));
      },
    );
  }

  /** Waits for a running batch, then releases the session (every candidate, before `choose`). */
  async close(): Promise<void> {
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    for (const runs of this.candidates.values()) await runs.release().catch(() => undefined);
  }
}
