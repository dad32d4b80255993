// `emo bench cache`'s bulk-miss figures: what the worker's result cache costs per never-seen bulk
// text, inference apart. A TwoLevelCache with L1 and L2 (the bench Redis) sits in front of a
// classifier that answers at once with real engine results (computed beforehand for other texts,
// reused). It is fed as a worker feeds it: chunks of JOB_CHUNK_SIZE texts, WORKER_CONCURRENCY in
// flight, every text new. The same texts' shape through that classifier alone alternates with it
// round by round. Figures: this process's CPU per text with and without the cache (the difference
// is the cache's: key hashing, L1, the L2 MGET and SET_MANY, encoding, in-flight claims, garbage),
// and the Redis server's CPU per text over the cached rounds.
import type { Redis } from 'ioredis';
import type { TwoLevelCache } from '@emo/cache';
import type { ClassificationResult, Classifier } from '@emo/contracts';
import { median, round } from './bench-data';
import { classifyInChunks } from './chunked-feed';
import { ownCpuSeconds, redisCpuSeconds } from './process-cpu';

export interface BulkMissOptions {
  /** A new cache with L2 under a namespace of its own (the caller's settings and Redis). */
  readonly newCache: (namespace: string) => TwoLevelCache;
  /** Engine results (with `scoreArray`) the instant classifier hands out in turn. */
  readonly results: readonly ClassificationResult[];
  /** Texts the never-seen ones are made from (each gets a unique suffix). */
  readonly texts: readonly string[];
  readonly perRound: number;
  readonly rounds: number;
  readonly chunkSize: number;
  readonly concurrency: number;
  readonly redis: Redis;
  /** Deletes a namespace's keys after its round (outside the timing). */
  readonly purge: (namespace: string) => Promise<unknown>;
}

export interface BulkMissFigures {
  readonly bulk_miss_texts: number;
  readonly bulk_miss_cpu_us_per_text: number;
  readonly bulk_miss_classifier_cpu_us_per_text: number;
  readonly bulk_miss_cache_cpu_us_per_text: number;
  readonly bulk_miss_redis_cpu_us_per_text: number;
}

export async function bulkMissCost(opts: BulkMissOptions): Promise<BulkMissFigures> {
  const { results } = opts;
  let served = 0;
  const instant: Classifier = {
    classify: (texts) => Promise.resolve(texts.map(() => results[served++ % results.length])),
  };
  const cached: number[] = [];
  const alone: number[] = [];
  const redisCpu: number[] = [];
  let made = 0;
  const fresh = () => Array.from({ length: opts.perRound }, (_, i) => `${opts.texts[i % opts.texts.length]} #bulk-miss-${made++}`);
  for (let r = 0; r < opts.rounds; r++) {
    const namespace = `bulk-miss-${r}`;
    const cache = opts.newCache(namespace);
    const variants = [
      { sink: cached, classifier: cache.classifier(instant) },
      { sink: alone, classifier: instant },
    ];
    for (const { sink, classifier } of r % 2 ? variants.reverse() : variants) {
      const texts = fresh();
      const [cpuBefore, redisBefore] = [ownCpuSeconds(), await redisCpuSeconds(opts.redis)];
      await classifyInChunks(classifier, texts, opts.chunkSize, opts.concurrency);
      await cache.drain();
      sink.push(((ownCpuSeconds() - cpuBefore) * 1e6) / texts.length);
      if (sink === cached) redisCpu.push((((await redisCpuSeconds(opts.redis)) - redisBefore) * 1e6) / texts.length);
    }
    await opts.purge(namespace);
  }
  return {
    bulk_miss_texts: opts.perRound * opts.rounds,
    bulk_miss_cpu_us_per_text: round(median(cached), 2),
    bulk_miss_classifier_cpu_us_per_text: round(median(alone), 2),
    bulk_miss_cache_cpu_us_per_text: round(median(cached) - median(alone), 2),
    bulk_miss_redis_cpu_us_per_text: round(median(redisCpu), 2),
  };
}
