// The stats object of a result cache: what `GET /v1/cache/stats` returns and `emo cache stats` prints.
import type { EvictionPolicyCheck } from './l2/eviction-policy-check';
import type { L2State } from './l2/l2-result-store';

export interface CacheStats {
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
  /** Duplicates of a text already in flight (same call or concurrent calls), computed once. */
  coalesced: number;
  /** Texts that went to the classifier uncached (not strings, over MAX_TEXT_CHARS). */
  bypassed: number;
  /** Values that failed to decode (foreign or corrupt) and were treated as misses. */
  corrupt: number;
  inFlight: number;
  l1:
    | { enabled: false }
    | { enabled: true; hits: number; misses: number; hitRate: number; entries: number; bytes: number; maxEntries: number; maxBytes: number; ttlSeconds: number; evictions: number; expirations: number };
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
