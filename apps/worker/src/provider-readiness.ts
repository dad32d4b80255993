// Whether a queue worker may serve on the execution provider its engine loaded. The GPU image asks
// for `cuda,cpu`: when CUDA does not load (no GPU, driver or device plugin), ONNX Runtime's session
// factory falls back to the CPU (libs/inference). For a worker that is a fault, not a choice: a
// CPU-speed worker on a GPU node drains a fraction of what KEDA sized the fleet for. So unless the
// operator set ALLOW_CPU_FALLBACK=true, such a worker reports not ready and takes no chunks.
import { AppError } from '@emo/contracts';

export interface LoadedProvider {
  /** EXECUTION_PROVIDERS, in order of preference. */
  readonly requested: readonly string[];
  /** The provider the sessions run on. */
  readonly provider: string;
  /** Providers that failed before `provider` loaded, each with its reason. */
  readonly failures: readonly string[];
  readonly allowCpuFallback: boolean;
}

/** Undefined when the worker may serve; else why not, as PROVIDER_FALLBACK_REFUSED. */
export function providerFallbackRefusal(loaded: LoadedProvider): AppError | undefined {
  const preferred = loaded.requested[0];
  if (preferred === undefined || loaded.provider === preferred || loaded.allowCpuFallback) return undefined;
  const why = loaded.failures.length > 0 ? loaded.failures.join('; ') : `${preferred}: did not load`;
  return new AppError(
    'PROVIDER_FALLBACK_REFUSED',
    `EXECUTION_PROVIDERS=${loaded.requested.join(',')} but ${preferred} did not load (${why}); this worker would run on ${loaded.provider}, ` +
      `so it takes no chunks and reports not ready. Fix the ${preferred} provider (GPU node, driver, NVIDIA device plugin) ` +
      `or set ALLOW_CPU_FALLBACK=true to serve on ${loaded.provider}.`,
    { requested: loaded.requested, provider: loaded.provider, failures: loaded.failures },
  );
}
