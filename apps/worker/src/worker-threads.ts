// How many inference threads a worker runs. A worker's main thread is busy too (BullMQ, tokenizing,
// building and storing results, cache), and on a small machine inference threads that take every
// core starve it: measured on 2 cores, one worker with 2 inference threads classified fewer texts/s
// than with 1 (docs/fleet.md). So unless WORKER_INFERENCE_THREADS says otherwise, a worker leaves
// one core free: min(INFERENCE_THREADS, (cores - 1) / INTRA_OP_THREADS), at least 1.
import { availableParallelism } from 'node:os';
import type { AppConfig } from '@emo/config';

export function workerInferenceThreads(config: Pick<AppConfig, 'workerInferenceThreads' | 'inferenceThreads' | 'intraOpThreads'>, cores: number = availableParallelism()): number {
  if (config.workerInferenceThreads !== undefined) return config.workerInferenceThreads;
  const spare = Math.floor((cores - 1) / Math.max(1, config.intraOpThreads));
  return Math.max(1, Math.min(config.inferenceThreads, spare));
}
