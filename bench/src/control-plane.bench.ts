// `emo bench control-plane`: what the control plane (API → BullMQ → worker → result store → results)
// costs per text and how many texts/s it carries, with inference replaced by a fixed-cost stub
// (INFERENCE_BACKEND=stub: a sleep per batch and per text, no model; libs/inference/src/stub). For
// each Redis target (a private redis-server; a private 3-master Redis Cluster) and each worker count
// (default 1, 4, 16 processes), one API and the workers start fresh on an empty Redis, the L2 cache
// on (as deployed); closed-loop clients push bulk jobs of never-seen texts through the API
// (control-plane-load.ts) until the texts run out. Per configuration: texts/s at saturation, Redis
// commands per text (INFO total_commands_processed, summed over the masters, our own INFO calls
// taken out), Redis bytes per text in flight and at rest (used_memory over the empty baseline), and
// CPU seconds per 1,000 texts of the API, the workers and Redis; before the run, what the fleet costs at
// rest (Redis commands and CPU per second: polls, heartbeats, probes). On a small shared machine every
// process shares the same cores: the load average is recorded, and the CPU figures per text are
// what to carry to other machines, not the texts/s.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import { goEmotionsPath, loadGoEmotionsTexts, median, round } from './bench-data';
import { ControlPlaneFleet } from './control-plane-fleet';
import { closedLoopJobs } from './control-plane-load';
import { ControlPlaneRedis, type ControlPlaneTarget, type RedisSample } from './control-plane-redis';
import { withMachineFigures } from './machine-info';

export interface ControlPlaneBenchOptions {
  readonly config: AppConfig;
  readonly targets?: readonly ControlPlaneTarget[];
  readonly workerCounts?: readonly number[];
  /** Texts per configuration (default 10,000), each sent once. */
  readonly texts?: number;
  /** Texts per bulk job (default 1,000) and jobs in flight (closed-loop clients; default 8). */
  readonly jobTexts?: number;
  readonly clients?: number;
  /** The stub's cost: ms per classify call (one batch) and per text (default 2 and 0.02). */
  readonly stubBatchMs?: number;
  readonly stubTextMs?: number;
  /** Seconds the started fleet is watched at rest before the run (default 3). */
  readonly idleSeconds?: number;
  /** GoEmotions TSV the texts are drawn from (default: train). */
  readonly data?: string;
  readonly log?: (message: string) => void;
}

export interface ControlPlaneRun {
  readonly target: ControlPlaneTarget;
  readonly masters: number;
  readonly workers: number;
  readonly texts: number;
  readonly jobs: number;
  readonly overloaded_429: number;
  readonly seconds: number;
  readonly texts_per_s: number;
  readonly redis_cmds_per_text: number;
  readonly redis_bytes_per_text_in_flight: number;
  readonly redis_bytes_per_text_at_rest: number;
  readonly redis_peak_bytes_over_baseline: number;
  /** At rest, by kind (MEMORY USAGE estimate): the L2 cache entries, and the rest (job records, results). */
  readonly l2_cache_bytes_per_text_at_rest: number;
  readonly results_and_jobs_bytes_per_text_at_rest: number;
  readonly api_cpu_s_per_1k_texts: number;
  readonly worker_cpu_s_per_1k_texts: number;
  readonly redis_cpu_s_per_1k_texts: number;
  /** The master that worked most (one Redis: the only one): its CPU and commands per text bound a cluster's texts/s. */
  readonly busiest_master_cpu_s_per_1k_texts: number;
  readonly busiest_master_cmds_per_text: number;
  /** The fleet at rest (API + workers, no work) before the run: what it costs Redis and the processes per second. */
  readonly idle_redis_cmds_per_s: number;
  readonly idle_redis_cpu_s_per_s: number;
  readonly idle_fleet_cpu_s_per_s: number;
  /** The commands sent most, per text (INFO commandstats). */
  readonly top_cmds_per_text: Readonly<Record<string, number>>;
  readonly load1: number;
}

const KEY = `bench-${randomUUID()}`;
const POLL_MS = 100;
const SAMPLE_MS = 500;
const L2_TIMEOUT_MS = 1000;

/** The figures of each run that the JSON also gives flat, as `<target>_<workers>w_<figure>`. */
export const CONTROL_PLANE_FIGURES = [
  'texts_per_s',
  'redis_cmds_per_text',
  'redis_bytes_per_text_in_flight',
  'redis_bytes_per_text_at_rest',
  'api_cpu_s_per_1k_texts',
  'worker_cpu_s_per_1k_texts',
  'redis_cpu_s_per_1k_texts',
  'busiest_master_cpu_s_per_1k_texts',
  'idle_redis_cmds_per_s',
  'load1',
] as const;

export function benchControlPlane(opts: ControlPlaneBenchOptions): Promise<Record<string, unknown>> {
  return withMachineFigures(() => run(opts));
}

async function run(opts: ControlPlaneBenchOptions): Promise<Record<string, unknown>> {
  const log = opts.log ?? (() => undefined);
  const targets = opts.targets ?? ['single', 'cluster'];
  const counts = opts.workerCounts ?? [1, 4, 16];
  const n = opts.texts ?? 10_000;
  const jobTexts = opts.jobTexts ?? 1000;
  const clients = opts.clients ?? 8;
  const stub = { batchMs: opts.stubBatchMs ?? 2, textMs: opts.stubTextMs ?? 0.02 };
  const pool = [...new Set(loadGoEmotionsTexts(opts.data ?? goEmotionsPath('train')))];
  // Never-seen texts: each configuration starts on an empty Redis and fresh workers (no L1, no L2).
  const texts = Array.from({ length: n }, (_, i) =>
    i < pool.length ? pool[i]! : `${pool[i % pool.length]} (${Math.floor(i / pool.length)})`,
  );
  const warmUp = Array.from({ length: Math.min(200, jobTexts) }, (_, i) => `warm-up text ${i}`);
  const runs: ControlPlaneRun[] = [];
  for (const target of targets) {
    const redis = await ControlPlaneRedis.start(target);
    try {
      for (const workers of counts) {
        await redis.flush();
        const env = {
          ...redis.env,
          QUEUE_PREFIX: opts.config.runtime.queuePrefix,
          API_KEYS: KEY,
          LOG_LEVEL: 'warn',
          INFERENCE_BACKEND: 'stub',
          ALLOW_BENCHMARK_MODEL: 'true',
          STUB_BATCH_MS: String(stub.batchMs),
          STUB_TEXT_MS: String(stub.textMs),
          CACHE_ENABLED: 'true',
          CACHE_L2_ENABLED: 'true',
          CACHE_POLICY_WARNING: 'false', // L2 on the queue Redis: its entries are part of what is measured
          // A healthy L2: at the default 50 ms a crowded machine marks it down and skips its reads and writes,
          // and the figures would then leave out what L2 costs a healthy Redis.
          CACHE_L2_TIMEOUT_MS: String(L2_TIMEOUT_MS),
          ...(opts.config.engine.modelDir ? { MODEL_DIR: opts.config.engine.modelDir } : {}),
        };
        log(`${target} (${redis.masters} master(s)), ${workers} worker(s): starting`);
        const fleet = await ControlPlaneFleet.start({ workers, env });
        try {
          const load = {
            base: fleet.base,
            apiKey: KEY,
            jobTexts,
            clients,
            pollMs: POLL_MS,
            sampleMs: SAMPLE_MS,
            sample: () => redis.sample(),
          };
          await closedLoopJobs({ ...load, texts: warmUp, clients: 1 });
          await new Promise((r) => setTimeout(r, 500));
          const idle = await measureIdle(redis, fleet, opts.idleSeconds ?? 3);
          const r = await measure(redis, fleet, () => closedLoopJobs({ ...load, texts }));
          if (fleet.exits.length > 0) throw new AppError('INTERNAL', `fleet process exited during the run: ${fleet.exits.join(', ')}`);
          runs.push({ target, masters: redis.masters, workers, ...r, ...idle });
          log(
            `${target}, ${workers} worker(s): ${r.texts_per_s} texts/s, ${r.redis_cmds_per_text} cmds/text, ` +
              `${r.redis_bytes_per_text_in_flight} B/text in flight, ${r.redis_bytes_per_text_at_rest} B/text at rest (load ${r.load1})`,
          );
        } finally {
          await fleet.stop();
        }
      }
    } finally {
      await redis.close();
    }
  }
  return figures(runs, { n, jobTexts, clients, stub });
}

type Idle = Pick<ControlPlaneRun, 'idle_redis_cmds_per_s' | 'idle_redis_cpu_s_per_s' | 'idle_fleet_cpu_s_per_s'>;
type Measured = Omit<ControlPlaneRun, 'target' | 'masters' | 'workers' | keyof Idle>;

/** Redis commands and CPU, and the processes' CPU, per second while the fleet has nothing to do (polls, heartbeats, probes). */
async function measureIdle(redis: ControlPlaneRedis, fleet: ControlPlaneFleet, seconds: number): Promise<Idle> {
  const cpuBefore = fleet.cpuSeconds();
  const before = await redis.sample();
  const ownBefore = redis.ownCommands;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = await redis.sample();
  const elapsed = (performance.now() - started) / 1000;
  const cpu = fleet.cpuSeconds();
  return {
    idle_redis_cmds_per_s: round((after.commands - before.commands - (redis.ownCommands - ownBefore)) / elapsed, 1),
    idle_redis_cpu_s_per_s: round((after.cpuSeconds - before.cpuSeconds) / elapsed, 4),
    idle_fleet_cpu_s_per_s: round((cpu.api + cpu.workers - cpuBefore.api - cpuBefore.workers) / elapsed, 3),
  };
}

async function measure(
  redis: ControlPlaneRedis,
  fleet: ControlPlaneFleet,
  load: () => ReturnType<typeof closedLoopJobs>,
): Promise<Measured> {
  const kindsBefore = await redis.bytesByKind();
  const before = await redis.sample();
  const ownBefore = redis.ownCommands;
  const cpuBefore = fleet.cpuSeconds();
  const result = await load();
  const loadavg1 = loadavg()[0]!; // after the saturated run: how many cores were busy
  const cpu = fleet.cpuSeconds();
  const after = await redis.sample();
  // Our INFO calls between the two samples (the first one's is in the delta, the last one's is not: they cancel).
  const own = redis.ownCommands - ownBefore;
  // At rest: results, job records and L2 entries stay (their TTLs); queue entries are gone.
  await new Promise((r) => setTimeout(r, 1000));
  const rest = await redis.sample();
  const kinds = await redis.bytesByKind();
  const n = result.completed;
  const total = Math.max(1, n);
  const restPerText = (rest.usedMemory - before.usedMemory) / total;
  // In flight: what the texts not yet done hold over what the done ones keep at rest.
  const inFlight = result.samples
    .filter((s) => s.inFlight > 0)
    .map((s) => (s.redis.usedMemory - before.usedMemory - restPerText * s.completed) / s.inFlight);
  const per1k = (s: number) => round((s * 1000) / total, 3);
  return {
    texts: n,
    jobs: result.jobs,
    overloaded_429: result.overloaded,
    seconds: round(result.seconds, 2),
    texts_per_s: round(n / result.seconds),
    redis_cmds_per_text: round((after.commands - before.commands - own) / total, 2),
    redis_bytes_per_text_in_flight: inFlight.length > 0 ? round(median(inFlight)) : Number.NaN,
    redis_bytes_per_text_at_rest: round(restPerText),
    redis_peak_bytes_over_baseline: Math.max(0, ...result.samples.map((s) => s.redis.usedMemory - before.usedMemory)),
    l2_cache_bytes_per_text_at_rest: round((kinds.cacheBytes - kindsBefore.cacheBytes) / total),
    results_and_jobs_bytes_per_text_at_rest: round((kinds.otherBytes - kindsBefore.otherBytes) / total),
    api_cpu_s_per_1k_texts: per1k(cpu.api - cpuBefore.api),
    worker_cpu_s_per_1k_texts: per1k(cpu.workers - cpuBefore.workers),
    redis_cpu_s_per_1k_texts: per1k(after.cpuSeconds - before.cpuSeconds),
    ...busiestMaster(before, after, total),
    top_cmds_per_text: topCommands(before, after, total),
    load1: round(loadavg1, 2),
  };
}

/** The master with the most CPU over the run (our own INFO calls, a few per master, are left in its count). */
function busiestMaster(before: RedisSample, after: RedisSample, texts: number) {
  const deltas = after.perMaster.map((m, i) => ({
    cpu: m.cpuSeconds - before.perMaster[i]!.cpuSeconds,
    commands: m.commands - before.perMaster[i]!.commands,
  }));
  const top = deltas.reduce((a, b) => (b.cpu > a.cpu ? b : a));
  return {
    busiest_master_cpu_s_per_1k_texts: round((top.cpu * 1000) / texts, 3),
    busiest_master_cmds_per_text: round(top.commands / texts, 2),
  };
}

function topCommands(before: RedisSample, after: RedisSample, texts: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after.calls)
      .filter(([cmd]) => cmd !== 'info' && cmd !== 'flushall')
      .map(([cmd, calls]) => [cmd, (calls - (before.calls[cmd] ?? 0)) / texts] as const)
      .filter(([, perText]) => perText > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([cmd, perText]) => [cmd, round(perText, 3)]),
  );
}

/** Flat figures per configuration (`single_4w_texts_per_s`), and per target those of its fastest configuration. */
function figures(
  runs: readonly ControlPlaneRun[],
  setup: { n: number; jobTexts: number; clients: number; stub: { batchMs: number; textMs: number } },
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    suite: 'control-plane',
    texts_per_configuration: setup.n,
    texts_per_job: setup.jobTexts,
    jobs_in_flight: setup.clients,
    poll_ms: POLL_MS,
    stub_batch_ms: setup.stub.batchMs,
    stub_text_ms: setup.stub.textMs,
    cache_l2_timeout_ms: L2_TIMEOUT_MS,
    cache: 'L1 + L2 on, every text never seen (each configuration: empty Redis, fresh processes)',
  };
  for (const r of runs) for (const k of CONTROL_PLANE_FIGURES) out[`${r.target}_${r.workers}w_${k}`] = r[k];
  for (const target of new Set(runs.map((r) => r.target))) {
    const best = runs.filter((r) => r.target === target).reduce((a, b) => (b.texts_per_s > a.texts_per_s ? b : a));
    out[`${target}_workers_at_best`] = best.workers;
    out[`${target}_texts_per_s`] = best.texts_per_s;
    out[`${target}_redis_cmds_per_text`] = best.redis_cmds_per_text;
    out[`${target}_redis_bytes_per_text`] = best.redis_bytes_per_text_in_flight;
    out[`${target}_redis_bytes_per_text_at_rest`] = best.redis_bytes_per_text_at_rest;
    out[`${target}_redis_cpu_s_per_1k_texts`] = best.redis_cpu_s_per_1k_texts;
    out[`${target}_api_cpu_s_per_1k_texts`] = best.api_cpu_s_per_1k_texts;
    out[`${target}_busiest_master_cpu_s_per_1k_texts`] = best.busiest_master_cpu_s_per_1k_texts;
  }
  out.runs = runs;
  return out;
}
