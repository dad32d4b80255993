// Result-cache settings: L1 (in-process LRU), L2 (shared Redis), key normalization, warming.
// The cache Redis itself is CACHE_REDIS_URL (runtime.settings.ts; default REDIS_URL).
import { z } from 'zod';
import { bool, int, setting } from '../setting';

export const cacheSettings = {
  cacheEnabled: setting('CACHE_ENABLED', bool().default(true), 'Result cache on/off (L1 and L2). Off: every text goes to inference.'),
  cacheL1MaxEntries: setting('CACHE_L1_MAX_ENTRIES', int(1, 100_000_000).default(100_000), 'Most results in the in-process L1 LRU.'),
  cacheL1MaxBytes: setting(
    'CACHE_L1_MAX_BYTES',
    int(1024, 64 * 1024 ** 3).default(64 * 1024 ** 2),
    'Most bytes (encoded values + keys + per-entry overhead) in the L1 LRU.',
  ),
  cacheL1TtlSeconds: setting('CACHE_L1_TTL_SECONDS', int(1, 365 * 86_400).default(600), 'Time to live of an L1 entry.'),
  cacheBulkAdmission: setting(
    'CACHE_BULK_ADMISSION',
    z.enum(['always', 'second-hit']).default('always'),
    'Which computed bulk results (jobs, backfills) are stored in L1 and L2: `always` every one; `second-hit` a text only from the second time a process computes it (a filter of 10 bits per key, sized 10 × CACHE_L1_MAX_ENTRIES, remembers first sightings), so one-off texts neither evict what interactive calls reuse nor fill the cache Redis. second-hit suits backfills of mostly unique texts (+4 % fleet throughput on never-repeated texts); on a chat log where 30 % of messages repeat, the hit rate falls from 0.37 to 0.26 (docs/cache.md). Interactive results are always stored.',
  ),
  cacheApiLookup: setting(
    'CACHE_API_LOOKUP',
    z.enum(['second-sighting', 'always']).default('second-sighting'),
    'When the API looks a /v1/classify call up in its cache (L1, then L2) before the fleet: `second-sighting` only a call with a text this API process has seen before (a filter of 10 bits per text, sized 10 × CACHE_L1_MAX_ENTRIES, remembers sightings); a call of texts seen for the first time goes straight to the fleet, whose worker looks them up in L2 in one MGET per chunk, so a text cached by another pod is still not computed again. `always` every call (a text cached in L2 but new to this pod is answered without the queue, at the cost of a lookup per never-seen text: 0.88 × the c64 throughput on never-seen texts, docs/cache.md).',
  ),
  cacheComputeBesideL2: setting(
    'CACHE_COMPUTE_BESIDE_L2',
    z.enum(['idle', 'never']).default('idle'),
    "When a worker computes an interactive chunk's texts beside its L2 lookup instead of after it: `idle` when its engine has nothing waiting or running (a lone call does not wait a Redis round trip that mostly misses; a text L2 does answer was computed in vain on idle cores: emo_cache_computed_in_vain_total); `never` always after the lookup (ADR 020).",
  ),
  cacheL2Enabled: setting('CACHE_L2_ENABLED', bool().default(true), 'Use the shared Redis L2 in the fleet (api, worker).'),
  cacheCliL2: setting(
    'CACHE_CLI_L2',
    bool().default(false),
    'Also use the Redis L2 from local CLI commands (classify, backfill, eval). Off: the embedded CLI needs no Redis (L1 only).',
  ),
  cachePolicyWarning: setting(
    'CACHE_POLICY_WARNING',
    bool().default(true),
    'Warn (once per process, where L2 is used) when the cache Redis eviction policy is not LFU, e.g. when it shares the queue Redis (noeviction). false: silenced.',
  ),
  cacheL2TtlSeconds: setting(
    'CACHE_L2_TTL_SECONDS',
    int(1, 365 * 86_400).default(7 * 86_400),
    'Time to live of an L2 entry (±10% jitter per write command of up to 512 entries, so what a backfill writes over minutes does not expire at one moment).',
  ),
  cacheL2TimeoutMs: setting(
    'CACHE_L2_TIMEOUT_MS',
    int(1, 60_000).default(50),
    'An L2 read or write slower than this counts as a failure: the text is treated as a miss.',
  ),
  cacheL2RetryMs: setting(
    'CACHE_L2_RETRY_MS',
    int(10, 3_600_000).default(1000),
    'After an L2 failure, L2 is skipped for this long before it is tried again.',
  ),
  cacheL2LogIntervalMs: setting(
    'CACHE_L2_LOG_INTERVAL_MS',
    int(1000, 86_400_000).default(60_000),
    'While L2 keeps failing, at most one warning per interval.',
  ),
  cacheL2Compression: setting(
    'CACHE_L2_COMPRESSION',
    z.enum(['none', 'deflate']).default('none'),
    'Compress encoded L2 values (only values over CACHE_L2_COMPRESS_MIN_BYTES, and only when it saves bytes).',
  ),
  cacheScoreEncoding: setting(
    'CACHE_SCORE_ENCODING',
    z.enum(['float32', 'uint16']).default('float32'),
    'How cached values store scores: `float32` (a hit returns exactly what the model returned) or `uint16` (scores quantized to 1/65535: about half the bytes per entry, scores within 8e-6).',
  ),
  cacheL2CompressMinBytes: setting(
    'CACHE_L2_COMPRESS_MIN_BYTES',
    int(0, 1_048_576).default(256),
    'Smallest encoded value that is worth compressing.',
  ),
  cacheTextNormalization: setting(
    'CACHE_TEXT_NORMALIZATION',
    z.enum(['exact', 'nfc-trim']).default('exact'),
    'Text normalization for cache keys: `exact` (a hit always equals what the model answers for that text) or `nfc-trim` (Unicode NFC + trimmed + collapsed whitespace; more hits, may merge texts a byte-level tokenizer would score differently).',
  ),
  cacheWarmFile: setting(
    'CACHE_WARM_FILE',
    z.string().min(1).optional(),
    'Phrases (one per line, # comments) classified into the cache when a worker starts.',
  ),
} as const;
