// `emo bench soak --minutes N`: a local fleet (one API, one worker) on two redis-servers of its own
// (queue: noeviction; cache: allkeys-lfu with a maxmemory), loaded for N minutes from a second
// process (a load generator: paced /v1/classify calls of 1–4 texts, Zipf-repeated GoEmotions texts
// with a share of never-seen ones, plus a stream of 256-text bulk jobs read back to the last line).
// Every few seconds it samples each process's RSS (/proc/PID/status VmRSS) and each Redis's
// used_memory. Figures: RSS slope per process (MB/h, least squares over the steady part: the second
// half, after the caches filled: the L1 cap is lowered so it fills early), queue Redis memory per
// text (used_memory above the empty fleet's / texts whose records are still retained under
// RESULT_TTL_SECONDS and CLASSIFY_RESULT_TTL_SECONDS, lowered so retention reaches its steady state
// within the run), the queue Redis slope, status counts (429/503/504, other 5xx: must be 0) and
// whether the API and worker stayed up.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { goEmotionsPath, loadGoEmotionsTexts, median, round } from './bench-data';
import { LocalFleet } from './local-fleet';
import { RedisServer } from './redis-server';
import { SoakLoad, type LoadStats } from './soak-load-generator';

export interface SoakBenchOptions {
  readonly config: AppConfig;
  /** Load duration in minutes (fractions allowed). */
  readonly minutes: number;
  /** GoEmotions TSV the texts are drawn from (default: the train split). */
  readonly data?: string;
  /** Seconds between samples (default: 10, or duration / 20 when shorter runs need more). */
  readonly sampleSeconds?: number;
  /** Seed of the load generator's choices. */
  readonly seed?: number;
  readonly log?: (message: string) => void;
}

interface Sample {
  t_s: number;
  api_rss_mb: number;
  worker_rss_mb: number;
  queue_used_mb: number;
  cache_used_mb: number;
  classify_texts: number;
  bulk_texts: number;
}

const KEY = `soak-${randomUUID()}`;
/** Lowered retention and L1 cap: the steady state is reached within a short run. */
const SOAK_ENV = {
  RESULT_TTL_SECONDS: '300',
  CLASSIFY_RESULT_TTL_SECONDS: '60',
  CACHE_L1_MAX_ENTRIES: '20000',
  CACHE_L2_TTL_SECONDS: '3600',
} as const;
const CACHE_MAXMEMORY_BYTES = 64 * 1024 * 1024;

export async function benchSoak(opts: SoakBenchOptions): Promise<Record<string, unknown>> {
  const log = opts.log ?? (() => undefined);
  if (!(opts.minutes > 0)) throw new AppError('CLI_USAGE', `--minutes must be > 0, got ${opts.minutes}`);
  const durationMs = opts.minutes * 60_000;
  const sampleMs = (opts.sampleSeconds ?? Math.min(10, Math.max(0.25, durationMs / 1000 / 20))) * 1000;
  const texts = loadGoEmotionsTexts(opts.data ?? goEmotionsPath('train'));
  const dir = mkdtempSync(join(tmpdir(), 'emo-soak-'));
  const load1: number[] = [round(loadavg()[0])];
  const queueRedis = await RedisServer.start({ maxmemoryPolicy: 'noeviction' });
  const cacheRedis = await RedisServer.start({ maxmemoryPolicy: 'allkeys-lfu', maxmemoryBytes: CACHE_MAXMEMORY_BYTES });
  let fleet: LocalFleet | undefined;
  let loader: SoakLoad | undefined;
  const samples: Sample[] = [];
  let stats: LoadStats | undefined;
  try {
    // Redis of its own: the fleet owns every key there, so 'soak' is prefix enough.
    fleet = await LocalFleet.start({
      config: opts.config,
      prefix: 'soak',
      redisUrl: queueRedis.url,
      apiKey: KEY,
      env: { ...SOAK_ENV, CACHE_REDIS_URL: cacheRedis.url },
    });
    const { base, api, worker, exits } = fleet;
    // The fleet's own footprint before any text: the baseline of "memory per text".
    await new Promise((r) => setTimeout(r, 1000));
    const queueBaseline = await queueRedis.info('used_memory');
    log(
      `soak: fleet up on ${base} (queue Redis ${queueRedis.url}, cache Redis ${cacheRedis.url}); load for ${opts.minutes} min, a sample every ${sampleMs / 1000} s`,
    );
    loader = SoakLoad.start({ base, apiKey: KEY, texts, seed: opts.seed ?? 14, dir });
    const history = loader.history;
    const started = Date.now();
    let nextLog = started + 60_000;
    while (Date.now() - started < durationMs) {
      await new Promise((r) => setTimeout(r, sampleMs));
      if (exits.length > 0) break;
      const last = history.at(-1);
      samples.push({
        t_s: round((Date.now() - started) / 1000, 1),
        api_rss_mb: rssMb(api.pid!),
        worker_rss_mb: rssMb(worker.pid!),
        queue_used_mb: round((await queueRedis.info('used_memory')) / 2 ** 20, 3),
        cache_used_mb: round((await cacheRedis.info('used_memory')) / 2 ** 20, 3),
        classify_texts: last?.classify_texts ?? 0,
        bulk_texts: last?.bulk_texts ?? 0,
      });
      if (Date.now() >= nextLog) {
        nextLog += 60_000;
        const s = samples.at(-1)!;
        load1.push(round(loadavg()[0]));
        log(
          `soak: ${Math.round(s.t_s)} s, ${s.classify_texts + s.bulk_texts} texts, rss api ${s.api_rss_mb} MB worker ${s.worker_rss_mb} MB, queue Redis ${s.queue_used_mb} MB, load ${load1.at(-1)}`,
        );
      }
    }
    stats = await loader.stop();
    load1.push(round(loadavg()[0]));
    if (exits.length > 0) throw new AppError('INTERNAL', `soak: ${exits.join(', ')} under load`);
    if (!stats?.final) throw new AppError('INTERNAL', 'soak: the load generator did not report its totals');
    if (samples.length < 4) throw new AppError('INTERNAL', `soak: only ${samples.length} samples; run longer`);
    return figures(opts, samples, stats, history, queueBaseline, load1);
  } finally {
    loader?.kill();
    await fleet?.stop();
    await Promise.all([queueRedis.close(), cacheRedis.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function figures(
  opts: SoakBenchOptions,
  samples: Sample[],
  stats: LoadStats,
  history: LoadStats[],
  queueBaseline: number,
  load1: number[],
): Record<string, unknown> {
  const steady = samples.slice(Math.floor(samples.length / 2));
  const ttl = { bulk: Number(SOAK_ENV.RESULT_TTL_SECONDS), classify: Number(SOAK_ENV.CLASSIFY_RESULT_TTL_SECONDS) };
  const t0 = history[0]?.t ?? 0;
  /** Load counters at a time (s since the first load report): the last report at or before it. */
  const at = (tS: number): LoadStats | undefined => {
    let found: LoadStats | undefined;
    for (const h of history) if ((h.t - t0) / 1000 <= tS) found = h;
    return found;
  };
  // Texts whose job records and results are still retained at a sample's time.
  const perText = steady
    .map((s) => {
      const bulkBefore = at(s.t_s - ttl.bulk)?.bulk_texts ?? 0;
      const classifyBefore = at(s.t_s - ttl.classify)?.classify_texts ?? 0;
      const retained = s.bulk_texts - bulkBefore + (s.classify_texts - classifyBefore);
      return retained > 0 ? (s.queue_used_mb * 2 ** 20 - queueBaseline) / retained : Number.NaN;
    })
    .filter((x) => Number.isFinite(x));
  const duration = samples.at(-1)!.t_s;
  const status = stats.status;
  const count = (pred: (code: number) => boolean) =>
    Object.entries(status).reduce((sum, [code, n]) => (pred(Number(code)) ? sum + n : sum), 0);
  const texts = stats.classify_texts + stats.bulk_texts;
  return {
    suite: 'soak',
    minutes: opts.minutes,
    duration_s: round(duration, 1),
    samples: samples.length,
    steady_from_s: steady[0].t_s,
    classify_calls: stats.classify_calls,
    classify_texts: stats.classify_texts,
    bulk_jobs: stats.bulk_jobs,
    bulk_texts: stats.bulk_texts,
    texts_per_s: round(texts / duration),
    bulk_missing_lines: stats.bulk_missing_lines,
    status_429: count((c) => c === 429),
    status_503: count((c) => c === 503),
    status_504: count((c) => c === 504),
    status_5xx_other: count((c) => c >= 500 && c !== 503 && c !== 504),
    network_errors: stats.network_errors,
    process_exits: 0,
    api_rss_mb_start: samples[0].api_rss_mb,
    api_rss_mb_end: samples.at(-1)!.api_rss_mb,
    api_rss_mb_max: Math.max(...samples.map((s) => s.api_rss_mb)),
    worker_rss_mb_start: samples[0].worker_rss_mb,
    worker_rss_mb_end: samples.at(-1)!.worker_rss_mb,
    worker_rss_mb_max: Math.max(...samples.map((s) => s.worker_rss_mb)),
    api_rss_slope_mb_per_h: round(
      slopePerHour(steady, (s) => s.api_rss_mb),
      2,
    ),
    worker_rss_slope_mb_per_h: round(
      slopePerHour(steady, (s) => s.worker_rss_mb),
      2,
    ),
    queue_redis_baseline_mb: round(queueBaseline / 2 ** 20, 3),
    queue_redis_used_mb_end: samples.at(-1)!.queue_used_mb,
    queue_redis_used_mb_max: Math.max(...samples.map((s) => s.queue_used_mb)),
    queue_redis_slope_mb_per_h: round(
      slopePerHour(steady, (s) => s.queue_used_mb),
      2,
    ),
    queue_redis_bytes_per_text: perText.length > 0 ? Math.round(median(perText)) : 0,
    cache_redis_used_mb_end: samples.at(-1)!.cache_used_mb,
    cache_redis_maxmemory_mb: CACHE_MAXMEMORY_BYTES / 2 ** 20,
    result_ttl_s: ttl.bulk,
    classify_result_ttl_s: ttl.classify,
    l1_max_entries: Number(SOAK_ENV.CACHE_L1_MAX_ENTRIES),
    load_average_1m: load1.join(' → '),
    windows: windows(samples, 6),
    series: samples,
  };
}

/** The run in `n` equal parts: texts/s and the medians (RSS) or maxima (Redis) of each, to read a slope against the rate. */
function windows(samples: readonly Sample[], n: number): Record<string, number>[] {
  const end = samples.at(-1)!.t_s;
  const mid = (xs: number[]) => median(xs);
  const out: Record<string, number>[] = [];
  for (let i = 0; i < n; i++) {
    const w = samples.filter((s) => s.t_s > (end * i) / n && s.t_s <= (end * (i + 1)) / n);
    if (w.length < 2) continue;
    const texts = (s: Sample) => s.classify_texts + s.bulk_texts;
    out.push({
      from_s: w[0].t_s,
      to_s: w.at(-1)!.t_s,
      texts_per_s: round((texts(w.at(-1)!) - texts(w[0])) / Math.max(0.001, w.at(-1)!.t_s - w[0].t_s)),
      api_rss_mb_median: mid(w.map((s) => s.api_rss_mb)),
      worker_rss_mb_median: mid(w.map((s) => s.worker_rss_mb)),
      queue_redis_mb_max: Math.max(...w.map((s) => s.queue_used_mb)),
      cache_redis_mb_max: Math.max(...w.map((s) => s.cache_used_mb)),
    });
  }
  return out;
}

/** Least-squares slope of `value` over time, per hour. */
function slopePerHour(samples: readonly Sample[], value: (s: Sample) => number): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((a, s) => a + s.t_s, 0) / n;
  const mv = samples.reduce((a, s) => a + value(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t_s - mt) * (value(s) - mv);
    den += (s.t_s - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3600;
}

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024, 1) : Number.NaN;
}
