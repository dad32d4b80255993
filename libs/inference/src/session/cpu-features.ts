// The CPU an int8 verdict was measured on: model name and the SIMD flags that choose ONNX Runtime's
// int8 kernels (AVX2, AVX-512, VNNI, AMX), from /proc/cpuinfo on Linux. Under an emulator
// (qemu-user) /proc/cpuinfo describes the host, not the emulated CPU: the int8 kernel probe says
// what the kernels really did.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuFeatures {
  readonly model: string;
  readonly arch: string;
  /** The int8-relevant SIMD flags this CPU reports, in a fixed order. */
  readonly simd: readonly string[];
  readonly vnni: boolean;
}

const SIMD_FLAGS = [
  'sse4_1',
  'sse4_2',
  'avx',
  'avx2',
  'fma',
  'avx512f',
  'avx512bw',
  'avx512vl',
  'avx512_vnni',
  'avx_vnni',
  'avx512_bf16',
  'amx_int8',
  'amx_bf16',
  'asimd',
  'asimddp',
  'i8mm',
] as const;

export function readCpuFeatures(cpuinfo: string | undefined = readCpuinfo()): CpuFeatures {
  const model = cpuinfo?.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const flagsLine = cpuinfo?.match(/^(?:flags|Features)\s*:\s*(.+)$/m)?.[1] ?? '';
  const flags = new Set(flagsLine.split(/\s+/));
  const simd = SIMD_FLAGS.filter((f) => flags.has(f));
  return { model, arch: process.arch, simd, vnni: flags.has('avx512_vnni') || flags.has('avx_vnni') };
}

function readCpuinfo(): string | undefined {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}
