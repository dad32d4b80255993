// `emo bench interactive`: closed-loop clients (autocannon, in this process) on POST /v1/classify of
// a local fleet (one API and one worker process), one never-seen text per request, at each
// concurrency in turn; then the in-process engine on the same texts, in the same run (all at once, and
// from as many closed-loop one-text callers as each level had: `cN_vs_engine_calls`). Every text is
// sent once in the whole run and the fleet's Redis namespace (queues and L2 cache) is fresh, so no
// request is answered from a cache: these are cold latencies.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { InferenceEngine } from '@emo/inference';
import { benchPrefix, purgeBenchPrefix } from './bench-prefix';
import { goEmotionsPath, loadGoEmotionsTexts, percentile, round } from './bench-data';
import { LocalFleet } from './local-fleet';
import { closedLoopCalls } from './closed-loop';
import { withMachineFigures } from './machine-info';
import { measureFleetCpu } from './process-cpu';

export interface InteractiveBenchOptions {
  readonly config: AppConfig;
  /** Closed-loop clients of each level (default 1, 16, 64, 256). */
  readonly concurrency?: readonly number[];
  /** Requests per level (one text each; default 2,000, and 500 at concurrency 1). */
  readonly requests?: number;
  /** GoEmotions TSV the texts are drawn from (default: the train split, then the dev split). */
  readonly data?: string;
  /** More environment for the fleet's processes (e.g. PRECISION=fp32). */
  readonly env?: Readonly<Record<string, string>>;
  readonly log?: (message: string) => void;
}

export interface LevelFigures {
  readonly concurrency: number;
  readonly requests: number;
  readonly texts_per_s: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  /** Responses other than 200, by status ("429": 3), and transport errors/timeouts. */
  readonly non_200: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly api_cpu_s_per_1k_texts: number;
  readonly worker_cpu_s_per_1k_texts: number;
  /** Redis's own CPU (INFO cpu), which shares the machine too; includes any other client of that Redis. */
  readonly redis_cpu_s_per_1k_texts: number;
}

const KEY = `bench-${randomUUID()}`;
const WARM_UP_TEXTS = 50;

export function benchInteractive(opts: InteractiveBenchOptions): Promise<Record<string, unknown>> {
  return withMachineFigures(() => run(opts));
}

async function run(opts: InteractiveBenchOptions): Promise<Record<string, unknown>> {
  const log = opts.log ?? (() => undefined);
  const levels = opts.concurrency ?? [1, 16, 64, 256];
  const perLevel = (c: number) => (c === 1 ? Math.min(500, opts.requests ?? 2000) : (opts.requests ?? 2000));
  const needed = WARM_UP_TEXTS + levels.reduce((n, c) => n + perLevel(c), 0);
  const pool = uniqueTexts(opts.data, needed);
  // Warm-up texts come first and are never measured; every measured text is sent exactly once.
  let next = WARM_UP_TEXTS;
  const take = (n: number) => pool.slice((next += n) - n, next);
  const levelTexts: string[][] = [];
  const prefix = benchPrefix(opts.config, 'interactive');
  const figures: LevelFigures[] = [];
  let fleet: LocalFleet | undefined;
  let model = '';
  const redis = new Redis(opts.config.runtime.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    fleet = await LocalFleet.start({
      config: opts.config,
      prefix,
      redisUrl: opts.config.runtime.redisUrl,
      apiKey: KEY,
      env: opts.env,
      warmUp: async (base) => {
        model = await classifyOnce(base, pool[0]);
      },
    });
    const running = fleet;
    for (const text of pool.slice(1, WARM_UP_TEXTS)) await classifyOnce(running.base, text);
    log(`fleet up on ${running.base} (prefix ${prefix})`);
    for (const c of levels) {
      const texts = take(perLevel(c));
      levelTexts.push(texts);
      const { result: level, cpu } = await measureFleetCpu({ api: running.api.pid, worker: running.worker.pid }, redis, () =>
        closedLoop(running.base, texts, c),
      );
      const per1k = (s: number) => round((s * 1000) / texts.length, 3);
      figures.push({
        ...level,
        api_cpu_s_per_1k_texts: per1k(cpu.api),
        worker_cpu_s_per_1k_texts: per1k(cpu.worker),
        redis_cpu_s_per_1k_texts: per1k(cpu.redis),
      });
      log(`c${c}: ${level.texts_per_s} texts/s, p50 ${level.p50_ms} ms, p99 ${level.p99_ms} ms, non-200 ${level.non_200}`);
    }
    if (fleet.exits.length > 0) throw new AppError('INTERNAL', `fleet process exited during the run: ${fleet.exits.join(', ')}`);
  } finally {
    redis.disconnect();
    await fleet?.stop();
    await purgeBenchPrefix(opts.config, prefix);
  }
  const measured = pool.slice(WARM_UP_TEXTS, next);
  const engine = await engineRates(opts.config, pool.slice(0, WARM_UP_TEXTS), measured, levels, levelTexts, log);
  const engineRate = engine.bulk;
  const out: Record<string, unknown> = {
    suite: 'interactive',
    model,
    coalesce_max_texts: opts.config.fleet.classifyCoalesceMaxTexts,
    // Which path the calls took: the interactive lane (ADR 020) or BullMQ's interactive queue.
    classify_lane: opts.config.fleet.classifyLaneEnabled ? 'yes' : 'no',
    texts_per_request: 1,
    cache: 'cold (every text sent once, fresh namespace)',
    engine_texts_per_s: round(engineRate),
    levels: figures,
  };
  for (const f of figures) {
    out[`c${f.concurrency}_texts_per_s`] = f.texts_per_s;
    out[`c${f.concurrency}_p50_ms`] = f.p50_ms;
    out[`c${f.concurrency}_p99_ms`] = f.p99_ms;
    out[`c${f.concurrency}_non_200`] = f.non_200;
    out[`c${f.concurrency}_cpu_s_per_1k_texts`] = round(
      f.api_cpu_s_per_1k_texts + f.worker_cpu_s_per_1k_texts + f.redis_cpu_s_per_1k_texts,
      3,
    );
    out[`c${f.concurrency}_vs_engine`] = round(f.texts_per_s / engineRate, 3);
    const calls = engine.calls.get(f.concurrency) as number;
    out[`engine_calls_c${f.concurrency}_texts_per_s`] = round(calls);
    out[`c${f.concurrency}_vs_engine_calls`] = round(f.texts_per_s / calls, 3);
  }
  return out;
}

/** `n` distinct GoEmotions texts (train, then dev); repeats get a suffix so no two are equal. */
function uniqueTexts(data: string | undefined, n: number): string[] {
  const raw = data
    ? loadGoEmotionsTexts(data)
    : [...loadGoEmotionsTexts(goEmotionsPath('train')), ...loadGoEmotionsTexts(goEmotionsPath('dev'))];
  const pool = [...new Set(raw)];
  return Array.from({ length: n }, (_, i) => (i < pool.length ? pool[i] : `${pool[i % pool.length]} (${Math.floor(i / pool.length)})`));
}

/** `texts.length` requests of one text each from `connections` closed-loop clients. */
async function closedLoop(
  base: string,
  texts: readonly string[],
  connections: number,
): Promise<Omit<LevelFigures, `${string}_cpu_s_per_1k_texts`>> {
  let sent = 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  // Without a callback autocannon returns its instance (an EventEmitter) made thenable.
  const instance = autocannon({
    url: `${base}/v1/classify`,
    connections,
    amount: texts.length,
    timeout: 30,
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ texts: [texts[sent++ % texts.length]] }) }) }],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  // Timed to the last response: autocannon notices that `amount` is reached only on its 1 s tick,
  // so the promise's resolution would round every run up to whole seconds.
  let lastResponseAt = started;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastResponseAt = performance.now();
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const result = await instance;
  const seconds = (lastResponseAt - started) / 1000;
  const ok = statuses['200'] ?? 0;
  return {
    concurrency: connections,
    requests: latencies.length,
    texts_per_s: round(ok / seconds),
    p50_ms: round(percentile(latencies, 0.5)),
    p95_ms: round(percentile(latencies, 0.95)),
    p99_ms: round(percentile(latencies, 0.99)),
    max_ms: round(Math.max(...latencies)),
    non_200: latencies.length - ok + result.errors + result.timeouts,
    statuses,
    errors: result.errors + result.timeouts,
  };
}

/**
 * The in-process engine on the measured texts (after a warm-up on the warm-up texts): all of them in one
 * call (`bulk`, what `cN_vs_engine` compares with), then each level's texts from that many closed-loop
 * one-text callers (`calls`, what `cN_vs_engine_calls` compares with: the same call shape without HTTP,
 * queue or Redis). Bulk goes first: interactive calls cap an engine's bulk batches for a while.
 */
async function engineRates(
  config: AppConfig,
  warm: readonly string[],
  texts: readonly string[],
  levels: readonly number[],
  levelTexts: readonly (readonly string[])[],
  log: (m: string) => void,
): Promise<{ bulk: number; calls: Map<number, number> }> {
  log(`in-process engine on the same ${texts.length} texts`);
  const engine = await InferenceEngine.create(config); // no result cache: the engine alone
  try {
    await engine.classify(warm);
    let started = performance.now();
    await engine.classify(texts);
    const bulk = texts.length / ((performance.now() - started) / 1000);
    const calls = new Map<number, number>();
    for (const [i, c] of levels.entries()) {
      started = performance.now();
      await closedLoopCalls(engine, levelTexts[i], c);
      calls.set(c, levelTexts[i].length / ((performance.now() - started) / 1000));
    }
    return { bulk, calls };
  } finally {
    await engine.close();
  }
}

/** One call; returns the `model` of its result. */
async function classifyOnce(base: string, text: string): Promise<string> {
  const res = await fetch(`${base}/v1/classify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ texts: [text] }),
  });
  if (res.status !== 200) throw new AppError('INTERNAL', `POST /v1/classify answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { results: { model?: string }[] };
  return body.results[0]?.model ?? '';
}
