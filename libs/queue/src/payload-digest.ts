// What an idempotency key promises: the same key means the same job only for the same payload.
// The digest covers everything that changes a job's results (items' ids and texts, in order,
// the priority and include_scores), so a replay is recognised and another payload is a conflict.
import { createHash } from 'node:crypto';
import type { JobItem, Priority } from './fleet-job.types';

export interface DigestedPayload {
  readonly items: readonly JobItem[];
  readonly priority: Priority;
  readonly includeScores?: boolean;
}

/** sha256 (hex) of the payload. Each item is its own JSON array, so no text can shift a boundary. */
export function payloadDigest(payload: DigestedPayload): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([payload.priority, payload.includeScores ?? false, payload.items.length]));
  for (const item of payload.items) hash.update(`\n${JSON.stringify([item.id ?? null, item.text])}`);
  return hash.digest('hex');
}
