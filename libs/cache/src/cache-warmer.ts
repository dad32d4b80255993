// Warming: classify a list of common phrases through the cache so the first real requests hit.
// `emo cache warm --file phrases.txt` and the worker at start (CACHE_WARM_FILE) use it.
import { readFile } from 'node:fs/promises';
import { AppError, type ClassifyOptions } from '@emo/contracts';
import type { Logger } from '@emo/profiler';
import type { CachedClassifier } from './cached-classifier';

export interface WarmSummary {
  texts: number;
  /** Already in L1 or L2 before warming. */
  alreadyCached: number;
  computed: number;
  errors: number;
  ms: number;
}

/** Phrases of a warm list: one per line, blank lines and `#` comments skipped, text otherwise kept as is. */
export async function readPhraseFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AppError('CLI_USAGE', `cannot read warm list ${path} (${(e as Error).message})`);
  }
  return text
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l.trim().length > 0 && !l.startsWith('#'));
}

/** Classifies `texts` through the cached classifier (misses computed and written to L1 + L2, first sightings included). */
export async function warmCache(
  cached: CachedClassifier,
  texts: readonly string[],
  opts: { chunkSize?: number; classify?: ClassifyOptions; onProgress?: (done: number) => void } = {},
): Promise<WarmSummary> {
  const started = performance.now();
  const { cache } = cached;
  const before = cache.stats();
  const chunk = opts.chunkSize ?? 256;
  let errors = 0;
  for (let i = 0; i < texts.length; i += chunk) {
    const outcomes = await cached.classify(texts.slice(i, i + chunk), { ...opts.classify, cacheAdmit: true });
    errors += outcomes.filter((o) => 'error' in o).length;
    opts.onProgress?.(Math.min(texts.length, i + chunk));
  }
  await cache.drain();
  const after = cache.stats();
  const computed = after.computed - before.computed;
  return { texts: texts.length, alreadyCached: after.hits - before.hits, computed, errors, ms: Math.round(performance.now() - started) };
}

/** For the worker at start: warms from CACHE_WARM_FILE when set. Warming is an optimization: a failure is logged, not thrown. */
export async function warmFromConfig(
  cached: CachedClassifier,
  config: { readonly cache: { readonly cacheWarmFile?: string } },
  logger?: Pick<Logger, 'info' | 'error'>,
): Promise<WarmSummary | undefined> {
  if (!config.cache.cacheWarmFile) return undefined;
  try {
    const summary = await warmCache(cached, await readPhraseFile(config.cache.cacheWarmFile), { classify: { priority: 'bulk' } });
    logger?.info({ ...summary, file: config.cache.cacheWarmFile }, 'cache warmed');
    return summary;
  } catch (e) {
    logger?.error({ file: config.cache.cacheWarmFile, reason: (e as Error).message }, 'cache warming failed; continuing cold');
    return undefined;
  }
}
