// CPU seconds of the processes a bench runs (Linux /proc) and of the Redis server (INFO cpu), so a
// bench can say where the CPU of its machine went, per process, beside its throughput.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** User + system CPU seconds of a process so far (every thread of it); NaN without a pid. */
export function cpuSeconds(pid: number | undefined): number {
  return pid === undefined ? Number.NaN : statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * User + system CPU seconds of a process's main thread so far (its event loop: the thread whose id is
 * the pid); the rest of `cpuSeconds` is its other threads (inference threads, V8's helpers, libuv's
 * pool). The kernel adjusts a thread's and its process's times apart, so they may differ by a tick or
 * two. NaN without a pid.
 */
export function mainThreadCpuSeconds(pid: number | undefined): number {
  return pid === undefined ? Number.NaN : statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/** utime + stime of a /proc stat file, in seconds (clock ticks of USER_HZ 100). */
function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** User + system CPU seconds of this process so far (its worker threads included). */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU ticks of the whole machine so far (/proc/stat): busy (user, nice, system, irq, softirq, steal) and all (busy, idle, iowait). */
export function machineTicks(): { busy: number; all: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy, all: busy + idle + (iowait || 0) };
}

/** used_cpu_user + used_cpu_sys of the Redis server so far (any other client of it included). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** CPU seconds of the fleet's processes over one measured span, and what else the machine did meanwhile. */
export interface FleetCpu {
  readonly api: number;
  readonly worker: number;
  /** The API's and the worker's main threads (event loops): part of `api` and `worker`. */
  readonly apiMain: number;
  readonly workerMain: number;
  readonly redis: number;
  /** This process: the bench's client (the load generator, or the job's upload and download). */
  readonly client: number;
  /** Machine-wide CPU ticks: busy, and all (busy + idle) over every core. */
  readonly machineBusyTicks: number;
  readonly machineTicks: number;
}

export const NO_FLEET_CPU: FleetCpu = {
  api: 0,
  worker: 0,
  apiMain: 0,
  workerMain: 0,
  redis: 0,
  client: 0,
  machineBusyTicks: 0,
  machineTicks: 0,
};

/** Two spans' CPU together (rounds of one fleet). */
export function addFleetCpu(a: FleetCpu, b: FleetCpu): FleetCpu {
  return combine(a, b, (x, y) => x + y);
}

const FLEET_CPU_KEYS = Object.keys(NO_FLEET_CPU) as (keyof FleetCpu)[];

function combine(a: FleetCpu, b: FleetCpu, op: (x: number, y: number) => number): FleetCpu {
  return Object.fromEntries(FLEET_CPU_KEYS.map((k) => [k, op(a[k], b[k])])) as unknown as FleetCpu;
}

/** Share of the machine's cores busy over the spans (any process); NaN when nothing was measured. */
export function machineBusyFraction(cpu: Pick<FleetCpu, 'machineBusyTicks' | 'machineTicks'>): number {
  return cpu.machineTicks > 0 ? cpu.machineBusyTicks / cpu.machineTicks : Number.NaN;
}

/**
 * Runs `fn` and says what CPU the fleet's API and worker processes, the Redis server and this
 * process spent meanwhile, and how busy the whole machine was.
 */
export async function measureFleetCpu<T>(
  pids: { readonly api: number | undefined; readonly worker: number | undefined },
  redis: Redis,
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: FleetCpu }> {
  const redisBefore = await redisCpuSeconds(redis);
  const before = readingsSoFar(pids);
  const result = await fn();
  const after = readingsSoFar(pids);
  const cpu = { ...combine(after, before, (x, y) => x - y), redis: (await redisCpuSeconds(redis)) - redisBefore };
  return { result, cpu };
}

/** Every reading of a FleetCpu but Redis's (which takes a round trip) so far, as totals since each started. */
function readingsSoFar(pids: { readonly api: number | undefined; readonly worker: number | undefined }): FleetCpu {
  const machine = machineTicks();
  return {
    api: cpuSeconds(pids.api),
    worker: cpuSeconds(pids.worker),
    apiMain: mainThreadCpuSeconds(pids.api),
    workerMain: mainThreadCpuSeconds(pids.worker),
    redis: 0,
    client: ownCpuSeconds(),
    machineBusyTicks: machine.busy,
    machineTicks: machine.all,
  };
}
