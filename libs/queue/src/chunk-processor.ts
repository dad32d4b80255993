// What a worker does with one chunk: skip it when it is already stored (a rerun), gone or
// cancelled; otherwise classify its texts and store one line per item, then let the job complete.
// Failures that retrying cannot fix store error lines for the chunk's items (so the job still
// finishes) and surface as UnrecoverableError, so BullMQ does not retry them.
// An interactive chunk (a waiting /v1/classify call) is classified while its state is read, not
// after: the state decides what is stored, so a chunk that turns out stored, gone or cancelled
// only costs its (small) computation, and the call saves a Redis round trip (ADR 020).
import { UnrecoverableError } from 'bullmq';
import { AppError } from '@emo/contracts';
import type { StageTimer } from '@emo/profiler';
import { DEFAULT_TENANT_ID, isItemError, type Classifier, type ClassifyOutcome } from '@emo/contracts';
import type { ChunkData } from './fleet-job.types';
import { cancelledLines, errorLines, outcomeLines } from './result-lines';
import type { ResultStore } from './result-store';

export type ChunkOutcome = 'stored' | 'duplicate' | 'expired' | 'cancelled' | 'failed';

export interface Attempt {
  /** Attempts finished before this one (BullMQ's attemptsMade). */
  readonly attemptsMade: number;
  readonly attempts: number;
}

export class ChunkProcessor {
  constructor(
    private readonly classifier: Classifier,
    /** Where results go (the consumer's reaper writes failed chunks' lines there too). */
    readonly store: ResultStore,
    /** Times result_write (libs/profiler); none: not timed. */
    private readonly stageTimer?: Pick<StageTimer, 'start'>,
  ) {}

  async process(data: ChunkData, attempt: Attempt = { attemptsMade: 0, attempts: 1 }): Promise<ChunkOutcome> {
    const early = data.priority === 'interactive' ? settledOf(this.classify(data)) : undefined;
    const state = await this.store.beginChunk(data.jobId, data.chunk);
    if (!state.exists) return 'expired';
    if (state.stored) return 'duplicate';
    if (state.cancelled) {
      await this.store.storeChunk(data.jobId, data.chunk, data.items.length, cancelledLines(data.items));
      return 'cancelled';
    }
    const classified = await (early ?? settledOf(this.classify(data)));
    if (!classified.ok) {
      const err = AppError.fromPlain(classified.error);
      const last = attempt.attemptsMade + 1 >= attempt.attempts;
      if (err.retryable && !last) throw err;
      await this.store.storeChunk(data.jobId, data.chunk, data.items.length, errorLines(data.items, err));
      throw new UnrecoverableError(`${err.code}: ${err.message}`);
    }
    const outcomes = classified.value;
    const model = outcomes.find((o) => !isItemError(o)) as { model?: string } | undefined;
    const endWrite = this.stageTimer?.start('result_write', {
      count: data.items.length,
      labels: { priority: data.priority },
      traceId: data.jobId,
    });
    const stored = await this.store.storeChunk(
      data.jobId,
      data.chunk,
      data.items.length,
      outcomeLines(data.items, outcomes),
      model?.model ?? '',
    );
    endWrite?.();
    return stored === 'stored' ? 'stored' : stored;
  }

  private classify(data: ChunkData): Promise<ClassifyOutcome[]> {
    return this.classifier.classify(
      data.items.map((item) => item.text),
      {
        priority: data.priority,
        traceId: data.jobId,
        ...(data.includeScores ? { includeScores: true } : {}),
        // The API's cache missed these texts in L2 already: the worker's cache looks only in its L1.
        ...(data.cacheChecked ? { cacheChecked: true } : {}),
        // A coarse view: the worker's cache keeps the fine result and derives this view after it.
        ...(data.taxonomy ? { taxonomy: data.taxonomy } : {}),
        // Queued with fair share: the engine shares its bulk capacity between tenants by weight.
        ...(data.weight !== undefined ? { share: { tenant: data.tenant || DEFAULT_TENANT_ID, weight: data.weight } } : {}),
      },
    );
  }
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** A promise that never rejects: a classification started early is handled even when its chunk is then skipped. */
function settledOf<T>(work: Promise<T>): Promise<Settled<T>> {
  return work.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}
