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
    // A thread of this process that does a fixed amount of work (tenths of a CPU second, however loaded
    // the machine), so the process's CPU holds far more than the main thread's beyond the clock ticks'
    // rounding, in which a thread's and its process's times may differ by a tick or two.
    const spinner = new Worker('let s = 0; for (let i = 0; i < 3e8; i++) s += i; if (s < 0) console.log(s);', { eval: true });
    await new Promise((resolve) => spinner.once('exit', resolve));
    const main = mainThreadCpuSeconds(process.pid);
    const all = cpuSeconds(process.pid);
    expect(main).toBeGreaterThanOrEqual(0);
    expect(main).toBeLessThanOrEqual(all);
    expect(mainThreadCpuSeconds(process.pid)).toBeGreaterThanOrEqual(main);
    expect(mainThreadCpuSeconds(undefined)).toBeNaN();
  });
});
