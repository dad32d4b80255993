// What may be served: a bundle whose config.json says `benchmark_only: true` has random weights
// (the generator of libs/onnx-tools writes such bundles to measure speed at a real model's size),
// so every label it gives is random. Serving it (CLI classify/backfill/eval, API, worker) is
// refused unless ALLOW_BENCHMARK_MODEL=true / --allow-benchmark-model; `emo bench` allows it.
import { AppError } from '@emo/contracts';
import type { ModelBundle } from './model-bundle';

export function assertServable(bundle: Pick<ModelBundle, 'dir' | 'benchmarkOnly'>, allowBenchmarkModel: boolean): void {
  if (!bundle.benchmarkOnly || allowBenchmarkModel) return;
  throw new AppError(
    'MODEL_BENCHMARK_ONLY',
    `${bundle.dir} is a benchmark-only bundle (config.json "benchmark_only": true): its weights are random, so the labels it gives are random and mean nothing. ` +
      'Use it with `emo bench`; to serve it anyway pass --allow-benchmark-model or set ALLOW_BENCHMARK_MODEL=true',
  );
}
