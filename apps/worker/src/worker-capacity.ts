// What a worker runs, as its profiler must judge it: the inference threads its engine really has
// (WORKER_INFERENCE_THREADS when set, else INFERENCE_THREADS: worker-threads.ts), its batch budget
// ceiling, and its bulk chunk slots. startWorker builds the engine and the profiler from the same
// figures, so the busy share and the advice count the slots the worker runs.
import type { AppConfig } from '@emo/config';
import type { ProcessCapacity } from '@emo/profiler';
import { workerInferenceThreads } from './worker-threads';

export function workerCapacity(config: Pick<AppConfig, 'engine' | 'batching' | 'worker'>): ProcessCapacity {
  return {
    inferenceSlots: workerInferenceThreads(config),
    maxBudgetTokens: config.batching.batchMaxTokens,
    chunkSlots: config.worker.workerConcurrency,
  };
}
