// What every benchmark result records about its machine (structure only), and the split of timed
// and warm-up texts that keeps every timed text never-seen.
import { describe, expect, it } from 'vitest';
import { splitNeverSeen } from './bench-data';
import { MACHINE_FIGURE_KEYS, machineFigures, withMachineFigures } from './machine-info';

const EPYC = `processor\t: 0
model name\t: AMD EPYC 9R14
flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni
`;
const SAPPHIRE = `model name\t: Intel(R) Xeon(R) Platinum 8488C
flags\t\t: avx2 avx512f avx512_vnni avx_vnni amx_bf16 amx_tile amx_int8
`;

describe('machineFigures', () => {
  it('records the CPU, its ONNX Runtime ISA flags as yes/no, cores, memory, versions and both load averages', () => {
    const f = machineFigures('1.00 2.00 3.00', EPYC);
    expect(Object.keys(f).sort()).toEqual([...MACHINE_FIGURE_KEYS].sort());
    expect(f).toMatchObject({
      machine_cpu: 'AMD EPYC 9R14',
      isa_avx2: 'yes',
      isa_avx512f: 'yes',
      isa_avx512_vnni: 'yes',
      isa_avx_vnni: 'no',
      isa_amx: 'no',
      node_version: process.version,
      loadavg_start: '1.00 2.00 3.00',
    });
    expect(f.machine_cores).toBeGreaterThan(0);
    expect(f.machine_memory_gib).toBeGreaterThan(0);
    expect(String(f.onnxruntime_version)).toMatch(/^\d+\.\d+\.\d+/);
    expect(String(f.loadavg_end)).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d$/);
    expect(machineFigures('0.00 0.00 0.00', SAPPHIRE)).toMatchObject({ isa_amx: 'yes', isa_avx_vnni: 'yes' });
    expect(machineFigures('0.00 0.00 0.00', EPYC, 'haltpoll\n').machine_cpuidle).toBe('haltpoll');
    expect(machineFigures('0.00 0.00 0.00', EPYC, '').machine_cpuidle).toBe('none');
  });

  it('falls back to os.cpus() for the model, and no flags, when /proc/cpuinfo says nothing', () => {
    const f = machineFigures('0.00 0.00 0.00', '');
    expect(typeof f.machine_cpu).toBe('string');
    for (const key of MACHINE_FIGURE_KEYS.filter((k) => k.startsWith('isa_'))) expect(f[key]).toBe('no');
  });

  it('withMachineFigures appends the machine to what the suite returned', async () => {
    const f = await withMachineFigures(async () => ({ suite: 'x', rate: 1 }));
    expect(f).toMatchObject({ suite: 'x', rate: 1 });
    for (const key of MACHINE_FIGURE_KEYS) expect(f[key]).toBeDefined();
  });
});

describe('splitNeverSeen', () => {
  it('warms up on texts none of which is timed', () => {
    const { texts, warm } = splitNeverSeen(['a', 'b', 'c', 'a', 'd'], 3);
    expect(texts).toEqual(['a', 'b', 'c']);
    expect(warm).toEqual(['d']);
  });

  it('suffixes the timed texts when the pool has nothing left over', () => {
    const { texts, warm } = splitNeverSeen(['a', 'b'], 2);
    expect(texts).toEqual(['a', 'b']);
    expect(warm.some((t) => texts.includes(t))).toBe(false);
    expect(warm).toHaveLength(2);
  });
});
