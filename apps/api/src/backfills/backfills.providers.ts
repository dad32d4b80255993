// What the backfill routes need, built from the fleet client and config: the backfill record
// store, the reader of results, and the upload ingestor. Registered by ApiModule.
import type { AppConfig } from '@emo/config';
import { BackfillIngestor, BackfillReader, BackfillStore, type FleetClient } from '@emo/queue';

export const BACKFILLS = Symbol('BACKFILLS');

export interface Backfills {
  readonly store: BackfillStore;
  readonly reader: BackfillReader;
  readonly ingestor: BackfillIngestor;
  /** BACKFILL_MAX_LINE_BYTES: longer lines get LINE_TOO_LONG (dropped while streaming). */
  readonly maxLineBytes: number;
  /** Resolves once the backfill's writes are on REDIS_WAIT_REPLICAS replicas (FleetClient.replicated). */
  readonly replicated: (jobId: string) => Promise<void>;
}

export function createBackfills(fleet: FleetClient, config: AppConfig): Backfills {
  const store = new BackfillStore(fleet.redis, fleet.keys, config.fleet.resultTtlSeconds, { replicationWait: fleet.replicationWait });
  return {
    store,
    reader: new BackfillReader(store),
    ingestor: new BackfillIngestor(store, fleet.store, fleet.queues, {
      chunkSize: config.fleet.jobChunkSize,
      attempts: config.fleet.jobAttempts,
      resultTtlSeconds: config.fleet.resultTtlSeconds,
      maxQueuedChunks: config.backfill.backfillMaxQueuedChunks,
      policy: { maxTextChars: config.engine.maxTextChars, longTextPolicy: config.engine.longTextPolicy },
    }),
    maxLineBytes: config.backfill.backfillMaxLineBytes,
    replicated: (jobId) => fleet.replicated(jobId),
  };
}
