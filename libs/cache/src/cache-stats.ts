// The stats object of a result cache: what `GET /v1/cache/stats` returns and `emo cache stats` prints.
// It is the profiler's CacheCounters (what the profiler reads for the hit rate) and more: extending
// that type, not copying it, keeps the two from drifting (cache may import profiler; not the reverse).
import type { CacheCounters } from '@emo/profiler';
import type { L1ResultCache } from './l1/l1-result-cache';
import type { EvictionPolicyCheck } from './l2/eviction-policy-check';
import type { L2ResultStore, L2State } from './l2/l2-result-store';
import type { CacheCounts } from './metrics/cache-metrics';

export interface CacheStats extends CacheCounters {
  /** `<name>@<revision>` of the model whose answers are cached. */
  model: string;
  namespace: string;
  /** Cacheable texts looked up (texts that bypass the cache are not counted). */
  lookups: number;
  /** Texts answered without inference: L1 + L2 + coalesced. */
  hits: number;
  hitRate: number;
  /** Texts sent to the classifier. */
  computed: number;
  /** Texts computed beside their L2 lookup that L2 then answered (CACHE_COMPUTE_BESIDE_L2): work done in vain. */
  computedInVain: number;
  /** Bulk results computed and not stored: first sightings of their text (CACHE_BULK_ADMISSION=second-hit). */
  notAdmitted: number;
  /** Texts passed on uncached: calls of texts this process saw for the first time (CACHE_API_LOOKUP=second-sighting). */
  firstSightings: number;
  /** Duplicates of a text already in flight (same call or concurrent calls), computed once. */
  coalesced: number;
  /** Texts that went to the classifier uncached (not strings, over MAX_TEXT_CHARS). */
  bypassed: number;
  /** Values that failed to decode (foreign or corrupt) and were treated as misses. */
  corrupt: number;
  inFlight: number;
  l1:
    | { enabled: false }
    | {
        enabled: true;
        hits: number;
        misses: number;
        hitRate: number;
        entries: number;
        bytes: number;
        maxEntries: number;
        maxBytes: number;
        ttlSeconds: number;
        evictions: number;
        expirations: number;
      };
  l2:
    | { enabled: false }
    | {
        enabled: true;
        state: L2State;
        hits: number;
        misses: number;
        hitRate: number;
        errors: number;
        skipped: number;
        latencyMs: { p50: number; p99: number; samples: number };
        policy?: EvictionPolicyCheck;
      };
}

export interface CacheStatsInput {
  readonly model: string;
  readonly namespace: string;
  readonly counts: CacheCounts;
  readonly inFlight: number;
  readonly l1?: L1ResultCache;
  readonly l2?: L2ResultStore;
  readonly policy?: EvictionPolicyCheck;
}

const rate = (h: number, n: number) => (n === 0 ? 0 : Math.round((h / n) * 10_000) / 10_000);

/** The stats object of a two-level cache from its counters and levels. */
export function buildCacheStats({ model, namespace, counts: c, inFlight, l1, l2, policy }: CacheStatsInput): CacheStats {
  const hits = c.l1Hits + c.l2Hits + c.coalesced;
  return {
    model,
    namespace,
    lookups: c.lookups,
    hits,
    hitRate: rate(hits, c.lookups),
    computed: c.computed,
    computedInVain: c.computedInVain,
    notAdmitted: c.notAdmitted,
    firstSightings: c.firstSightings,
    coalesced: c.coalesced,
    bypassed: c.bypassed,
    corrupt: c.corrupt,
    inFlight,
    l1: l1
      ? {
          enabled: true,
          hits: c.l1Hits,
          misses: c.l1Misses,
          hitRate: rate(c.l1Hits, c.l1Hits + c.l1Misses),
          entries: l1.entries,
          bytes: l1.bytes,
          maxEntries: l1.options.maxEntries,
          maxBytes: l1.options.maxBytes,
          ttlSeconds: l1.options.ttlSeconds,
          evictions: l1.evictions,
          expirations: l1.expirations,
        }
      : { enabled: false },
    l2: l2
      ? {
          enabled: true,
          state: l2.state,
          hits: c.l2Hits,
          misses: c.l2Misses,
          hitRate: rate(c.l2Hits, c.l2Hits + c.l2Misses),
          errors: l2.errors,
          skipped: l2.skipped,
          latencyMs: l2.latency.summary(),
          ...(policy ? { policy } : {}),
        }
      : { enabled: false },
  };
}
