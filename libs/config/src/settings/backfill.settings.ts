// Backfill settings: how far a streamed upload may run ahead of the workers.
import { int, setting } from '../setting';

export const backfillSettings = {
  backfillMaxQueuedChunks: setting(
    'BACKFILL_MAX_QUEUED_CHUNKS',
    int(1).default(2000),
    'Bulk chunks waiting in the queue above which a streamed backfill upload pauses reading its body until workers catch up (bounds Redis memory; keep below QUEUE_BACKLOG_LIMIT so /v1/jobs is not refused).',
  ),
  backfillMaxLineBytes: setting(
    'BACKFILL_MAX_LINE_BYTES',
    int(1024, 1_073_741_824).default(1_048_576),
    'Longest input line (CSV/TSV: record) of a backfill in bytes; a longer one is dropped while it streams (never held whole) and gets a LINE_TOO_LONG error line, the rest of the file goes on.',
  ),
  backfillMaxBodyBytes: setting(
    'BACKFILL_MAX_BODY_BYTES',
    int(1024).default(4 * 1024 ** 3),
    'Largest POST /v1/backfills body in bytes (413 PAYLOAD_TOO_LARGE: at once from Content-Length, else when the streamed body passes it).',
  ),
} as const;
