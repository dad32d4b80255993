// A small batch run on the calling thread (a worker's or the CLI's main thread) in a session of its
// own, so a lone interactive text costs no hop to an inference thread and back (ADR 020). The pool
// asks it only when every thread is idle, so its intra-op threads take the cores the threads leave
// (INFERENCE_INLINE_INTRA_OP_THREADS); they do not spin between runs. CPU provider only.
import { AppError } from '@emo/contracts';
import type { PaddedBatch } from '../batching/padded-batch';
import type { SessionRequest } from '../session/ort-session-factory';
import { SessionRuns, toPlainError } from './session-runs';

export interface InlineBatchOutput {
  readonly logits: Float32Array;
  readonly numLabels: number;
  readonly inferMs: number;
}

export class InlineRunner {
  /** Batches run so far. */
  runs = 0;
  private busy = false;

  private constructor(
    private readonly session: SessionRuns,
    private readonly maxTexts: number,
  ) {}

  /**
   * Opens the inline session: `session` with `intraOpThreads` of its own (default: the session's),
   * none spinning when there are several. Undefined when nothing runs inline (`maxTexts` 0, or a
   * first provider other than the CPU).
   */
  static async open(
    session: SessionRequest,
    expectedLabels: number,
    maxTexts: number,
    intraOpThreads?: number,
  ): Promise<InlineRunner | undefined> {
    if (maxTexts <= 0 || session.providers[0] !== 'cpu') return undefined;
    const threads = intraOpThreads ?? session.intraOpThreads;
    const request = { ...session, intraOpThreads: threads, allowSpinning: threads > 1 ? false : session.allowSpinning };
    try {
      return new InlineRunner((await SessionRuns.open(request, expectedLabels)).runs, maxTexts);
    } catch (e) {
      throw AppError.fromPlain(toPlainError(e, 'MODEL_CORRUPT'));
    }
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

  /** Waits for a running batch, then releases the session. */
  async close(): Promise<void> {
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    await this.session.release().catch(() => undefined);
  }
}
