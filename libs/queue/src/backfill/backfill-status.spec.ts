import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../job-record';
import { backfillStatusFromRecord, MIN_RATE_SECONDS } from './backfill-status';

const record = (over: Partial<JobRecord>): JobRecord => ({
  id: 'bf-b1',
  kind: 'backfill',
  tenant: 'default',
  priority: 'bulk',
  chunkSize: 256,
  createdAt: 1_000_000,
  done: 0,
  failed: 0,
  cancelled: 0,
  chunksDone: 0,
  includeScores: false,
  enqueued: true,
  backfillId: 'b1',
  uploads: 1,
  uploadedLines: 0,
  ingestErrors: 0,
  uploadComplete: true,
  ...over,
});

describe(backfillStatusFromRecord.name, () => {
  it(`rates a backfill that took ~1 ms (one chunk of cached texts) over ${MIN_RATE_SECONDS} s: 42 lines are 42 texts/s, not 42 000`, () => {
    const sut = backfillStatusFromRecord(
      record({ total: 42, chunks: 1, chunksDone: 1, done: 42, sealedAt: 1_000_100, startedAt: 1_000_200, finishedAt: 1_000_201 }),
    );
    expect(sut).toMatchObject({ state: 'completed', done: 42, rate_texts_per_s: 42, eta_s: 0 });
  });

  it('keeps the floor when the finish stamp comes from a clock behind the start stamp (two machines)', () => {
    const sut = backfillStatusFromRecord(
      record({ total: 10, chunks: 1, chunksDone: 1, done: 10, sealedAt: 1, startedAt: 1_000_500, finishedAt: 1_000_000 }),
    );
    expect(sut.rate_texts_per_s).toBe(10);
  });

  it('rates a longer run by its wall time since the first chunk started, and says the ETA at that rate', () => {
    const sut = backfillStatusFromRecord(
      record({ total: 20_000, chunks: 79, chunksDone: 20, done: 5_000, sealedAt: 1_000_100, startedAt: 1_000_000 }),
      1_010_000,
    );
    expect(sut).toMatchObject({ state: 'running', done: 5_000, rate_texts_per_s: 500, eta_s: 30 });
  });

  it('has no rate before a chunk started', () => {
    expect(backfillStatusFromRecord(record({ total: 5, chunks: 1, sealedAt: 1 })).rate_texts_per_s).toBe(0);
  });
});
