// `emo bench interactive`: closed-loop clients (autocannon, in this process) on POST /v1/classify of
// a local fleet (one API and one worker process), one never-seen text per request, at each
// concurrency in turn; then the in-process engine on the same texts, in the same run (all at once, and
// from as many closed-loop one-text callers as each level had: `cN_vs_engine_calls`). Every text is
// sent once in the whole run and the fleet's Redis namespace (queues and L2 cache) is fresh, so no
// request is answered from a cache: these are cold latencies. Each level starts with an untimed round
// at its own concurrency on texts of its own (never measured): a fleet just started, or just moved to
// a new concurrency, runs its first seconds slower (JIT, buffers, the batch controller), and timing
// them made a c64 level read 0.29 of the engine at 2,000 calls and 0.43 at 24,000 on the same build.
// With `against` (`--against <checkout>`), a second fleet served by that checkout's built bin/emo.js
// (same model, Redis and settings, its own namespace) gets the same texts, level by level, in
// alternating rounds (A B, B A, …): the comparison of two builds that a drifting machine cannot skew
// (its speed moved by 2x between runs on the VMs of ADR 020). `cN_vs_against_*` are this checkout
// over the other.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { InferenceEngine } from '@emo/inference';
import { benchPrefix, purgeBenchPrefix } from './bench-prefix';
import { goEmotionsPath, loadGoEmotionsTexts, round } from './bench-data';
import { closedLoopRound, levelFigures, type LevelFigures, type RoundResult } from './interactive-rounds';
import { roundOrder, splitRounds } from './rounds';
import { LocalFleet } from './local-fleet';
import { closedLoopCalls } from './closed-loop';
import { withMachineFigures } from './machine-info';
import { addFleetCpu, measureFleetCpu, NO_FLEET_CPU, type FleetCpu } from './process-cpu';

export interface InteractiveBenchOptions {
  readonly config: AppConfig;
  /** Closed-loop clients of each level (default 1, 16, 64, 256). */
  readonly concurrency?: readonly number[];
  /** Requests per level (one text each; default 8,000, and 1,000 at concurrency 1; a number given applies to every level). */
  readonly requests?: number;
  /** Untimed requests at each level's concurrency before its timed rounds (default 4,000, and 100 at concurrency 1). */
  readonly warmUpRequests?: number;
  /** GoEmotions TSV the texts are drawn from (default: the train split, then the dev split). */
  readonly data?: string;
  /** More environment for the fleet's processes (e.g. PRECISION=fp32). */
  readonly env?: Readonly<Record<string, string>>;
  readonly log?: (message: string) => void;
  /** Another checkout (built) whose fleet runs the same levels in alternating rounds. */
  readonly against?: string;
  /** Rounds per level and fleet with `against` (default 4). */
  readonly rounds?: number;
}

export type { LevelFigures } from './interactive-rounds';

const KEY = `bench-${randomUUID()}`;
const WARM_UP_TEXTS = 50;

export function benchInteractive(opts: InteractiveBenchOptions): Promise<Record<string, unknown>> {
  return withMachineFigures(() => run(opts));
}

async function run(opts: InteractiveBenchOptions): Promise<Record<string, unknown>> {
  const log = opts.log ?? (() => undefined);
  const levels = opts.concurrency ?? [1, 16, 64, 256];
  // Timed rounds of a few seconds (2,000 calls at c64 lasted under one on the 2-core VMs).
  const perLevel = (c: number) => opts.requests ?? (c === 1 ? 1000 : 8000);
  const warmUpLevel = (c: number) => opts.warmUpRequests ?? (c === 1 ? 100 : 4000);
  const needed = WARM_UP_TEXTS + levels.reduce((n, c) => n + warmUpLevel(c) + perLevel(c), 0);
  const pool = uniqueTexts(opts.data, needed);
  // Warm-up texts come first and are never measured; every measured text is sent exactly once.
  let next = WARM_UP_TEXTS;
  const take = (n: number) => pool.slice((next += n) - n, next);
  const levelTexts: string[][] = [];
  const fleets: BenchFleet[] = [
    { name: 'this', prefix: benchPrefix(opts.config, 'interactive'), levels: [] },
    ...(opts.against
      ? [{ name: 'against' as const, prefix: benchPrefix(opts.config, 'interactive-against'), root: opts.against, levels: [] }]
      : []),
  ];
  const rounds = opts.against ? Math.max(1, opts.rounds ?? 4) : 1;
  let model = '';
  const redis = new Redis(opts.config.runtime.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    for (const f of fleets) {
      f.fleet = await LocalFleet.start({
        config: opts.config,
        prefix: f.prefix,
        redisUrl: opts.config.runtime.redisUrl,
        apiKey: KEY,
        env: opts.env,
        root: f.root,
        warmUp: async (base) => {
          const served = await classifyOnce(base, pool[0]);
          if (f.name === 'this') model = served;
        },
      });
      for (const text of pool.slice(1, WARM_UP_TEXTS)) await classifyOnce(f.fleet.base, text);
      log(`fleet ${f.name} up on ${f.fleet.base} (prefix ${f.prefix}${f.root ? `, served by ${f.root}` : ''})`);
    }
    for (const c of levels) {
      const warm = take(warmUpLevel(c));
      for (const f of fleets) if (warm.length > 0) await closedLoopRound((f.fleet as LocalFleet).base, KEY, warm, c);
      const texts = take(perLevel(c));
      levelTexts.push(texts);
      const done = new Map<BenchFleet, { rounds: RoundResult[]; cpu: FleetCpu }>(fleets.map((f) => [f, { rounds: [], cpu: NO_FLEET_CPU }]));
      for (const [r, part] of splitRounds(texts, rounds).entries()) {
        for (const f of roundOrder(fleets, r)) {
          const running = f.fleet as LocalFleet;
          const { result, cpu } = await measureFleetCpu({ api: running.api.pid, worker: running.worker.pid }, redis, () =>
            closedLoopRound(running.base, KEY, part, c),
          );
          const sum = done.get(f)!;
          sum.rounds.push(result);
          sum.cpu = addFleetCpu(sum.cpu, cpu);
        }
      }
      for (const f of fleets) {
        const level = levelFigures(c, done.get(f)!.rounds, done.get(f)!.cpu);
        f.levels.push(level);
        log(`${f.name} c${c}: ${level.texts_per_s} texts/s, p50 ${level.p50_ms} ms, p99 ${level.p99_ms} ms, non-200 ${level.non_200}`);
      }
    }
    const exits = fleets.flatMap((f) => f.fleet?.exits ?? []);
    if (exits.length > 0) throw new AppError('INTERNAL', `fleet process exited during the run: ${exits.join(', ')}`);
  } finally {
    redis.disconnect();
    for (const f of fleets) {
      await f.fleet?.stop();
      await purgeBenchPrefix(opts.config, f.prefix);
    }
  }
  const figures = fleets[0].levels;
  const measured = levelTexts.flat();
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
    warm_up_requests_per_level: levels.map(warmUpLevel),
    engine_texts_per_s: round(engineRate),
    // The in-process engine's inline session for lone texts (auto: measured at its start; a worker on this machine chooses alike).
    inline_intra_op_threads: engine.inlineThreads ?? 0,
    levels: figures,
  };
  for (const f of figures) {
    out[`c${f.concurrency}_texts_per_s`] = f.texts_per_s;
    out[`c${f.concurrency}_p50_ms`] = f.p50_ms;
    out[`c${f.concurrency}_p99_ms`] = f.p99_ms;
    out[`c${f.concurrency}_non_200`] = f.non_200;
    out[`c${f.concurrency}_cpu_s_per_1k_texts`] = round(cpuPer1k(f), 3);
    // What the load generator took beside the fleet, and how busy the machine was: a level whose
    // cores were not all busy was held back by its path's latency, not by CPU.
    out[`c${f.concurrency}_load_cpu_s_per_1k_texts`] = f.load_cpu_s_per_1k_texts;
    out[`c${f.concurrency}_machine_busy`] = f.machine_busy_fraction;
    // The worker's event loop apart from its inference threads (and V8's helpers), and the API's.
    out[`c${f.concurrency}_worker_main_thread_cpu_s_per_1k_texts`] = f.worker_main_thread_cpu_s_per_1k_texts;
    out[`c${f.concurrency}_api_main_thread_cpu_s_per_1k_texts`] = f.api_main_thread_cpu_s_per_1k_texts;
    out[`c${f.concurrency}_vs_engine`] = round(f.texts_per_s / engineRate, 3);
    const calls = engine.calls.get(f.concurrency) as number;
    out[`engine_calls_c${f.concurrency}_texts_per_s`] = round(calls);
    out[`c${f.concurrency}_vs_engine_calls`] = round(f.texts_per_s / calls, 3);
  }
  const against = fleets[1];
  if (against) {
    out.against = against.root;
    out.rounds = rounds;
    out.against_levels = against.levels;
    for (const [i, f] of figures.entries()) {
      const other = against.levels[i];
      out[`c${f.concurrency}_vs_against_texts_per_s`] = round(f.texts_per_s / other.texts_per_s, 3);
      out[`c${f.concurrency}_vs_against_p50`] = round(f.p50_ms / other.p50_ms, 3);
      out[`c${f.concurrency}_vs_against_cpu`] = round(cpuPer1k(f) / cpuPer1k(other), 3);
    }
  }
  return out;
}

/** A fleet of the run: this checkout's, or the one it is compared against. */
interface BenchFleet {
  readonly name: 'this' | 'against';
  readonly prefix: string;
  readonly root?: string;
  readonly levels: LevelFigures[];
  fleet?: LocalFleet;
}

const cpuPer1k = (f: LevelFigures): number => f.api_cpu_s_per_1k_texts + f.worker_cpu_s_per_1k_texts + f.redis_cpu_s_per_1k_texts;

/** `n` distinct GoEmotions texts (train, then dev); repeats get a suffix so no two are equal. */
function uniqueTexts(data: string | undefined, n: number): string[] {
  const raw = data
    ? loadGoEmotionsTexts(data)
    : [...loadGoEmotionsTexts(goEmotionsPath('train')), ...loadGoEmotionsTexts(goEmotionsPath('dev'))];
  const pool = [...new Set(raw)];
  return Array.from({ length: n }, (_, i) => (i < pool.length ? pool[i] : `${pool[i % pool.length]} (${Math.floor(i / pool.length)})`));
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
): Promise<{ bulk: number; calls: Map<number, number>; inlineThreads?: number }> {
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
    return { bulk, calls, inlineThreads: engine.inlineIntraOpThreads };
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
