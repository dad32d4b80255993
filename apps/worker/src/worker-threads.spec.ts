import { describe, expect, it } from 'vitest';
import { workerInferenceThreads } from './worker-threads';

describe('workerInferenceThreads', () => {
  it('leaves a core for the main thread unless told otherwise', () => {
    const config = { workerInferenceThreads: undefined, inferenceThreads: 2, intraOpThreads: 1 };
    expect(workerInferenceThreads(config, 2)).toBe(1);
    expect(workerInferenceThreads(config, 1)).toBe(1);
    expect(workerInferenceThreads(config, 16)).toBe(2);
    expect(workerInferenceThreads({ ...config, inferenceThreads: 8, intraOpThreads: 2 }, 9)).toBe(4);
    expect(workerInferenceThreads({ ...config, workerInferenceThreads: 3 }, 2)).toBe(3);
  });
});
