// What an idempotency key promises: the same key means the same job only for the same payload.
// The digest covers everything that changes a job's results (items' ids and texts, in order,
// the priority, include_scores and taxonomy), so a replay is recognised and another payload is a conflict.
import { createHash } from 'node:crypto';
import type { Taxonomy } from '@emo/contracts';
import type { JobItem, Priority } from './fleet-job.types';

export interface DigestedPayload {
  readonly items: readonly JobItem[];
  readonly priority: Priority;
  readonly includeScores?: boolean;
  readonly taxonomy?: Taxonomy;
}

/** sha256 (hex) of the payload. Each item is its own JSON array, so no text can shift a boundary. */
export function payloadDigest(payload: DigestedPayload): string {
  const hash = createHash('sha256');
  // goemotions (the default) adds nothing, so digests of jobs from before taxonomies stay the same.
  const taxonomy = payload.taxonomy && payload.taxonomy !== 'goemotions' ? [payload.taxonomy] : [];
  hash.update(JSON.stringify([payload.priority, payload.includeScores ?? false, payload.items.length, ...taxonomy]));
  for (const item of payload.items) hash.update(`\n${JSON.stringify([item.id ?? null, item.text])}`);
  return hash.digest('hex');
}
