// The last step of a TwoLevelCache read: the classifier behind the cache computes what L1 and L2
// did not answer (and the texts the cache does not key), after the L2 lookup or, on an idle
// engine, beside it (CACHE_COMPUTE_BESIDE_L2); what it computed settles the call's in-flight
// entries, fills the call's positions and is written to L1 and L2 (the writes tracked for drain).
import type { ClassificationResult, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import type { BulkAdmission } from './admission/bulk-admission';
import type { ResultCodec } from './codec/result-codec';
import type { Settled } from './in-flight-results';
import type { CacheNamespace } from './keys/cache-namespace';
import type { L1ResultCache } from './l1/l1-result-cache';
import type { L2ResultStore } from './l2/l2-result-store';
import type { CacheCounts } from './metrics/cache-metrics';
import { asAnswered, inputsOf, type L2Misses, type OwnCall } from './two-level-cache-call';

export interface MissComputerDeps {
  readonly namespace: CacheNamespace;
  readonly codec: ResultCodec;
  readonly counts: CacheCounts;
  readonly admission: BulkAdmission;
  readonly l1?: L1ResultCache;
  readonly l2?: L2ResultStore;
  /** Write what was computed to L2 (TwoLevelCacheOptions.writeComputedToL2, default true). */
  readonly writeComputedToL2: boolean;
  /** Whether this call computes beside its L2 lookup (TwoLevelCache.computeBesideL2; false when unset). */
  readonly besideL2: (opts: ClassifyOptions | undefined) => boolean;
}

export class MissComputer {
  private readonly pendingWrites = new Set<Promise<void>>();

  constructor(private readonly deps: MissComputerDeps) {}

  /**
   * The classifier started at once for every key to fetch and every bypassing text, when `besideL2`
   * says so and L2 is to be asked; undefined otherwise. Its failure is handled here: it matters only
   * if a text L2 did not answer needed it (settleEarly rethrows it then).
   */
  early(call: OwnCall, toFetch: readonly string[], bypass: readonly number[]): Promise<ClassifyOutcome[]> | undefined {
    const l2 = this.deps.l2;
    if (toFetch.length === 0 || call.opts?.cacheChecked || !l2 || l2.state !== 'up' || !this.deps.besideL2(call.opts)) return undefined;
    // cacheChecked: this call is asking L2 itself; a cache behind the classifier must not ask again.
    const work = call.inner.classify(inputsOf(call, toFetch, bypass), {
      ...call.opts,
      includeScores: true,
      scoreArray: true,
      cacheChecked: true,
    });
    work.catch(() => undefined);
    return work;
  }

  /** The early computation's outcomes for what L2 missed (and the bypassing texts); what L2 answered was computed in vain. */
  async settleEarly(
    call: OwnCall,
    misses: L2Misses,
    bypass: readonly number[],
    toFetch: readonly string[],
    early: Promise<ClassifyOutcome[]>,
  ): Promise<void> {
    this.deps.counts.computedInVain += toFetch.length - misses.missKeys.length;
    if (misses.missKeys.length === 0 && bypass.length === 0) return;
    const computed = await early;
    const indexOf = new Map(toFetch.map((key, k) => [key, k]));
    const aligned = [...misses.missKeys.map((key) => computed[indexOf.get(key)!]), ...computed.slice(toFetch.length)];
    this.settle(call, misses, bypass, aligned);
  }

  /** The classifier for the misses and the texts that bypass the cache; what it computed goes to L1 (and L2). */
  async compute(call: OwnCall, misses: L2Misses, bypass: readonly number[]): Promise<void> {
    const computed = await call.inner.classify(inputsOf(call, misses.missKeys, bypass), {
      ...call.opts,
      includeScores: true,
      scoreArray: true, // the engine's scores as they are: encoded from, and a map built only for a caller that wants one
      ...(misses.checked ? { cacheChecked: true } : {}),
    });
    this.settle(call, misses, bypass, computed);
  }

  /** Waits for the L2 writes started so far (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.pendingWrites.size > 0) await Promise.all([...this.pendingWrites]);
  }

  /** `computed`: the outcomes of the misses, then of the bypassing texts; each miss settles, and goes to L1 (and L2). */
  private settle(call: OwnCall, misses: L2Misses, bypass: readonly number[], computed: readonly ClassifyOutcome[]): void {
    const { opts, out, includeScores } = call;
    const { missKeys, missDeferreds } = misses;
    const { counts, admission, codec, l1, l2 } = this.deps;
    counts.computed += missKeys.length;
    const writes: [string, Buffer][] = [];
    const admit = admission.forCall(opts);
    const toL1 = admission.toL1(opts, l2 !== undefined && this.deps.writeComputedToL2 && l2.state === 'up');
    missKeys.forEach((key, k) => {
      const outcome = computed[k];
      const admitted = 'error' in outcome || !admit || admit(key);
      if (!admitted) counts.notAdmitted++;
      const value = 'error' in outcome || !admitted ? undefined : this.encodeOwn(outcome);
      if (value) {
        if (toL1) l1?.set(key, value);
        writes.push([key, value]);
      }
      const settled: Settled = value ?? outcome;
      missDeferreds[k].resolve(settled);
      // The call that computed a text answers from the outcome in hand when the codec is exact
      // (what a later hit decodes is the same result), not by decoding what it just encoded.
      call.fill(key, codec.exact ? outcome : settled);
    });
    bypass.forEach((i, k) => {
      const outcome = computed[missKeys.length + k];
      out[i] = 'error' in outcome ? outcome : asAnswered(outcome, includeScores, this.deps.namespace.model.labels);
    });
    if (this.deps.writeComputedToL2) this.track(l2?.setMany(writes));
  }

  /** Encodes a result of this namespace's model only: an answer of another revision (a rollout) is never filed under this one. */
  private encodeOwn(result: ClassificationResult): Buffer | undefined {
    return result.model === this.deps.namespace.modelId ? this.deps.codec.encode(result) : undefined;
  }

  private track(write: Promise<void> | undefined): void {
    if (!write) return;
    this.pendingWrites.add(write);
    const done = () => void this.pendingWrites.delete(write);
    write.then(done, done); // setMany never throws; if it did, this handles it (no unhandled rejection)
  }
}
