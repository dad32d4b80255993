// Lane entries: the counters the Lua scripts read without JSON, the chunk after them.
import { describe, expect, it } from 'vitest';
import { chunkJob } from '../chunk-job';
import { decodeLaneEntry, encodeLaneEntry, withFailedAttempt } from './lane-entry';

const job = chunkJob(
  { jobId: 'j1', tenant: 'acme', chunk: 0, priority: 'interactive', items: [{ text: 'a b' }, { text: 'x 0 0 {' }], includeScores: true },
  { attempts: 3, keepFailedSeconds: 60 },
);

describe('lane entries', () => {
  it('round-trips a chunk with its attempts and queue time, counters at zero', () => {
    const raw = encodeLaneEntry(job, 1234);
    expect(raw.startsWith('0 0 {')).toBe(true);
    expect(decodeLaneEntry(raw)).toEqual({ raw, failed: 0, stalls: 0, data: job.data, attempts: 3, queuedAt: 1234 });
  });

  it('counts a failed attempt and keeps the stalls and the chunk', () => {
    const raw = encodeLaneEntry(job, 1).replace(/^0 0 /, '1 2 ');
    const again = withFailedAttempt(decodeLaneEntry(raw)!);
    expect(again.startsWith('2 2 {')).toBe(true);
    expect(decodeLaneEntry(again)).toMatchObject({ failed: 2, stalls: 2, data: job.data });
  });

  it('reads anything else as no entry', () => {
    for (const raw of ['', '0 0', '0 0 ', 'x 0 {}', '0 y {}', '0 0 {"d":{}}', '0 0 not json', ' 0 0 {}'])
      expect(decodeLaneEntry(raw)).toBeUndefined();
  });
});
