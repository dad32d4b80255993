// Backfill settings: how far a streamed upload may run ahead of the workers.
import { int, setting } from '../setting';

export const backfillSettings = {
  backfillMaxQueuedChunks: setting(
    'BACKFILL_MAX_QUEUED_CHUNKS',
    int(1).default(2000),
    'Bulk chunks waiting in the queue above which a streamed backfill upload pauses reading its body until workers catch up (bounds Redis memory; keep below QUEUE_BACKLOG_LIMIT so /v1/jobs is not refused).',
  ),
} as const;
