// Streams one upload of a backfill into the fleet: records → chunks of input lines → inputs
// written to Redis, then their texts queued as bulk chunks with deterministic ids
// (`<backfill job id>.<chunk>`; the job id carries the tenant, backfillJobId). A chunk already stored by an earlier upload of the same file is skipped;
// one that is queued or running is queued again under the same id (a no-op for BullMQ). Memory is
// a few chunks whatever the file size: the record stream is pulled only as fast as Redis takes
// writes, and while the bulk queue is over its limit the upload waits (TCP backpressure). With a
// tenant gate (the API's TenantQuota.backfillGate) each chunk is queued only once the gate lets it
// through: the tenant's rate and backlog share pace the upload the same way, by waiting.
import { AppError, idFieldOf, type RecordOutcome, type TextPolicy } from '@emo/contracts';
import { chunkJob, type ChunkJob } from '../chunk-job';
import type { FleetQueues } from '../fleet-queues';
import type { ResultStore } from '../result-store';
import { BackfillChunker, type BackfillChunk } from './backfill-chunker';
import type { BackfillStore } from './backfill-store';
import type { BackfillMapping } from './backfill.types';

export interface IngestOptions {
  readonly chunkSize: number;
  readonly attempts: number;
  readonly resultTtlSeconds: number;
  /** Bulk chunks waiting in the queue above which the upload pauses. */
  readonly maxQueuedChunks: number;
  readonly policy: TextPolicy;
  /** Chunks written per Redis round trip. */
  readonly groupChunks?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One bulk chunk about to be queued: its BullMQ id and its texts. */
export interface GatedChunk {
  readonly chunkId: string;
  readonly texts: number;
}

/** The tenant's limits on an upload: asked before each chunk is queued. */
export interface ChunkGate {
  /**
   * Resolves once the tenant may queue these chunks (it waits, never refuses: rate, backlog share),
   * having counted them as the tenant's queued texts (released by RELEASE_TEXTS at pick-up/cancel).
   */
  beforeChunks(chunks: readonly GatedChunk[]): Promise<void>;
}

export interface IngestResult {
  readonly backfillId: string;
  readonly created: boolean;
  readonly lines: number;
  readonly chunks: number;
  readonly inputErrors: number;
  /** Chunks this upload queued (the rest were already stored). */
  readonly queued: number;
  readonly skipped: number;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class BackfillIngestor {
  constructor(
    private readonly store: BackfillStore,
    private readonly results: ResultStore,
    private readonly queues: FleetQueues,
    private readonly options: IngestOptions,
  ) {}

  /**
   * Reads `records` to the end and seals the backfill. `complete()` is asked at the end: an upload
   * cut short (client gone, connection reset) must not seal, so that a resume can finish it.
   * `weight`: the tenant's share of bulk capacity (Tenant.limits.weight; default 1; ADR 014).
   */
  async ingest(
    tenant: string,
    backfillId: string,
    mapping: BackfillMapping,
    records: AsyncIterable<RecordOutcome>,
    complete: () => boolean = () => true,
    weight?: number,
    gate?: ChunkGate,
  ): Promise<IngestResult> {
    const { created, chunkSize } = await this.store.open(tenant, backfillId, settingsOf(mapping), this.options.chunkSize);
    const jobId = this.store.jobId(tenant, backfillId);
    const chunker = new BackfillChunker(mapping, chunkSize, this.options.policy);
    const group: BackfillChunk[] = [];
    const counts = { lines: 0, chunks: 0, inputErrors: 0, queued: 0, skipped: 0 };
    const flush = async () => {
      if (group.length === 0) return;
      await this.waitForRoom();
      const r = await this.writeGroup(tenant, backfillId, jobId, group, mapping, counts.lines, counts.inputErrors, !created, weight, gate);
      counts.queued += r.queued;
      counts.skipped += r.skipped;
      group.length = 0;
    };
    const take = (chunk: BackfillChunk | undefined) => {
      if (!chunk) return false;
      group.push(chunk);
      counts.chunks++;
      counts.inputErrors += chunk.errors;
      return group.length >= (this.options.groupChunks ?? 8);
    };
    for await (const record of records) {
      counts.lines++;
      if (take(chunker.add(record))) await flush();
    }
    take(chunker.flush());
    await flush();
    if (!complete())
      throw new AppError('REQUEST_INVALID', `Upload of backfill ${backfillId} ended early; send the file again with the same id to resume`);
    await this.store.seal(jobId, counts.lines, counts.chunks, counts.inputErrors);
    return { backfillId, created, ...counts };
  }

  private async writeGroup(
    tenant: string,
    backfillId: string,
    jobId: string,
    group: readonly BackfillChunk[],
    mapping: BackfillMapping,
    lines: number,
    inputErrors: number,
    resuming: boolean,
    weight: number | undefined,
    gate: ChunkGate | undefined,
  ) {
    const states = await this.store.chunkStates(
      jobId,
      group.map((c) => c.index),
    );
    const fresh: BackfillChunk[] = [];
    // Inputs are (re)written for every chunk not stored, and for a stored one whose inputs are gone:
    // a failover can lose inputs the upload wrote (acknowledged only by its final 202) while the
    // chunk's results, stored later and replicated, survive; the results are read against them.
    const inputs: BackfillChunk[] = [];
    group.forEach((chunk, k) => {
      const { digest, stored } = states[k];
      if (digest !== null && digest !== chunk.inputs.digest) {
        const first = chunk.inputs.entries[0]?.[0];
        throw new AppError(
          'BACKFILL_CONFLICT',
          `Backfill ${backfillId} holds different input at lines from ${first}; use a new id for another file`,
        );
      }
      if (!stored) fresh.push(chunk);
      if (!stored || digest === null) inputs.push(chunk);
    });
    await this.store.writeInputs(jobId, inputs, lines, inputErrors);
    const policy = { attempts: this.options.attempts, keepFailedSeconds: this.options.resultTtlSeconds };
    const jobs: ChunkJob[] = [];
    for (const chunk of fresh) {
      if (chunk.texts.length === 0) {
        // Only bad lines: nothing to classify, the chunk is done as soon as it is known.
        await this.results.storeChunk(jobId, chunk.index, 0, { payload: '', failed: 0, cancelled: 0 });
        continue;
      }
      jobs.push(
        chunkJob(
          {
            jobId,
            tenant,
            chunk: chunk.index,
            priority: 'bulk',
            items: chunk.texts.map((text) => ({ text })),
            includeScores: mapping.includeScores,
            taxonomy: mapping.taxonomy,
            weight,
          },
          policy,
        ),
      );
    }
    // A chunk BullMQ gave up on without results stays failed under its id, and adding it again would
    // be a no-op: a resumed upload retries it instead, unless a worker already settled it with
    // CHUNK_FAILED lines (then it is stored, and skipped above).
    if (resuming) await this.retryFailed(jobs.map((j) => j.opts.jobId));
    if (gate) await this.addGated(jobs, gate, resuming);
    else await this.queues.add(jobs);
    return { queued: fresh.length, skipped: group.length - fresh.length };
  }

  /** One chunk at a time through the gate, so the tenant's backlog share holds chunk by chunk. */
  private async addGated(jobs: readonly ChunkJob[], gate: ChunkGate, resuming: boolean): Promise<void> {
    const queue = this.queues.queue('bulk');
    for (const job of jobs) {
      const chunkId = job.opts.jobId;
      // A resumed chunk a worker holds or finished is not queued again: counting it would never be released.
      const state = resuming ? await queue.getJobState(chunkId) : 'unknown';
      if (state !== 'active' && state !== 'completed') await gate.beforeChunks([{ chunkId, texts: job.data.items.length }]);
      try {
        await this.queues.add([job]);
      } catch (e) {
        await this.results.releaseTexts([chunkId]).catch(() => undefined); // counted again if a resume queues it
        throw e;
      }
    }
  }

  private async retryFailed(ids: readonly string[]): Promise<void> {
    const queue = this.queues.queue('bulk');
    await Promise.all(
      ids.map(async (id) => {
        if ((await queue.getJobState(id)) !== 'failed') return;
        await (await queue.getJob(id))?.retry('failed');
      }),
    );
  }

  private async waitForRoom(): Promise<void> {
    const sleep = this.options.sleep ?? sleepMs;
    for (;;) {
      const { backlog } = await this.queues.counts('bulk');
      if (backlog < this.options.maxQueuedChunks) return;
      await sleep(200);
    }
  }
}

/** What must match for an upload to resume a backfill (chunk size is kept from the first upload). */
export function settingsOf(mapping: BackfillMapping): string {
  return JSON.stringify([
    mapping.format,
    mapping.textField,
    idFieldOf(mapping),
    mapping.passthrough ?? null,
    mapping.columns ?? null,
    mapping.includeScores ?? false,
    // Only a coarse taxonomy is named, so backfills begun before taxonomies still resume.
    ...(mapping.taxonomy && mapping.taxonomy !== 'goemotions' ? [mapping.taxonomy] : []),
  ]);
}
