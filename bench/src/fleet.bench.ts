// `emo bench fleet`: the same texts through a local fleet (API + one worker process, one bulk
// job over HTTP, results read back) and through the in-process engine, side by side; plus the
// latency of single-text POST /v1/classify calls on the idle fleet, cold and cached apart.
// Every text is distinct, and each use draws its own: the warm-up job's texts are never among the
// timed job's (the fleet's result cache would answer them), cold classify calls send texts nothing
// has seen, cached ones texts the timed job has just classified (so the cache answers them); the
// two kinds alternate call by call.
// With `rounds` (`--rounds N`), the timed texts are cut into N parts and every participant runs each
// part in turn, in an order that rotates from round to round: the fleet (one job per part), the
// in-process engine (one call per part) and the engine fed as a worker is (chunks of JOB_CHUNK_SIZE,
// WORKER_CONCURRENCY in flight: `fleet_vs_engine_chunked`), so `fleet_vs_engine` holds on a machine
// whose speed drifts between minutes (by 2x on the VMs of ADR 020). With `against` (`--against <checkout>`, default 4 rounds), a second fleet
// served by that checkout's built bin/emo.js takes part too, in its own namespace:
// `fleet_vs_against` and its CPU are this checkout's over the other's.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { InferenceEngine } from '@emo/inference';
import { benchPrefix, purgeBenchPrefix } from './bench-prefix';
import { classifyInChunks } from './chunked-feed';
import { goEmotionsPath, loadGoEmotionsTexts, percentile, round } from './bench-data';
import { LocalFleet } from './local-fleet';
import { withMachineFigures } from './machine-info';
import { addFleetCpu, machineBusyFraction, machineTicks, measureFleetCpu, NO_FLEET_CPU, ownCpuSeconds } from './process-cpu';
import { roundOrder, splitRounds } from './rounds';

export interface FleetBenchOptions {
  readonly config: AppConfig;
  readonly texts?: number;
  /** GoEmotions TSV the texts are drawn from (default: the train split, then the dev split). */
  readonly data?: string;
  readonly classifyCalls?: number;
  /** Smoke-test warm-ups (`emo bench fleet --quick`): 100 texts instead of 2,000, 3 untimed calls instead of 20. */
  readonly quick?: boolean;
  readonly log?: (message: string) => void;
  /** Another checkout (built) whose fleet runs the timed texts too, in alternating rounds. */
  readonly against?: string;
  /** Parts of the timed texts, each run by every participant in a rotating order (default 1; 4 with `against`). */
  readonly rounds?: number;
}

const KEY = `bench-${randomUUID()}`;

export function benchFleet(opts: FleetBenchOptions): Promise<Record<string, number | string>> {
  return withMachineFigures(() => run(opts));
}

async function run(opts: FleetBenchOptions): Promise<Record<string, number | string>> {
  const log = opts.log ?? (() => undefined);
  const n = opts.texts ?? 50_000;
  const calls = opts.classifyCalls ?? 200;
  const warm = opts.quick ? { texts: 100, calls: 3 } : { texts: 2000, calls: 20 };
  // Disjoint slices of one list of distinct texts: timed job | warm-up job | cold calls (warm-up, timed).
  const all = benchTexts(n + warm.texts + warm.calls + calls, opts.data);
  const texts = all.slice(0, n);
  const warmTexts = all.slice(n, n + warm.texts);
  const coldTexts = all.slice(n + warm.texts);
  const prefix = benchPrefix(opts.config, 'fleet');
  const otherPrefix = benchPrefix(opts.config, 'fleet-against');
  const rounds = Math.max(1, opts.rounds ?? (opts.against ? 4 : 1));
  let processes: LocalFleet | undefined;
  let other: LocalFleet | undefined;
  // The timed texts per participant (one job or call, or one per round): time, lines, CPU seconds.
  const mine = { ms: 0, lines: 0, cpu: NO_FLEET_CPU };
  const theirs = { ms: 0, lines: 0, cpu: NO_FLEET_CPU };
  const inProcess = { ms: 0, cpu: 0, machineBusyTicks: 0, machineTicks: 0 };
  const chunked = { ms: 0, cpu: 0, machineBusyTicks: 0, machineTicks: 0 };
  const redis = new Redis(opts.config.runtime.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const latencies = { cold: [] as number[], cached: [] as number[] };
  // The engine is up (idle) while the fleets run, and they are idle while it runs: each round times
  // every participant on the same texts, in an order that rotates, so a machine whose speed drifts
  // weighs on all of them alike.
  const engine = await InferenceEngine.create(opts.config);
  const start = (p: string, root?: string) =>
    // Ready once a tiny job went through: the worker has loaded its model.
    LocalFleet.start({
      config: opts.config,
      prefix: p,
      redisUrl: opts.config.runtime.redisUrl,
      apiKey: KEY,
      root,
      warmUp: (at) => runJob(at, ['warm up']).then(() => undefined),
    });
  try {
    processes = await start(prefix);
    if (opts.against) other = await start(otherPrefix, opts.against);
    const { base } = processes;
    log(`fleet up on ${base} (prefix ${prefix})${other ? `; against ${opts.against} on ${other.base}` : ''}; warming up`);
    // Bulk first: interactive calls cap bulk batches for a while (BATCH_INTERACTIVE_WINDOW_MS).
    await runJob(base, warmTexts);
    if (other) await runJob(other.base, warmTexts);
    await engine.classify(warmTexts); // the engine has no result cache; its warm-up texts are still others
    const fleetRound = (f: LocalFleet, sum: typeof mine) => async (part: readonly string[]) => {
      const timed = await measureFleetCpu({ api: f.api.pid, worker: f.worker.pid }, redis, () => runJob(f.base, part));
      sum.ms += timed.result.ms;
      sum.lines += timed.result.lines;
      sum.cpu = addFleetCpu(sum.cpu, timed.cpu);
    };
    const engineRound =
      (sum: typeof inProcess, classify: (part: readonly string[]) => Promise<unknown>) => async (part: readonly string[]) => {
        const [started, cpuBefore, machineBefore] = [performance.now(), ownCpuSeconds(), machineTicks()];
        await classify(part);
        const machine = machineTicks();
        sum.ms += performance.now() - started;
        sum.cpu += ownCpuSeconds() - cpuBefore;
        sum.machineBusyTicks += machine.busy - machineBefore.busy;
        sum.machineTicks += machine.all - machineBefore.all;
      };
    const participants = [
      fleetRound(processes, mine),
      ...(other ? [fleetRound(other, theirs)] : []),
      engineRound(inProcess, (part) => engine.classify(part)),
      // The worker's access pattern without the queue: chunks in flight up to the worker's concurrency.
      engineRound(chunked, (part) => classifyInChunks(engine, part, opts.config.fleet.jobChunkSize, opts.config.worker.workerConcurrency)),
    ];
    for (const [r, part] of splitRounds(texts, rounds).entries()) for (const run of roundOrder(participants, r)) await run(part);
    log(
      `fleet: ${texts.length} texts in ${round(mine.ms)} ms; engine ${round(inProcess.ms)} ms${other ? `; against: ${round(theirs.ms)} ms` : ''}`,
    );
    for (const [name, sum] of [['fleet', mine], ...(other ? [['against', theirs] as const] : [])] as const)
      if (sum.lines !== texts.length) throw new AppError('INTERNAL', `${name} returned ${sum.lines} lines for ${texts.length} texts`);
    // Untimed warm-up calls: cold ones on texts of their own, cached ones on the timed job's.
    for (let i = 0; i < warm.calls; i++) {
      await classifyOne(base, coldTexts[i]);
      await classifyOne(base, texts[(i * 89) % texts.length]);
    }
    for (let i = 0; i < calls; i++) {
      const cold = () => classifyOne(base, coldTexts[warm.calls + i]).then((ms) => void latencies.cold.push(ms));
      const cached = () => classifyOne(base, texts[(i * 97) % texts.length]).then((ms) => void latencies.cached.push(ms));
      for (const call of i % 2 ? [cached, cold] : [cold, cached]) await call();
    }
  } finally {
    redis.disconnect();
    await processes?.stop();
    await other?.stop();
    await engine.close();
    await purgeBenchPrefix(opts.config, prefix);
    if (opts.against) await purgeBenchPrefix(opts.config, otherPrefix);
  }
  const fleet = mine;
  const fleetCpu = mine.cpu;
  const engineMs = inProcess.ms;
  const engineCpu = inProcess.cpu;
  const fleetRate = texts.length / (fleet.ms / 1000);
  const engineRate = texts.length / (engineMs / 1000);
  const per1k = (seconds: number) => round((seconds * 1000) / texts.length, 3);
  return {
    suite: 'fleet',
    model: engine.modelId,
    texts: texts.length,
    warmup_texts: warmTexts.length,
    chunk_size: opts.config.fleet.jobChunkSize,
    worker_concurrency: opts.config.worker.workerConcurrency,
    inference_threads: opts.config.engine.inferenceThreads,
    fleet_texts_per_s: round(fleetRate),
    engine_texts_per_s: round(engineRate),
    fleet_vs_engine: round(fleetRate / engineRate, 3),
    // Timed texts cut into this many parts, each run by every participant (fleet, --against fleet, engine) in a rotating order.
    rounds,
    // The engine fed as a worker is (JOB_CHUNK_SIZE texts a call, WORKER_CONCURRENCY calls in flight), in the same rounds.
    engine_chunked_texts_per_s: round(texts.length / (chunked.ms / 1000)),
    fleet_vs_engine_chunked: round(chunked.ms / fleet.ms, 3),
    // CPU seconds per 1,000 texts: the timed job's, per fleet process, and the in-process engine's.
    api_cpu_s_per_1k_texts: per1k(fleetCpu.api),
    worker_cpu_s_per_1k_texts: per1k(fleetCpu.worker),
    // Of those, the main threads' (event loops); the worker's rest is its inference threads and V8's helpers.
    api_main_thread_cpu_s_per_1k_texts: per1k(fleetCpu.apiMain),
    worker_main_thread_cpu_s_per_1k_texts: per1k(fleetCpu.workerMain),
    redis_cpu_s_per_1k_texts: per1k(fleetCpu.redis),
    fleet_cpu_s_per_1k_texts: per1k(fleetCpu.api + fleetCpu.worker + fleetCpu.redis),
    engine_cpu_s_per_1k_texts: per1k(engineCpu),
    engine_chunked_cpu_s_per_1k_texts: per1k(chunked.cpu),
    // Share of the machine's cores busy (every process) while the fleet's job ran, and while the engine ran:
    // where both are near 1 the ratio of their rates is the ratio of their CPU per text.
    fleet_machine_busy: round(machineBusyFraction(fleetCpu), 3),
    engine_machine_busy: round(machineBusyFraction(inProcess), 3),
    classify_calls: calls,
    classify_cold_p50_ms: round(percentile(latencies.cold, 0.5)),
    classify_cold_p99_ms: round(percentile(latencies.cold, 0.99)),
    classify_cached_p50_ms: round(percentile(latencies.cached, 0.5)),
    classify_cached_p99_ms: round(percentile(latencies.cached, 0.99)),
    ...(opts.against
      ? {
          against: opts.against,
          against_fleet_texts_per_s: round(texts.length / (theirs.ms / 1000)),
          against_fleet_cpu_s_per_1k_texts: per1k(theirs.cpu.api + theirs.cpu.worker + theirs.cpu.redis),
          against_worker_cpu_s_per_1k_texts: per1k(theirs.cpu.worker),
          fleet_vs_against: round(theirs.ms / fleet.ms, 3),
          fleet_cpu_vs_against: round(
            (fleetCpu.api + fleetCpu.worker + fleetCpu.redis) / (theirs.cpu.api + theirs.cpu.worker + theirs.cpu.redis),
            3,
          ),
        }
      : {}),
  };
}

/** Distinct GoEmotions texts (`data`, else train then dev), cycled to `n`; repeats get a suffix so no two texts are equal. */
function benchTexts(n: number, data?: string): string[] {
  const pool = [
    ...new Set(
      data ? loadGoEmotionsTexts(data) : [...loadGoEmotionsTexts(goEmotionsPath('train')), ...loadGoEmotionsTexts(goEmotionsPath('dev'))],
    ),
  ];
  return Array.from({ length: n }, (_, i) => (i < pool.length ? pool[i] : `${pool[i % pool.length]} (${Math.floor(i / pool.length)})`));
}

/**
 * Submit → wait until completed (the status long poll, `?wait_ms=`: the client learns of the end
 * when the fleet publishes it) → read every result line; returns the wall time of all of it. A
 * fleet whose API answers at once (a checkout from before the long poll, `--against`) is polled
 * every 25 ms as before.
 */
async function runJob(base: string, texts: readonly string[]): Promise<{ ms: number; lines: number }> {
  const started = performance.now();
  const res = await call(base, 'POST', '/v1/jobs', { items: texts.map((text) => ({ text })) });
  const { job_id: id } = (await res.json()) as { job_id: string };
  for (;;) {
    const asked = performance.now();
    const s = (await (await call(base, 'GET', `/v1/jobs/${id}?wait_ms=30000`)).json()) as { state: string };
    if (s.state === 'completed') break;
    if (performance.now() - asked < 20) await new Promise((r) => setTimeout(r, 25));
  }
  const body = await (await call(base, 'GET', `/v1/jobs/${id}/results`)).text();
  const lines = body.split('\n').filter((l) => l.length > 0).length;
  return { ms: performance.now() - started, lines };
}

async function classifyOne(base: string, text: string): Promise<number> {
  const started = performance.now();
  await (await call(base, 'POST', '/v1/classify', { texts: [text] })).json();
  return performance.now() - started;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new AppError('INTERNAL', `${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res;
}
