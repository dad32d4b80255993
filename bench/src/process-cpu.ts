// CPU seconds of the processes a bench runs (Linux /proc) and of the Redis server (INFO cpu), so a
// bench can say where the CPU of its machine went, per process, beside its throughput.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** User + system CPU seconds of a process so far (every thread of it); NaN without a pid. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** User + system CPU seconds of this process so far (its worker threads included). */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** used_cpu_user + used_cpu_sys of the Redis server so far (any other client of it included). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** CPU seconds of the fleet's processes over one measured span. */
export interface FleetCpu {
  readonly api: number;
  readonly worker: number;
  readonly redis: number;
}

export const NO_FLEET_CPU: FleetCpu = { api: 0, worker: 0, redis: 0 };

/** Two spans' CPU together (rounds of one fleet). */
export function addFleetCpu(a: FleetCpu, b: FleetCpu): FleetCpu {
  return { api: a.api + b.api, worker: a.worker + b.worker, redis: a.redis + b.redis };
}

/** Runs `fn` and says what CPU the fleet's API and worker processes and the Redis server spent meanwhile. */
export async function measureFleetCpu<T>(
  pids: { readonly api: number | undefined; readonly worker: number | undefined },
  redis: Redis,
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: FleetCpu }> {
  const before = { api: cpuSeconds(pids.api), worker: cpuSeconds(pids.worker), redis: await redisCpuSeconds(redis) };
  const result = await fn();
  const cpu = {
    api: cpuSeconds(pids.api) - before.api,
    worker: cpuSeconds(pids.worker) - before.worker,
    redis: (await redisCpuSeconds(redis)) - before.redis,
  };
  return { result, cpu };
}
