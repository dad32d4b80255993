import { describe, expect, it } from 'vitest';
import { addFleetCpu, cpuSeconds, machineBusyFraction, machineTicks, mainThreadCpuSeconds, NO_FLEET_CPU } from './process-cpu';

describe('machine CPU ticks', () => {
  it('reads /proc/stat: busy is part of all, and neither goes back', () => {
    const a = machineTicks();
    let spin = 0;
    for (let i = 0; i < 2e6; i++) spin += i; // some CPU between the readings
    const b = machineTicks();
    expect(spin).toBeGreaterThan(0);
    expect(a.busy).toBeGreaterThan(0);
    expect(a.busy).toBeLessThanOrEqual(a.all);
    expect(b.busy).toBeGreaterThanOrEqual(a.busy);
    expect(b.all).toBeGreaterThanOrEqual(a.all);
  });

  it('pools spans before taking the busy share; none measured is NaN, not 0', () => {
    const span = (busy: number, all: number) => ({ ...NO_FLEET_CPU, client: 1, machineBusyTicks: busy, machineTicks: all });
    const both = addFleetCpu(span(90, 100), span(10, 100));
    expect(both.client).toBe(2);
    expect(machineBusyFraction(both)).toBe(0.5);
    expect(machineBusyFraction(NO_FLEET_CPU)).toBeNaN();
  });
});

describe('CPU seconds of a process and of its main thread', () => {
  it('the main thread is part of the process, and neither goes back', async () => {
    const { Worker } = await import('node:worker_threads');
    // A thread of this process that spins, so the process's CPU has more in it than the main thread's.
    const spinner = new Worker('const end = Date.now() + 300; let s = 0; while (Date.now() < end) s++;', { eval: true });
    await new Promise((resolve) => spinner.once('exit', resolve));
    const main = mainThreadCpuSeconds(process.pid);
    const all = cpuSeconds(process.pid);
    expect(main).toBeGreaterThanOrEqual(0);
    expect(main).toBeLessThanOrEqual(all);
    expect(mainThreadCpuSeconds(process.pid)).toBeGreaterThanOrEqual(main);
    expect(mainThreadCpuSeconds(undefined)).toBeNaN();
  });
});
