// Prometheus collectors of the result cache (prom-client): hits and misses per level, evictions,
// corrupt values, L2 errors, the L2 latency histogram, L1 size and the overall hit ratio.
// One set of collectors per registry, shared by every cache of the process that uses it; counts
// are read from the caches at scrape time so the per-text path makes no metric calls.
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';

export type CacheLevel = 'l1' | 'l2';

/** Running counts of one cache; the counters read them at scrape time (no per-text metric calls on the hot path). */
export interface CacheCounts {
  lookups: number;
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  coalesced: number;
  computed: number;
  /** Texts computed beside their L2 lookup that L2 then answered (computeBesideL2): work done in vain. */
  computedInVain: number;
  /** Bulk results computed and not stored: first sightings under CACHE_BULK_ADMISSION=second-hit. */
  notAdmitted: number;
  /** Texts of calls passed on uncached because none of the call's texts was seen before (CACHE_API_LOOKUP=second-sighting). */
  firstSightings: number;
  bypassed: number;
  corrupt: number;
  corruptL2: number;
}

/** What a live cache reports when Prometheus scrapes. */
export interface CacheGaugeSource {
  counts(): Readonly<CacheCounts>;
  l1Entries(): number;
  l1Bytes(): number;
  l1Evictions(): number;
}

export const emptyCounts = (): CacheCounts => ({
  lookups: 0,
  l1Hits: 0,
  l1Misses: 0,
  l2Hits: 0,
  l2Misses: 0,
  coalesced: 0,
  computed: 0,
  computedInVain: 0,
  notAdmitted: 0,
  firstSightings: 0,
  bypassed: 0,
  corrupt: 0,
  corruptL2: 0,
});

export class CacheMetrics {
  private static readonly byRegistry = new WeakMap<Registry, CacheMetrics>();

  readonly l2Errors: Counter<'op'>;
  readonly l2Seconds: Histogram<'op'>;
  private readonly sources = new Set<CacheGaugeSource>();
  /** Counts of caches that were closed, so the counters never go down. */
  private readonly retired = emptyCounts();
  private retiredEvictions = 0;

  private constructor(registry: Registry) {
    const registers = [registry];
    const sources = this.sources;
    const sum = (f: (s: CacheGaugeSource) => number) => [...sources].reduce((n, s) => n + f(s), 0);
    const retiredEvictions = () => this.retiredEvictions;
    const count = (f: (c: Readonly<CacheCounts>) => number) => f(this.retired) + [...sources].reduce((n, s) => n + f(s.counts()), 0);
    new Counter({
      name: 'emo_cache_hits_total',
      help: 'Texts answered from the result cache, by level (coalesced: same text already in flight)',
      labelNames: ['level'],
      registers,
      collect() {
        this.reset();
        this.inc(
          { level: 'l1' },
          count((c) => c.l1Hits),
        );
        this.inc(
          { level: 'l2' },
          count((c) => c.l2Hits),
        );
        this.inc(
          { level: 'coalesced' },
          count((c) => c.coalesced),
        );
      },
    });
    new Counter({
      name: 'emo_cache_misses_total',
      help: 'Result cache lookups that missed, by level',
      labelNames: ['level'],
      registers,
      collect() {
        this.reset();
        this.inc(
          { level: 'l1' },
          count((c) => c.l1Misses),
        );
        this.inc(
          { level: 'l2' },
          count((c) => c.l2Misses),
        );
      },
    });
    new Counter({
      name: 'emo_cache_not_admitted_total',
      help: 'Bulk results computed and not stored in the cache: first sightings of their text (CACHE_BULK_ADMISSION=second-hit)',
      registers,
      collect() {
        this.reset();
        this.inc(count((c) => c.notAdmitted));
      },
    });
    new Counter({
      name: 'emo_cache_computed_in_vain_total',
      help: 'Texts a worker computed beside their L2 lookup (an interactive call on an idle engine, CACHE_COMPUTE_BESIDE_L2) that L2 then answered',
      registers,
      collect() {
        this.reset();
        this.inc(count((c) => c.computedInVain));
      },
    });
    new Counter({
      name: 'emo_cache_first_sightings_total',
      help: "Texts of /v1/classify calls the API passed to the fleet without a lookup: none of the call's texts was seen before by this process (CACHE_API_LOOKUP=second-sighting; the workers look them up)",
      registers,
      collect() {
        this.reset();
        this.inc(count((c) => c.firstSightings));
      },
    });
    new Counter({
      name: 'emo_cache_corrupt_total',
      help: 'Cached values that failed to decode (foreign or corrupt) and were treated as misses',
      labelNames: ['level'],
      registers,
      collect() {
        this.reset();
        this.inc(
          { level: 'l1' },
          count((c) => c.corrupt - c.corruptL2),
        );
        this.inc(
          { level: 'l2' },
          count((c) => c.corruptL2),
        );
      },
    });
    this.l2Errors = new Counter({
      name: 'emo_cache_l2_errors_total',
      help: 'L2 (Redis) operations that failed or timed out',
      labelNames: ['op'],
      registers,
    });
    this.l2Seconds = new Histogram({
      name: 'emo_cache_l2_duration_seconds',
      help: 'L2 (Redis) round trip per batch operation',
      labelNames: ['op'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    });
    new Counter({
      name: 'emo_cache_evictions_total',
      help: 'L1 entries evicted to respect its entry or byte bound',
      labelNames: ['level'],
      registers,
      collect() {
        this.reset();
        this.inc({ level: 'l1' }, retiredEvictions() + sum((s) => s.l1Evictions()));
      },
    });
    new Gauge({
      name: 'emo_cache_l1_entries',
      help: 'Entries in the L1 LRU',
      registers,
      collect() {
        this.set(sum((s) => s.l1Entries()));
      },
    });
    new Gauge({
      name: 'emo_cache_l1_bytes',
      help: 'Bytes accounted in the L1 LRU',
      registers,
      collect() {
        this.set(sum((s) => s.l1Bytes()));
      },
    });
    new Gauge({
      name: 'emo_cache_hit_ratio',
      help: 'Share of cacheable texts answered without inference since start (any level)',
      registers,
      collect() {
        const lookups = count((c) => c.lookups);
        this.set(lookups === 0 ? 0 : count((c) => c.l1Hits + c.l2Hits + c.coalesced) / lookups);
      },
    });
  }

  /** The collectors on `registry` (default: prom-client's global registry), created once. */
  static for(registry: Registry = defaultRegistry): CacheMetrics {
    let m = CacheMetrics.byRegistry.get(registry);
    if (!m) {
      m = new CacheMetrics(registry);
      CacheMetrics.byRegistry.set(registry, m);
    }
    return m;
  }

  attach(source: CacheGaugeSource): () => void {
    this.sources.add(source);
    return () => {
      if (!this.sources.delete(source)) return;
      const c = source.counts();
      for (const k of Object.keys(c) as (keyof CacheCounts)[]) this.retired[k] += c[k];
      this.retiredEvictions += source.l1Evictions();
    };
  }
}
