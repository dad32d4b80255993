// The machine a benchmark ran on, recorded in every result (`emo bench SUITE --json`): CPU model, the
// instruction-set extensions that choose ONNX Runtime's kernels (AVX2; AVX-512; VNNI for int8; AMX),
// cores, memory, Node and onnxruntime versions, the kernel's cpuidle driver, and the load average at
// the start and at the end of the run. Figures from a loaded or different machine are not comparable;
// this says which one it was. The cpuidle driver decides what waking an idle process costs on a VM
// (`haltpoll` polls before it halts the vCPU): the single-caller latencies of `emo bench interactive`
// differ by 2-5x between VMs of the same CPU with and without it (ADR 020).
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import * as ort from 'onnxruntime-node';

/** ISA extensions ONNX Runtime's CPU kernels dispatch on, each recorded as `isa_<name>: yes|no`. */
export const ISA_FLAGS = {
  avx2: ['avx2'],
  avx512f: ['avx512f'],
  avx512_vnni: ['avx512_vnni'],
  avx_vnni: ['avx_vnni'],
  amx: ['amx_tile', 'amx_int8', 'amx_bf16'],
} as const;

/** The keys `machineFigures` returns (the bench --quick e2e spec expects them in every suite's figures). */
export const MACHINE_FIGURE_KEYS = [
  'machine_cpu',
  'machine_arch',
  'machine_cores',
  'machine_memory_gib',
  'machine_cpuidle',
  ...Object.keys(ISA_FLAGS).map((k) => `isa_${k}`),
  'node_version',
  'onnxruntime_version',
  'loadavg_start',
  'loadavg_end',
] as const;

export type MachineFigures = Record<(typeof MACHINE_FIGURE_KEYS)[number], string | number>;

/** "1.23 0.98 0.76": os.loadavg() (1, 5, 15 minutes), two decimals. */
export function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/** The machine, as figures; `loadStart` is what `loadAverage()` said when the run began. */
export function machineFigures(
  loadStart: string,
  cpuinfo: string | undefined = readCpuinfo(),
  cpuidle: string | undefined = readSys('/sys/devices/system/cpu/cpuidle/current_driver'),
): MachineFigures {
  const model = cpuinfo?.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const flags = new Set((cpuinfo?.match(/^(?:flags|Features)\s*:\s*(.+)$/m)?.[1] ?? '').split(/\s+/));
  const isa = Object.fromEntries(
    Object.entries(ISA_FLAGS).map(([name, any]) => [`isa_${name}`, any.some((f) => flags.has(f)) ? 'yes' : 'no']),
  );
  return {
    machine_cpu: model,
    machine_arch: process.arch,
    machine_cores: cpus().length,
    machine_memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    // "none" where the kernel has no cpuidle driver (or no /sys): idle vCPUs then halt at once.
    machine_cpuidle: cpuidle?.trim() || 'none',
    ...isa,
    node_version: process.version,
    onnxruntime_version: ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown',
    loadavg_start: loadStart,
    loadavg_end: loadAverage(),
  } as MachineFigures;
}

/** Runs one suite and appends the machine figures (load average taken before and after it). */
export async function withMachineFigures<T extends Record<string, unknown>>(run: () => Promise<T>): Promise<T & MachineFigures> {
  const loadStart = loadAverage();
  const figures = await run();
  return { ...figures, ...machineFigures(loadStart) };
}

function readCpuinfo(): string | undefined {
  return readSys('/proc/cpuinfo');
}

function readSys(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
