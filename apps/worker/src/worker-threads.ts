// How many inference threads a worker runs: WORKER_INFERENCE_THREADS when set, else
// INFERENCE_THREADS. Measured on the 2-core VM (docs/fleet.md): with the machine to itself a worker
// with 2 threads beat 1 thread by ~60%; under heavy load from other processes 1 thread did better,
// so the override exists for crowded nodes, and the default stays the engine's.
import type { AppConfig } from '@emo/config';

export function workerInferenceThreads(config: {
  readonly worker: Pick<AppConfig['worker'], 'workerInferenceThreads'>;
  readonly engine: Pick<AppConfig['engine'], 'inferenceThreads'>;
}): number {
  return config.worker.workerInferenceThreads ?? config.engine.inferenceThreads;
}
