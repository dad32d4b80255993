// The two-level result cache of one model, put in front of a classifier by `classifier(inner)`
// (CachedClassifier): L1 (in-process LRU; its pass in two-level-cache-l1.ts) → L2 (shared Redis,
// one MGET per call; none for texts the caller already missed in L2) → the classifier for what is
// left, then write L1 + L2 (two-level-cache-compute.ts). The API's cache passes a call of
// never-seen texts straight on (firstSightingCapacity, CACHE_API_LOOKUP).
// Results come back in input order; ItemErrors are never cached; the same text in flight twice in
// one process (in one call or across concurrent calls) is computed once.
// Every answer, hit or miss, is the decoded cache value, so a text gets the same answer either way
// (with the default float32 encoding that is exactly the classifier's answer).
import type { Classifier, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import { hasLoneSurrogate, viewOutcomes } from '@emo/contracts';
import type { StageTimer } from '@emo/profiler';
import { BulkAdmission } from './admission/bulk-admission';
import { FirstSightings } from './admission/first-sightings';
import { CachedClassifier } from './cached-classifier';
import { ResultCodec } from './codec/result-codec';
import { InFlightResults, type Deferred } from './in-flight-results';
import type { CacheNamespace } from './keys/cache-namespace';
import type { L1ResultCache } from './l1/l1-result-cache';
import type { EvictionPolicyCheck } from './l2/eviction-policy-check';
import type { L2ResultStore } from './l2/l2-result-store';
import { emptyCounts, type CacheCounts, type CacheMetrics } from './metrics/cache-metrics';
import { buildCacheStats, type CacheStats } from './cache-stats';
import { positionFiller, type L2Misses, type OwnCall } from './two-level-cache-call';
import { MissComputer } from './two-level-cache-compute';
import { l1Pass, type L1PassDeps } from './two-level-cache-l1';

export interface TwoLevelCacheOptions {
  readonly namespace: CacheNamespace;
  readonly l1?: L1ResultCache;
  readonly l2?: L2ResultStore;
  readonly metrics: CacheMetrics;
  /** Default of includeScores when a call does not say (INCLUDE_SCORES). */
  readonly includeScores?: boolean;
  /** Texts longer than this bypass the cache (their answer depends on LONG_TEXT_POLICY). */
  readonly maxTextChars?: number;
  readonly compression?: 'none' | 'deflate';
  readonly compressMinBytes?: number;
  readonly scoreEncoding?: 'float32' | 'uint16';
  readonly policy?: EvictionPolicyCheck;
  /**
   * Write what `inner` computed to L2 (default true). The API sets false: its inner classifier is
   * the fleet, whose workers already stored every result they computed in L2.
   */
  readonly writeComputedToL2?: boolean;
  /**
   * Which computed bulk results are stored (CACHE_BULK_ADMISSION): `always` (default), or `second-hit`
   * (only a key this process computed before, admission/doorkeeper.ts). Interactive results are always stored.
   */
  readonly bulkAdmission?: 'always' | 'second-hit';
  /**
   * Remember this many texts' sightings and pass a call of never-seen texts to `inner` uncached
   * (admission/first-sightings.ts; the API's cache under CACHE_API_LOOKUP=second-sighting).
   */
  readonly firstSightingCapacity?: number;
}

export class TwoLevelCache {
  readonly codec: ResultCodec;
  readonly namespace: CacheNamespace;
  private readonly inFlight = new InFlightResults();
  private readonly detachMetrics: () => void;
  private readonly counts: CacheCounts = emptyCounts();
  private readonly admission: BulkAdmission;
  private readonly sightings?: FirstSightings;
  private readonly l1Deps: L1PassDeps;
  private readonly computer: MissComputer;
  /** Stage timers of libs/profiler (l1, l2), set by the app that profiles; none: not timed. */
  stageTimer?: Pick<StageTimer, 'start'>;
  /**
   * Whether a call starts computing its texts beside its L2 lookup instead of after it (the worker:
   * an interactive call on an idle engine, CACHE_COMPUTE_BESIDE_L2). The call then does not wait a
   * round trip for an answer that is mostly a miss; what L2 does answer was computed in vain, on
   * cores that had nothing else to do. None: never.
   */
  computeBesideL2?: (opts: ClassifyOptions | undefined) => boolean;

  constructor(private readonly opts: TwoLevelCacheOptions) {
    this.namespace = opts.namespace;
    this.admission = new BulkAdmission(opts.bulkAdmission, opts.l1?.options.maxEntries);
    if (opts.firstSightingCapacity !== undefined)
      this.sightings = new FirstSightings(opts.firstSightingCapacity, (text): text is string => this.cacheable(text));
    this.codec = new ResultCodec({
      labels: opts.namespace.model.labels,
      modelId: opts.namespace.modelId,
      compression: opts.compression,
      compressMinBytes: opts.compressMinBytes,
      scoreEncoding: opts.scoreEncoding,
    });
    this.l1Deps = { keyOf: (text) => this.keyOf(text), l1: opts.l1, codec: this.codec, inFlight: this.inFlight, counts: this.counts };
    this.computer = new MissComputer({
      namespace: opts.namespace,
      codec: this.codec,
      counts: this.counts,
      admission: this.admission,
      l1: opts.l1,
      l2: opts.l2,
      writeComputedToL2: opts.writeComputedToL2 !== false,
      besideL2: (callOpts) => this.computeBesideL2?.(callOpts) ?? false,
    });
    this.detachMetrics = opts.metrics.attach({
      l1Entries: () => opts.l1?.entries ?? 0,
      l1Bytes: () => opts.l1?.bytes ?? 0,
      l1Evictions: () => opts.l1?.evictions ?? 0,
      counts: () => this.counts,
    });
  }

  get l1(): L1ResultCache | undefined {
    return this.opts.l1;
  }

  get l2(): L2ResultStore | undefined {
    return this.opts.l2;
  }

  /** Key of a cacheable text; undefined for values that must go to the classifier as they are. */
  keyOf(text: unknown): string | undefined {
    return this.cacheable(text) ? this.namespace.key(text) : undefined;
  }

  /** Whether the cache keys `text` (a string within MAX_TEXT_CHARS, valid UTF-8); the rest bypass it. */
  private cacheable(text: unknown): text is string {
    if (typeof text !== 'string' || text.length > (this.opts.maxTextChars ?? Number.POSITIVE_INFINITY)) return false;
    // Lone surrogates mark invalid UTF-8 (decodeUtf8Escaped): such a text is an error, and hashing it
    // would encode them as U+FFFD, the key of a genuine U+FFFD text.
    return !hasLoneSurrogate(text);
  }

  /** THE way to put this cache in front of a classifier (see CachedClassifier). */
  classifier(inner: Classifier): CachedClassifier {
    return new CachedClassifier(this, inner);
  }

  /**
   * The read-through protocol behind CachedClassifier (use `classifier(inner)`): L1, then one L2
   * MGET for what L1 lacks (none when `opts.cacheChecked`: the caller already missed in L2), then
   * `inner` for the rest. What goes on to `inner` after an L2 lookup here is marked `cacheChecked`,
   * so a cache behind it (a worker's, behind the fleet) does not read L2 for it a second time.
   * With `firstSightingCapacity`, a call none of whose texts was seen before skips all of that.
   */
  async classify(
    inner: Classifier,
    texts: readonly unknown[],
    opts?: ClassifyOptions,
    /** Called with the number of this call's texts answered from L1 or L2 (not computed, not joined). */
    onHits?: (texts: number) => void,
  ): Promise<ClassifyOutcome[]> {
    const includeScores = opts?.includeScores ?? this.opts.includeScores ?? false;
    if (this.sightings?.allFirst(texts)) {
      // Uncached, as the caller asked (its view and scores): nothing to look up, store or decode here.
      // This cache's default of includeScores goes along (the classifier behind may default otherwise).
      this.counts.firstSightings += texts.length;
      return inner.classify(texts, opts?.includeScores === includeScores ? opts : { ...opts, includeScores });
    }
    return this.lookUp(inner, texts, includeScores, opts, onHits);
  }

  /** The read-through protocol of `classify` once sightings are counted: its view, then L1, L2 and `inner`. */
  private async lookUp(
    inner: Classifier,
    texts: readonly unknown[],
    includeScores: boolean,
    opts?: ClassifyOptions,
    onHits?: (texts: number) => void,
  ): Promise<ClassifyOutcome[]> {
    // A coarse view is derived after the cache (ADR 015): the fine result, with every score, is what
    // is cached and what `inner` computes, under the same key whatever view a caller asks for.
    const taxonomy = opts?.taxonomy ?? 'goemotions';
    if (taxonomy !== 'goemotions') {
      const { taxonomy: _view, ...fineOpts } = opts ?? {}; // no taxonomy key at all: inner computes the fine result
      const fine = await this.lookUp(inner, texts, true, { ...fineOpts, includeScores: true }, onHits);
      return viewOutcomes(fine, taxonomy, includeScores);
    }
    const out = new Array<ClassifyOutcome>(texts.length);
    const trace = { labels: { priority: opts?.priority }, traceId: opts?.traceId };
    const endL1 = this.stageTimer?.start('l1', { ...trace, count: texts.length });
    const { positions, toFetch, waits, bypass } = l1Pass(this.l1Deps, texts, includeScores, out);
    endL1?.();
    let hits = 0;
    // What fromL1 filled is an L1 hit (the keys joined or to fetch are filled later).
    if (onHits) for (const at of positions.values()) if (out[at[0]] !== undefined) hits += at.length;
    const fill = positionFiller(positions, out, includeScores, this.codec, this.namespace.model.labels);
    // Texts this call joined (another call computes them). The handlers are attached now, not at the
    // await below: the other call may fail (its deadline) while this one still computes its own texts,
    // and a rejection without a handler until then kills the process (issue 14).
    const joined = Promise.all(waits.map(([key, d]) => d.promise.then((s) => fill(key, s))));
    joined.catch(() => undefined); // the await below rethrows it; a call that failed first already threw its own
    if (toFetch.length > 0 || bypass.length > 0) {
      const mine = this.inFlight.claim(toFetch);
      try {
        const call: OwnCall = { inner, texts, opts, includeScores, trace, positions, out, fill };
        // The MGET is sent first: the computation's first run may hold this thread (an inline run),
        // and the lookup's round trip is to pass meanwhile.
        const lookup = this.fromL2(call, toFetch, mine);
        const early = this.computer.early(call, toFetch, bypass);
        if (early) lookup.catch(() => undefined); // awaited below; not unhandled while `early` starts
        const l2 = await lookup;
        hits += l2.hits;
        if (early) await this.computer.settleEarly(call, l2, bypass, toFetch, early);
        else if (l2.missKeys.length > 0 || bypass.length > 0) await this.computer.compute(call, l2, bypass);
      } catch (e) {
        for (const d of mine) d.reject(e);
        throw e;
      } finally {
        this.inFlight.release(toFetch, mine);
      }
    }
    await joined;
    if (hits > 0) onHits?.(hits);
    return out;
  }

  /**
   * One L2 MGET for the keys this call computes (none when the caller already missed them in L2,
   * `cacheChecked`): hits are filled in and settle their in-flight entries; the rest is returned.
   */
  private async fromL2(call: OwnCall, toFetch: readonly string[], mine: readonly Deferred[]): Promise<L2Misses & { hits: number }> {
    const l2 = call.opts?.cacheChecked ? undefined : this.opts.l2;
    const endL2 = l2 && toFetch.length > 0 ? this.stageTimer?.start('l2', { ...call.trace, count: toFetch.length }) : undefined;
    const values = await (l2?.mget(toFetch) ?? Promise.resolve([]));
    endL2?.();
    let hits = 0;
    const missKeys: string[] = [];
    const missDeferreds: Deferred[] = [];
    toFetch.forEach((key, k) => {
      const value = values[k];
      const hit = value && this.codec.decode(value, call.includeScores); // decoded once: the check and the answer
      if (value && hit) {
        this.counts.l2Hits++;
        hits += call.positions.get(key)?.length ?? 0;
        this.opts.l1?.set(key, value);
        mine[k].resolve(value);
        call.fill(key, hit);
        return;
      }
      if (value) {
        this.counts.corrupt++;
        this.counts.corruptL2++;
      }
      if (l2) this.counts.l2Misses++;
      missKeys.push(key);
      missDeferreds.push(mine[k]);
    });
    // L2 answered (state up after the MGET): what goes on was looked up and missed, say so.
    const checked = call.opts?.cacheChecked === true || (l2 !== undefined && missKeys.length > 0 && l2.state === 'up');
    return { hits, missKeys, missDeferreds, checked };
  }

  /** Waits for L2 writes started by earlier calls (tests, shutdown). */
  drain(): Promise<void> {
    return this.computer.drain();
  }

  stats(): CacheStats {
    return buildCacheStats({
      model: this.namespace.modelId,
      namespace: this.namespace.prefix,
      counts: this.counts,
      inFlight: this.inFlight.size,
      l1: this.opts.l1,
      l2: this.opts.l2,
      policy: this.opts.policy,
    });
  }

  /** Waits for pending writes and detaches the gauges; the Redis connection belongs to whoever made it. */
  async close(): Promise<void> {
    await this.drain();
    this.detachMetrics();
  }
}
