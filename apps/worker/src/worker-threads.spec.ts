import { describe, expect, it } from 'vitest';
import { workerInferenceThreads } from './worker-threads';

describe('workerInferenceThreads', () => {
  it('takes WORKER_INFERENCE_THREADS when set, else INFERENCE_THREADS', () => {
    expect(workerInferenceThreads({ worker: { workerInferenceThreads: undefined }, engine: { inferenceThreads: 2 } })).toBe(2);
    expect(workerInferenceThreads({ worker: { workerInferenceThreads: 1 }, engine: { inferenceThreads: 2 } })).toBe(1);
  });
});
