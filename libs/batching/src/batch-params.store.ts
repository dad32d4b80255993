// What the controller learned, per model + device, kept somewhere shared (Redis in the fleet)
// so a new worker starts with a fitted latency model and a remembered OOM limit instead of
// relearning them from scratch. libs/batching only defines the contract and an in-memory store.
import type { LatencyCoefficients } from './latency-model';

export interface LearnedBatchParams {
  readonly version: 1;
  readonly coefficients: LatencyCoefficients;
  /** Padded-token budget the controller last chose for bulk work. */
  readonly bulkTokens: number;
  /** Largest budget known not to run out of memory (absent: no OOM seen). */
  readonly oomTokenCap?: number;
  readonly samples: number;
  readonly updatedAt: number;
}

export interface BatchParamsStore {
  load(key: string): Promise<LearnedBatchParams | undefined>;
  save(key: string, params: LearnedBatchParams): Promise<void>;
}

/** Key of one model on one device: `<model name>@<revision>|<provider>|<device>`. */
export function batchParamsKey(modelId: string, provider: string, device: string): string {
  return `${modelId}|${provider}|${device}`;
}

/** Checks a stored value before trusting it (another version may have written it). */
export function parseLearnedBatchParams(value: unknown): LearnedBatchParams | undefined {
  const v = value as Partial<LearnedBatchParams> | null | undefined;
  const c = v?.coefficients;
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (
    !v ||
    v.version !== 1 ||
    !c ||
    !finite(c.a) ||
    !finite(c.b) ||
    !finite(c.c) ||
    !finite(v.bulkTokens) ||
    !finite(v.samples) ||
    !finite(v.updatedAt)
  )
    return undefined;
  if ((v.oomTokenCap !== undefined && !finite(v.oomTokenCap)) || (c.d !== undefined && !finite(c.d))) return undefined;
  return {
    version: 1,
    coefficients: { a: c.a, b: c.b, c: c.c, d: c.d ?? 0 },
    bulkTokens: v.bulkTokens,
    oomTokenCap: v.oomTokenCap,
    samples: v.samples,
    updatedAt: v.updatedAt,
  };
}

export class InMemoryBatchParamsStore implements BatchParamsStore {
  private readonly values = new Map<string, LearnedBatchParams>();

  async load(key: string): Promise<LearnedBatchParams | undefined> {
    return this.values.get(key);
  }

  async save(key: string, params: LearnedBatchParams): Promise<void> {
    this.values.set(key, params);
  }
}
