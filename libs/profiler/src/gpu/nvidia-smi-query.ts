// The nvidia-smi query the profiler runs and the parser of its answer
// (`--format=csv,noheader,nounits`): one line per GPU, comma + space separated, in the order of
// the requested fields. Fields a device cannot report read `[N/A]` or `[Not Supported]`
// (MIG instances, consumer boards); they become undefined, never 0.

export const GPU_QUERY_FIELDS = [
  'index',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
] as const;
export const NVIDIA_SMI_ARGS = [`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'] as const;

const MIB = 1024 * 1024;

export interface GpuSample {
  readonly index: number;
  readonly name: string;
  /** 0..1 */
  readonly utilization?: number;
  readonly memoryUsedBytes?: number;
  readonly memoryTotalBytes?: number;
  readonly temperatureCelsius?: number;
  readonly powerWatts?: number;
}

/** Parses the CSV answer; lines that do not have the queried shape are skipped (returned in `skipped`). */
export function parseGpuQuery(stdout: string): { gpus: GpuSample[]; skipped: string[] } {
  const gpus: GpuSample[] = [];
  const skipped: string[] = [];
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    // A name may itself hold commas: the first field is the index, the last five are numbers.
    if (fields.length < GPU_QUERY_FIELDS.length) {
      skipped.push(line);
      continue;
    }
    const tail = fields.slice(-5);
    const index = Number(fields[0]);
    if (!/^\d+$/.test(fields[0]) || !tail.every((f) => isNumber(f) || isUnavailable(f))) {
      skipped.push(line);
      continue;
    }
    const [util, used, total, temp, power] = tail.map(value);
    gpus.push({
      index,
      name: fields.slice(1, -5).join(', '),
      ...defined('utilization', util === undefined ? undefined : util / 100),
      ...defined('memoryUsedBytes', used === undefined ? undefined : used * MIB),
      ...defined('memoryTotalBytes', total === undefined ? undefined : total * MIB),
      ...defined('temperatureCelsius', temp),
      ...defined('powerWatts', power),
    });
  }
  return { gpus, skipped };
}

function isUnavailable(field: string): boolean {
  return /^\[.*\]$/.test(field) || field === 'N/A';
}

function isNumber(field: string): boolean {
  return field !== '' && Number.isFinite(Number(field));
}

function value(field: string): number | undefined {
  return isNumber(field) ? Number(field) : undefined;
}

function defined<K extends string>(key: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, number>);
}
