// How `emo bench SUITE --quick --json` figures are checked (bench-quick.e2e-spec.ts): the kinds a
// figure can be held to, a suite's entry in the table (bench-quick-figures.ts), and the machine
// figures that bench/src/machine-info.ts adds to several suites.
import { expect } from 'vitest';

/** What a figure must be: a kind, or exactly this value. */
export type Check = 'positive' | 'nonneg' | 'finite' | 'share' | 'text' | 'yesno' | 'rows' | { eq: number | string };
export type Figures = Record<string, unknown>;

export interface SuiteSpec {
  readonly redis: boolean;
  /** Run on the default model (models/goemotions-mini) instead of the tiny test model. */
  readonly defaultModel?: boolean;
  readonly figures: Record<string, Check>;
  /** Relations between figures that hold by construction. */
  readonly also?: (f: Figures) => void;
  /** The CLI suite when the entry's name is a variant of it ("interactive --against"), and its extra arguments (`<root>`: this checkout). */
  readonly suite?: string;
  readonly args?: readonly string[];
}

/** A figure as a number (the kind checks have run first). */
export const num = (f: Figures, key: string) => f[key] as number;
/** The kind of every throughput figure. */
export const rate = 'positive';

/** What bench/src/machine-info.ts adds to a suite's figures (engine, batching, fleet). */
export const MACHINE: Record<string, Check> = {
  machine_cpu: 'text',
  machine_arch: 'text',
  machine_cores: 'positive',
  machine_memory_gib: 'positive',
  machine_cpuidle: 'text',
  isa_avx2: 'yesno',
  isa_avx512f: 'yesno',
  isa_avx512_vnni: 'yesno',
  isa_avx_vnni: 'yesno',
  isa_amx: 'yesno',
  node_version: 'text',
  onnxruntime_version: 'text',
  loadavg_start: 'text',
  loadavg_end: 'text',
};

export function expectMachine(f: Figures): void {
  expect(f.node_version).toBe(process.version);
  for (const key of ['loadavg_start', 'loadavg_end']) expect(String(f[key])).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d$/);
}

export function expectKind(key: string, value: unknown, check: Check): void {
  const what = `${key} = ${JSON.stringify(value)}`;
  if (typeof check === 'object') return void expect(value, what).toBe(check.eq);
  if (check === 'text') return void expect(typeof value === 'string' && value.length > 0, `${what} is a non-empty string`).toBe(true);
  if (check === 'yesno') return void expect(['yes', 'no'], what).toContain(value);
  if (check === 'rows')
    return void expect(Array.isArray(value) && value.length > 0, `${what.slice(0, 200)} is a non-empty array`).toBe(true);
  expect(typeof value === 'number' && Number.isFinite(value), `${what} is a finite number`).toBe(true);
  const n = value as number;
  if (check === 'positive') expect(n, what).toBeGreaterThan(0);
  if (check === 'nonneg') expect(n, what).toBeGreaterThanOrEqual(0);
  if (check === 'share') {
    expect(n, what).toBeGreaterThanOrEqual(0);
    expect(n, what).toBeLessThanOrEqual(1);
  }
}
