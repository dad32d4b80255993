// Closed-loop rounds of POST /v1/classify (autocannon, one text per request) and the figures of a
// level made of one or more rounds: `emo bench interactive` runs each level as one round per fleet,
// or, with --against, as alternating rounds on two fleets (ABBA order), so that a machine whose speed
// drifts during the run weighs on both alike.
import autocannon from 'autocannon';
import { percentile, round } from './bench-data';
import { machineBusyFraction, type FleetCpu } from './process-cpu';

export interface RoundResult {
  /** Per response, ms. */
  readonly latencies: readonly number[];
  readonly statuses: Readonly<Record<string, number>>;
  /** Transport errors and timeouts. */
  readonly errors: number;
  /** From the first request to the last response. */
  readonly seconds: number;
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
  /** Of those, the main threads' (event loops); the rest is the worker's inference threads and both processes' helpers. */
  readonly api_main_thread_cpu_s_per_1k_texts: number;
  readonly worker_main_thread_cpu_s_per_1k_texts: number;
  /** Redis's own CPU (INFO cpu), which shares the machine too; includes any other client of that Redis. */
  readonly redis_cpu_s_per_1k_texts: number;
  /** The load generator's (the bench process, whose in-process engine idles meanwhile): it shares the machine too. */
  readonly load_cpu_s_per_1k_texts: number;
  /** Share of the machine's cores busy during the level's rounds (every process): well under 1, the level was not CPU-bound. */
  readonly machine_busy_fraction: number;
}

/** How often autocannon samples, so how late after its last answer a round ends, ms. */
const SAMPLE_INTERVAL_MS = 20;

/** `texts.length` requests of one text each from `connections` closed-loop clients. */
export async function closedLoopRound(base: string, apiKey: string, texts: readonly string[], connections: number): Promise<RoundResult> {
  let sent = 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  // Without a callback autocannon returns its instance (an EventEmitter) made thenable.
  const instance = autocannon({
    // autocannon notices that `amount` is reached only when it samples (every `sampleInt` ms, 1 s by
    // default): a round would end with up to a second of idle machine, which the CPU and busy-share
    // windows around it (measureFleetCpu) would count. Sampled often, a round ends with its last answer.
    sampleInt: SAMPLE_INTERVAL_MS,
    url: `${base}/v1/classify`,
    connections,
    amount: texts.length,
    timeout: 30,
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ texts: [texts[sent++ % texts.length]] }) }) }],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  // Timed to the last response (the promise still resolves up to a sample interval later).
  let lastResponseAt = started;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastResponseAt = performance.now();
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const result = await instance;
  // autocannon's `errors` include its `timeouts`.
  return { latencies, statuses, errors: result.errors, seconds: (lastResponseAt - started) / 1000 };
}

/** One level's figures over its rounds: texts/s is all 200s over all rounds' time, percentiles over every response. */
export function levelFigures(concurrency: number, rounds: readonly RoundResult[], cpu: FleetCpu): LevelFigures {
  const latencies = rounds.flatMap((r) => r.latencies);
  const statuses: Record<string, number> = {};
  for (const r of rounds) for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const errors = rounds.reduce((n, r) => n + r.errors, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const ok = statuses['200'] ?? 0;
  const per1k = (s: number) => round((s * 1000) / latencies.length, 3);
  return {
    concurrency,
    requests: latencies.length,
    texts_per_s: round(ok / seconds),
    p50_ms: round(percentile(latencies, 0.5)),
    p95_ms: round(percentile(latencies, 0.95)),
    p99_ms: round(percentile(latencies, 0.99)),
    max_ms: round(Math.max(...latencies)),
    non_200: latencies.length - ok + errors,
    statuses,
    errors,
    api_cpu_s_per_1k_texts: per1k(cpu.api),
    worker_cpu_s_per_1k_texts: per1k(cpu.worker),
    api_main_thread_cpu_s_per_1k_texts: per1k(cpu.apiMain),
    worker_main_thread_cpu_s_per_1k_texts: per1k(cpu.workerMain),
    redis_cpu_s_per_1k_texts: per1k(cpu.redis),
    load_cpu_s_per_1k_texts: per1k(cpu.client),
    machine_busy_fraction: round(machineBusyFraction(cpu), 3),
  };
}
