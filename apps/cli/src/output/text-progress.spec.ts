import type { Options } from 'cli-progress';
import { describe, expect, it } from 'vitest';
import { progressLine } from './text-progress';

const options = { barsize: 10, barCompleteString: '='.repeat(10), barIncompleteString: '-'.repeat(10), barGlue: '' } as Options;

describe(progressLine.name, () => {
  it('shows lines done out of lines in the file, the share of lines (not bytes) and the ETA at the current rate', () => {
    // 256 of 20 000 lines: 1 %, whatever the bytes read ahead by the reader.
    expect(progressLine({ done: 256, total: 20_000, textsPerSecond: 512.4 }, options)).toBe(
      'backfill [----------] 1% | 256/20000 lines | 512 texts/s | ETA 39s',
    );
    expect(progressLine({ done: 10_000, total: 20_000, textsPerSecond: 1000 }, options)).toBe(
      'backfill [=====-----] 50% | 10000/20000 lines | 1000 texts/s | ETA 10s',
    );
    expect(progressLine({ done: 20_000, total: 20_000, textsPerSecond: 1000 }, options)).toMatch(/ 100% \| 20000\/20000 lines .*ETA 0s$/);
  });

  it('shows a count without a percentage while the total is not known', () => {
    expect(progressLine({ done: 300, textsPerSecond: 99.6 }, options)).toBe('backfill | 300 lines | 100 texts/s');
  });

  it("adds a fleet backfill's state, and says ? for the ETA before any rate", () => {
    expect(progressLine({ done: 0, total: 6, textsPerSecond: 0, state: 'uploading' }, options)).toBe(
      'backfill [----------] 0% | 0/6 lines | 0 texts/s | ETA ?s | uploading',
    );
  });
});
