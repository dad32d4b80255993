// The one way a chunk becomes a BullMQ job, for jobs (JobProducer) and backfills
// (BackfillIngestor) alike: its deterministic id (`<job>.<chunk>`, so queueing it again is a
// no-op), the queue of its priority, retries, and how long BullMQ keeps it.
import type { BulkJobOptions } from 'bullmq';
import type { ChunkData } from './fleet-job.types';
import { chunkJobId } from './fleet-keys';

export interface ChunkJobPolicy {
  /** Attempts per chunk (JOB_ATTEMPTS). */
  readonly attempts: number;
  /**
   * How long a chunk that failed for good stays in its queue's failed set: the job's result TTL,
   * so the reaper's sweep and a resumed backfill upload still find it while the job lives.
   */
  readonly keepFailedSeconds: number;
}

export interface ChunkJob {
  readonly name: 'chunk';
  readonly data: ChunkData;
  readonly opts: BulkJobOptions & { readonly jobId: string };
}

/** Retries of a failed attempt: 500 ms, 1 s, 2 s, ... */
const RETRY_BACKOFF = { type: 'exponential', delay: 500 } as const;

export function chunkJob(data: ChunkData, policy: ChunkJobPolicy): ChunkJob {
  // Flags travel only when set: most chunks carry none (taxonomy: only a coarse one). The tenant's
  // weight goes only on bulk chunks (fair share; FleetQueues drops it again when fair share is off).
  const { includeScores, cacheChecked, weight, taxonomy, ...rest } = data;
  return {
    name: 'chunk',
    data: {
      ...rest,
      ...(includeScores ? { includeScores: true } : {}),
      ...(cacheChecked ? { cacheChecked: true } : {}),
      ...(taxonomy && taxonomy !== 'goemotions' ? { taxonomy } : {}),
      ...(weight !== undefined && data.priority === 'bulk' ? { weight } : {}),
    },
    opts: {
      jobId: chunkJobId(data.jobId, data.chunk),
      attempts: policy.attempts,
      backoff: RETRY_BACKOFF,
      removeOnComplete: true,
      removeOnFail: { age: policy.keepFailedSeconds },
    },
  };
}
