// The int8 kernel probe against this machine's real ONNX Runtime, and the serving choice it drives.
// The probe's answers are bounded by the kernel's documented arithmetic, so they hold on any CPU:
// exact kernels give 1, VPMADDUBSW kernels (x86 without VNNI) give 32,767 / (255·127·2) for every
// pair of full-range products, and reduced-range products always fit.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCpuFeatures } from './cpu-features';
import { chooseInt8SafeBundle } from './int8-kernel-guard';
import { probeInt8Kernel, type Int8KernelProbe } from './int8-kernel-probe';

const SATURATED = 32767 / (255 * 127 * 2);

describe(probeInt8Kernel.name, () => {
  it('finds the full-range ratio exact or saturated as the u8s8 kernels allow, and reduced range exact', async () => {
    const sut = await probeInt8Kernel();
    expect(sut.reducedRangeRatio).toBeCloseTo(1, 5);
    expect(sut.fullRangeRatio).toBeCloseTo(sut.saturates ? SATURATED : 1, 5);
    expect(await probeInt8Kernel()).toBe(sut); // once per process
  });
});

describe(readCpuFeatures.name, () => {
  it('reads the model name and int8-relevant SIMD flags from cpuinfo', () => {
    const sut = readCpuFeatures('processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse4_2 avx avx2 fma bmi2\n');
    expect(sut).toMatchObject({ model: 'AMD EPYC 7B13', simd: ['sse4_2', 'avx', 'avx2', 'fma'], vnni: false });
    expect(readCpuFeatures('model name : X\nflags : avx2 avx512f avx512bw avx512_vnni\n')).toMatchObject({
      simd: ['avx2', 'avx512f', 'avx512bw', 'avx512_vnni'],
      vnni: true,
    });
  });
});

describe(chooseInt8SafeBundle.name, () => {
  const root = mkdtempSync(join(tmpdir(), 'emo-int8-guard-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const saturating: Int8KernelProbe = { saturates: true, fullRangeRatio: SATURATED, reducedRangeRatio: 1 };
  const exact: Int8KernelProbe = { saturates: false, fullRangeRatio: 1, reducedRangeRatio: 1 };
  const variant = (name: string, options?: object) => {
    const base = join(root, name);
    const dir = join(base, 'variants', 'int8');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(base, 'model.onnx'), '');
    writeFileSync(join(dir, 'quantization.json'), JSON.stringify({ mode: 'int8', ...(options ? { options } : {}) }));
    return { base, dir };
  };

  it('serves a reduced-range variant without probing', async () => {
    const { dir } = variant('rr', { reduceRange: true });
    const probe = () => Promise.reject(new Error('must not probe'));
    await expect(chooseInt8SafeBundle(dir, 'refuse', () => undefined, probe)).resolves.toEqual({ dir, precision: 'int8' });
  });

  it('serves a full-range variant where the kernel is exact', async () => {
    const { dir } = variant('full-exact', { reduceRange: false });
    await expect(
      chooseInt8SafeBundle(
        dir,
        'refuse',
        () => undefined,
        async () => exact,
      ),
    ).resolves.toMatchObject({ dir, precision: 'int8' });
  });

  it('falls back to the float32 bundle beside a full-range variant where the kernel saturates, warns, or refuses as configured', async () => {
    const { base, dir } = variant('full-saturating', { reduceRange: false });
    const warnings: string[] = [];
    await expect(
      chooseInt8SafeBundle(
        dir,
        'fallback',
        (m) => warnings.push(m),
        async () => saturating,
      ),
    ).resolves.toMatchObject({ dir: base, precision: 'fp32' });
    expect(warnings).toEqual([expect.stringMatching(/saturates .*serving the float32 model .*--reduce-range on/)]);
    await expect(
      chooseInt8SafeBundle(
        dir,
        'warn',
        (m) => warnings.push(m),
        async () => saturating,
      ),
    ).resolves.toMatchObject({ dir, precision: 'int8' });
    await expect(
      chooseInt8SafeBundle(
        dir,
        'refuse',
        () => undefined,
        async () => saturating,
      ),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('warns about an int8 bundle that does not record its weight range on a saturating kernel', async () => {
    const { dir } = variant('unknown');
    const warnings: string[] = [];
    await expect(
      chooseInt8SafeBundle(
        dir,
        'fallback',
        (m) => warnings.push(m),
        async () => saturating,
      ),
    ).resolves.toMatchObject({ dir, precision: 'int8' });
    expect(warnings).toEqual([expect.stringMatching(/does not record whether its weights are reduced-range/)]);
  });
});
