import { describe, expect, it } from 'vitest';
import { chunkJob } from './chunk-job';

describe(chunkJob.name, () => {
  const policy = { attempts: 3, keepFailedSeconds: 600 };

  it('names the job by its chunk, retries it with backoff and keeps a failed chunk as long as the results', () => {
    const sut = chunkJob({ jobId: 'j1', tenant: 't1', chunk: 4, priority: 'bulk', items: [{ text: 'a' }] }, policy);
    expect(sut).toEqual({
      name: 'chunk',
      data: { jobId: 'j1', tenant: 't1', chunk: 4, priority: 'bulk', items: [{ text: 'a' }] },
      opts: {
        jobId: 'j1.4',
        attempts: 3,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: { age: 600 },
      },
    });
  });

  it('carries the flags only when set', () => {
    expect(
      chunkJob(
        { jobId: 'j', tenant: 't1', chunk: 0, priority: 'interactive', items: [], includeScores: false, cacheChecked: false },
        policy,
      ).data,
    ).toEqual({ jobId: 'j', tenant: 't1', chunk: 0, priority: 'interactive', items: [] });
    expect(
      chunkJob({ jobId: 'j', tenant: 't1', chunk: 0, priority: 'interactive', items: [], includeScores: true, cacheChecked: true }, policy)
        .data,
    ).toMatchObject({ includeScores: true, cacheChecked: true });
  });

  it('carries a coarse taxonomy, and nothing for goemotions (the default)', () => {
    const chunk = (taxonomy?: 'goemotions' | 'ekman' | 'sentiment') =>
      chunkJob({ jobId: 'j', tenant: 't1', chunk: 0, priority: 'bulk', items: [], taxonomy }, policy).data;
    expect(chunk('ekman')).toMatchObject({ taxonomy: 'ekman' });
    expect(chunk('sentiment')).toMatchObject({ taxonomy: 'sentiment' });
    expect(chunk('goemotions')).not.toHaveProperty('taxonomy');
    expect(chunk()).not.toHaveProperty('taxonomy');
  });

  it("carries a bulk chunk's tenant weight, and none on interactive chunks", () => {
    const chunk = (priority: 'bulk' | 'interactive', weight?: number) =>
      chunkJob({ jobId: 'j', tenant: 't1', chunk: 0, priority, items: [], weight }, policy).data;
    expect(chunk('bulk', 2)).toMatchObject({ weight: 2 });
    expect(chunk('bulk')).not.toHaveProperty('weight');
    expect(chunk('interactive', 2)).not.toHaveProperty('weight');
  });
});
