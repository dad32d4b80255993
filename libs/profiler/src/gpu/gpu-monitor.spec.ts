import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { tokensAllowedByMemory } from '@emo/batching';
import { GpuMonitor, summarizeGpus } from './gpu-monitor';
import { NvidiaSmiReader, type CommandRunner } from './nvidia-smi-reader';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const MIB = 1024 * 1024;

function sequence(...steps: ({ stdout: string } | { exit: number; stdout: string })[]): CommandRunner {
  let i = 0;
  return async () => {
    const step = steps[Math.min(i++, steps.length - 1)];
    if ('exit' in step) throw Object.assign(new Error('failed'), { code: step.exit, stdout: step.stdout });
    return step;
  };
}

describe(GpuMonitor.name, () => {
  it('exports per-GPU gauges from a multi-GPU reading', async () => {
    const registry = new Registry();
    const sut = new GpuMonitor({
      reader: new NvidiaSmiReader('nvidia-smi', sequence({ stdout: fixture('four-a100.csv') })),
      intervalMs: 0,
      registry,
    });
    await sut.start();
    const text = await registry.metrics();
    expect(text).toContain('emo_gpu_utilization_ratio{gpu="0",name="NVIDIA A100-SXM4-80GB"} 0.87');
    expect(text).toContain(`emo_gpu_memory_total_bytes{gpu="3",name="NVIDIA A100-SXM4-80GB"} ${81920 * MIB}`);
    expect(text).toContain('emo_gpu_power_watts{gpu="1",name="NVIDIA A100-SXM4-80GB"} 61.2');
    expect(text).toContain('emo_gpu_devices 4');
  });

  it('exports no series for [N/A] fields', async () => {
    const registry = new Registry();
    const sut = new GpuMonitor({
      reader: new NvidiaSmiReader('nvidia-smi', sequence({ stdout: fixture('mig-na-fields.csv') })),
      intervalMs: 0,
      registry,
    });
    await sut.start();
    const text = await registry.metrics();
    expect(text).not.toMatch(/emo_gpu_utilization_ratio\{/);
    expect(text).toContain('emo_gpu_memory_used_bytes{gpu="0"');
    expect(text).not.toContain('emo_gpu_memory_used_bytes{gpu="1"');
  });

  describe('memoryProbe', () => {
    it('gives the free memory of the chosen GPU, which the batcher turns into a token cap', async () => {
      const sut = new GpuMonitor({
        reader: new NvidiaSmiReader('nvidia-smi', sequence({ stdout: fixture('four-a100.csv') })),
        intervalMs: 0,
      });
      await sut.start();
      expect(sut.memoryProbe(0).freeBytes()).toBe((81920 - 61440) * MIB);
      expect(sut.memoryProbe(3).freeBytes()).toBe((81920 - 80910) * MIB);
      expect(tokensAllowedByMemory(sut.memoryProbe(3), 65_536, 1)).toBe(Math.floor((1010 * MIB * 0.8) / 65_536));
      expect(sut.memoryProbe(7).freeBytes()).toBeUndefined();
    });

    it('knows nothing (no cap) when memory is [N/A] or there is no nvidia-smi', async () => {
      const na = new GpuMonitor({
        reader: new NvidiaSmiReader('nvidia-smi', sequence({ stdout: fixture('mig-na-fields.csv') })),
        intervalMs: 0,
      });
      await na.start();
      expect(na.memoryProbe(1).freeBytes()).toBeUndefined();
      const absent = new GpuMonitor({ reader: new NvidiaSmiReader('/nonexistent/nvidia-smi'), intervalMs: 0 });
      await absent.start();
      expect(absent.memoryProbe(0).freeBytes()).toBeUndefined();
    });
  });

  it('without nvidia-smi reports no GPU series and no error, and stops polling', async () => {
    const registry = new Registry();
    const errors: string[] = [];
    const sut = new GpuMonitor({
      reader: new NvidiaSmiReader('/nonexistent/nvidia-smi'),
      intervalMs: 10,
      registry,
      onError: (m) => errors.push(m),
    });
    await sut.start();
    const text = await registry.metrics();
    expect(sut.status).toBe('absent');
    expect(errors).toEqual([]);
    expect(text).toContain('emo_gpu_devices 0');
    expect(text).not.toMatch(/emo_gpu_utilization_ratio\{/);
    expect(text).toContain('emo_gpu_query_errors_total 0');
  });

  it('counts every failed query, logs once per failure streak, and recovers', async () => {
    const registry = new Registry();
    const errors: string[] = [];
    const fail = { exit: 9, stdout: fixture('driver-failure.txt') };
    const sut = new GpuMonitor({
      reader: new NvidiaSmiReader('nvidia-smi', sequence(fail, fail, { stdout: fixture('single-t4.csv') }, fail)),
      intervalMs: 0,
      registry,
      onError: (m) => errors.push(m),
    });
    await sut.poll();
    await sut.poll();
    expect(sut.gpus).toEqual([]);
    await sut.poll();
    expect(sut.gpus.map((g) => g.name)).toEqual(['Tesla T4']);
    await sut.poll();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^nvidia-smi failed: NVIDIA-SMI has failed/);
    expect(await registry.metrics()).toContain('emo_gpu_query_errors_total 3');
  });
});

describe('summarizeGpus', () => {
  it("averages utilization over GPUs that report it and takes the fullest GPU's memory", () => {
    const gpus = [
      { index: 0, name: 'a', utilization: 0.2, memoryUsedBytes: 10, memoryTotalBytes: 100 },
      { index: 1, name: 'b', utilization: 0.6, memoryUsedBytes: 95, memoryTotalBytes: 100 },
      { index: 2, name: 'c' },
    ];
    expect(summarizeGpus(gpus)).toEqual({ utilization: 0.4, memoryUsedRatio: 0.95 });
    expect(summarizeGpus([])).toEqual({});
  });
});
