import { describe, expect, it } from 'vitest';
import { workerInferenceThreads } from './worker-threads';

describe('workerInferenceThreads', () => {
  it('takes WORKER_INFERENCE_THREADS when set, else INFERENCE_THREADS', () => {
    expect(workerInferenceThreads({ workerInferenceThreads: undefined, inferenceThreads: 2 })).toBe(2);
    expect(workerInferenceThreads({ workerInferenceThreads: 1, inferenceThreads: 2 })).toBe(1);
  });
});
