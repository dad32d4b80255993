import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NVIDIA_SMI_ARGS, parseGpuQuery } from './nvidia-smi-query';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const MIB = 1024 * 1024;

describe('parseGpuQuery', () => {
  it('reads every GPU of a multi-GPU answer with units converted', () => {
    const sut = parseGpuQuery(fixture('four-a100.csv'));
    expect(sut.skipped).toEqual([]);
    expect(sut.gpus.map((g) => g.index)).toEqual([0, 1, 2, 3]);
    expect(sut.gpus[0]).toEqual({
      index: 0,
      name: 'NVIDIA A100-SXM4-80GB',
      utilization: 0.87,
      memoryUsedBytes: 61440 * MIB,
      memoryTotalBytes: 81920 * MIB,
      temperatureCelsius: 64,
      powerWatts: 312.45,
    });
    expect(sut.gpus[3].utilization).toBe(1);
  });

  it('leaves [N/A] fields out (MIG mode) instead of reading them as 0', () => {
    const [first, second] = parseGpuQuery(fixture('mig-na-fields.csv')).gpus;
    expect(first.utilization).toBeUndefined();
    expect(first.memoryUsedBytes).toBe(20480 * MIB);
    expect(second).toEqual({ index: 1, name: 'NVIDIA H100 80GB HBM3', memoryTotalBytes: 81559 * MIB, temperatureCelsius: 44 });
  });

  it('leaves [Not Supported] fields out', () => {
    const gpus = parseGpuQuery(fixture('not-supported.csv')).gpus;
    expect(gpus[0].powerWatts).toBeUndefined();
    expect(gpus[0].utilization).toBe(0.35);
    expect(gpus[1]).toEqual({ index: 1, name: 'NVIDIA GeForce GTX 1080', memoryUsedBytes: 512 * MIB, memoryTotalBytes: 8192 * MIB });
  });

  it('keeps commas inside a GPU name', () => {
    expect(parseGpuQuery('0, Quadro RTX 8000, Rev A, 5, 100, 200, 40, 70.5\n').gpus[0].name).toBe('Quadro RTX 8000, Rev A');
  });

  it('skips the lines of an error message and blank lines', () => {
    const sut = parseGpuQuery(fixture('driver-failure.txt'));
    expect(sut.gpus).toEqual([]);
    expect(sut.skipped[0]).toMatch(/NVIDIA-SMI has failed/);
    expect(parseGpuQuery('\n\n').gpus).toEqual([]);
  });

  it('asks for the fields in the order the parser reads them, without header or units', () => {
    expect(NVIDIA_SMI_ARGS).toEqual([
      '--query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
      '--format=csv,noheader,nounits',
    ]);
  });
});
