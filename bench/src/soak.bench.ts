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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { packageRoot } from '@emo/model';
import { goEmotionsPath, loadGoEmotionsTexts, median, round } from './bench-data';
import { freePort, stopChild } from './child-processes';
import { RedisServer } from './redis-server';

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

interface LoadStats {
  t: number;
  classify_calls: number;
  classify_texts: number;
  bulk_jobs: number;
  bulk_texts: number;
  bulk_lines_read: number;
  bulk_missing_lines: number;
  status: Record<string, number>;
  network_errors: number;
  final?: boolean;
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
const SOAK_ENV = { RESULT_TTL_SECONDS: '300', CLASSIFY_RESULT_TTL_SECONDS: '60', CACHE_L1_MAX_ENTRIES: '20000', CACHE_L2_TTL_SECONDS: '3600' } as const;
const CACHE_MAXMEMORY_BYTES = 64 * 1024 * 1024;

export async function benchSoak(opts: SoakBenchOptions): Promise<Record<string, unknown>> {
  const log = opts.log ?? (() => undefined);
  if (!(opts.minutes > 0)) throw new AppError('CLI_USAGE', `--minutes must be > 0, got ${opts.minutes}`);
  const durationMs = opts.minutes * 60_000;
  const sampleMs = (opts.sampleSeconds ?? Math.min(10, Math.max(0.25, (durationMs / 1000) / 20))) * 1000;
  const texts = loadGoEmotionsTexts(opts.data ?? goEmotionsPath('train'));
  const dir = mkdtempSync(join(tmpdir(), 'emo-soak-'));
  const load1: number[] = [round(loadavg()[0])];
  const queueRedis = await RedisServer.start({ maxmemoryPolicy: 'noeviction' });
  const cacheRedis = await RedisServer.start({ maxmemoryPolicy: 'allkeys-lfu', maxmemoryBytes: CACHE_MAXMEMORY_BYTES });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...SOAK_ENV, QUEUE_PREFIX: 'soak', PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: '0', API_KEYS: KEY, LOG_LEVEL: 'warn', REDIS_URL: queueRedis.url, CACHE_REDIS_URL: cacheRedis.url };
  if (opts.config.engine.modelDir) env.MODEL_DIR = opts.config.engine.modelDir;
  const api = serve('api', env);
  const worker = serve('worker', env);
  const exits: string[] = [];
  for (const [name, child] of [['api', api], ['worker', worker]] as const) child.once('exit', (code, signal) => exits.push(`${name} exited (${code ?? signal})`));
  let loader: ChildProcess | undefined;
  const samples: Sample[] = [];
  let stats: LoadStats | undefined;
  try {
    await waitReady(base);
    // The fleet's own footprint before any text: the baseline of "memory per text".
    await new Promise((r) => setTimeout(r, 1000));
    const queueBaseline = await queueRedis.info('used_memory');
    const textsFile = join(dir, 'texts.json');
    writeFileSync(textsFile, JSON.stringify(texts));
    const cfgFile = join(dir, 'load.json');
    writeFileSync(cfgFile, JSON.stringify({ base, key: KEY, textsFile: textsFile, seed: opts.seed ?? 14, classifyLanes: 4, classifyEveryMs: 50, uniqueShare: 0.3, bulkTexts: 256, bulkPauseMs: 500 }));
    const script = join(dir, 'load.mjs');
    writeFileSync(script, LOAD_GENERATOR);
    log(`soak: fleet up on ${base} (queue Redis ${queueRedis.url}, cache Redis ${cacheRedis.url}); load for ${opts.minutes} min, a sample every ${sampleMs / 1000} s`);
    loader = spawn(process.execPath, [script, cfgFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    const history: LoadStats[] = [];
    const loaderDone = new Promise<void>((done) => {
      let buffer = '';
      loader!.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('{')) history.push(JSON.parse(line) as LoadStats);
      });
      loader!.once('exit', () => done());
    });
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
        log(`soak: ${Math.round(s.t_s)} s, ${s.classify_texts + s.bulk_texts} texts, rss api ${s.api_rss_mb} MB worker ${s.worker_rss_mb} MB, queue Redis ${s.queue_used_mb} MB, load ${load1.at(-1)}`);
      }
    }
    loader.kill('SIGTERM');
    await loaderDone;
    stats = history.at(-1);
    load1.push(round(loadavg()[0]));
    if (exits.length > 0) throw new AppError('INTERNAL', `soak: ${exits.join(', ')} under load`);
    if (!stats?.final) throw new AppError('INTERNAL', 'soak: the load generator did not report its totals');
    if (samples.length < 4) throw new AppError('INTERNAL', `soak: only ${samples.length} samples; run longer`);
    return figures(opts, samples, stats, history, queueBaseline, load1);
  } finally {
    if (loader && loader.exitCode === null) loader.kill('SIGKILL');
    await Promise.all([stopChild(api), stopChild(worker)]);
    await Promise.all([queueRedis.close(), cacheRedis.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function figures(opts: SoakBenchOptions, samples: Sample[], stats: LoadStats, history: LoadStats[], queueBaseline: number, load1: number[]): Record<string, unknown> {
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
      return retained > 0 ? ((s.queue_used_mb * 2 ** 20 - queueBaseline) / retained) : Number.NaN;
    })
    .filter((x) => Number.isFinite(x));
  const duration = samples.at(-1)!.t_s;
  const status = stats.status;
  const count = (pred: (code: number) => boolean) => Object.entries(status).reduce((sum, [code, n]) => (pred(Number(code)) ? sum + n : sum), 0);
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
    api_rss_slope_mb_per_h: round(slopePerHour(steady, (s) => s.api_rss_mb), 2),
    worker_rss_slope_mb_per_h: round(slopePerHour(steady, (s) => s.worker_rss_mb), 2),
    queue_redis_baseline_mb: round(queueBaseline / 2 ** 20, 3),
    queue_redis_used_mb_end: samples.at(-1)!.queue_used_mb,
    queue_redis_used_mb_max: Math.max(...samples.map((s) => s.queue_used_mb)),
    queue_redis_slope_mb_per_h: round(slopePerHour(steady, (s) => s.queue_used_mb), 2),
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

function serve(role: 'api' | 'worker', env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(packageRoot(), 'bin', 'emo.js'), 'serve', role], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitReady(base: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new AppError('INTERNAL', `fleet at ${base} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The load generator (a separate Node process, so its CPU and memory are not the API's): paced
 * classify lanes and one bulk lane; a JSON line of running totals on stdout every second, and a
 * final one (`final: true`) after SIGTERM once the lanes stopped.
 */
const LOAD_GENERATOR = String.raw`
import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const texts = JSON.parse(readFileSync(cfg.textsFile, 'utf8'));
let seed = cfg.seed >>> 0;
const rng = () => { seed = (seed + 0x6d2b79f5) >>> 0; let t = seed; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
let unique = 0;
const pick = () => rng() < cfg.uniqueShare ? texts[Math.floor(rng() * texts.length)] + ' #' + (unique++) : texts[Math.floor(texts.length * rng() ** 3)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = { classify_calls: 0, classify_texts: 0, bulk_jobs: 0, bulk_texts: 0, bulk_lines_read: 0, bulk_missing_lines: 0, status: {}, network_errors: 0 };
let stop = false;
let stoppedAt = 0;
process.on('SIGTERM', () => { stop = true; stoppedAt = Date.now(); });
const headers = { authorization: 'Bearer ' + cfg.key, 'content-type': 'application/json' };
async function call(method, path, body) {
  try {
    const res = await fetch(cfg.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60000) });
    stats.status[res.status] = (stats.status[res.status] ?? 0) + 1;
    return res;
  } catch {
    stats.network_errors++;
    return undefined;
  }
}
async function classifyLane() {
  while (!stop) {
    const started = Date.now();
    const batch = Array.from({ length: 1 + Math.floor(rng() * 4) }, pick);
    const res = await call('POST', '/v1/classify', { texts: batch });
    if (res) { await res.arrayBuffer(); if (res.status === 200) { stats.classify_calls++; stats.classify_texts += batch.length; } }
    await sleep(Math.max(0, cfg.classifyEveryMs - (Date.now() - started)));
  }
}
async function bulkLane() {
  while (!stop) {
    const items = Array.from({ length: cfg.bulkTexts }, (_, i) => ({ id: 'i' + i, text: pick() }));
    const res = await call('POST', '/v1/jobs', { items });
    if (!res || res.status !== 202) { if (res) await res.arrayBuffer(); await sleep(1000); continue; }
    const { job_id } = await res.json();
    stats.bulk_jobs++;
    stats.bulk_texts += items.length;
    let finished = false;
    while (!finished) {
      if (stop && Date.now() - stoppedAt > 60000) break;
      await sleep(200);
      const s = await call('GET', '/v1/jobs/' + job_id);
      if (!s) continue;
      const body = await s.json();
      finished = body.state === 'completed' || body.state === 'cancelled';
    }
    if (!finished) { stats.bulk_missing_lines += items.length; break; }
    const r = await call('GET', '/v1/jobs/' + job_id + '/results');
    if (r) {
      const lines = (await r.text()).split('\n').filter((l) => l.length > 0).length;
      stats.bulk_lines_read += lines;
      stats.bulk_missing_lines += items.length - lines;
    }
    await sleep(cfg.bulkPauseMs);
  }
}
const report = (final) => process.stdout.write(JSON.stringify({ t: Date.now(), ...stats, ...(final ? { final: true } : {}) }) + '\n');
const timer = setInterval(() => report(false), 1000);
report(false);
await Promise.all([...Array.from({ length: cfg.classifyLanes }, classifyLane), bulkLane()]);
clearInterval(timer);
report(true);
`;
