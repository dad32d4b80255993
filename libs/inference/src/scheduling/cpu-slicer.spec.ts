// The slicer's verdicts by construction: a fake clock that each step advances by 1 ms and a deferral
// the test drains turn by turn, so "how much ran in one event-loop turn" is counted, not timed.
import { describe, expect, it } from 'vitest';
import { CpuSlicer } from './cpu-slicer';

function setup(opts: { budgetMs?: number; stepsPerTurn?: number } = {}) {
  const clock = { now: 0 };
  const deferred: (() => void)[] = [];
  const sut = new CpuSlicer({ ...opts, now: () => clock.now, defer: (fn) => deferred.push(fn) });
  const log: string[] = [];
  const step = (name: string) => (i: number) => {
    clock.now += 1; // each step costs 1 ms of the turn's budget
    log.push(`${name}${i}`);
  };
  /** Runs one deferred turn; returns the steps it ran. */
  const turn = async () => {
    const before = log.length;
    deferred.shift()?.();
    await Promise.resolve();
    return log.slice(before);
  };
  return { sut, clock, deferred, log, step, turn };
}

describe(CpuSlicer.name, () => {
  it('runs a small task at once when nothing else waits (a lone interactive text waits for no turn)', async () => {
    const { sut, deferred, log, step } = setup({ stepsPerTurn: 4 });
    await sut.run(3, step('a'), 'interactive');
    expect(log).toEqual(['a0', 'a1', 'a2']);
    expect(deferred).toHaveLength(0);
  });

  it('runs a small interactive task at once even while bulk work waits; a bigger one goes first in the next turn', async () => {
    const { sut, log, step, turn } = setup({ budgetMs: 3, stepsPerTurn: 4 });
    const bulk = sut.run(40, step('b'), 'bulk');
    await sut.run(4, step('i'), 'interactive');
    expect(log).toEqual(['i0', 'i1', 'i2', 'i3']);
    const big = sut.run(6, step('I'), 'interactive');
    expect((await turn()).slice(0, 4)).toEqual(['I0', 'I1', 'I2', 'I3']);
    while (sut.pending > 0) await turn();
    await Promise.all([bulk, big]);
  });

  it('bounds one turn by the budget however many tasks wait, and runs every step of every task once, in order', async () => {
    const { sut, log, step, turn } = setup({ budgetMs: 5, stepsPerTurn: 2 });
    const done = Array.from({ length: 8 }, (_, t) => sut.run(10, step(`t${t}:`), 'bulk'));
    const perTurn: number[] = [];
    while (sut.pending > 0) perTurn.push((await turn()).length);
    await Promise.all(done);
    // The budget is checked between task slices: a turn stops at the first slice that reaches 5 ms.
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(6);
    expect(perTurn.reduce((a, b) => a + b, 0)).toBe(80);
    for (let t = 0; t < 8; t++) {
      const mine = log.filter((s) => s.startsWith(`t${t}:`));
      expect(mine).toEqual(Array.from({ length: 10 }, (_, i) => `t${t}:${i}`));
    }
  });

  it('takes the bulk task with the fewest steps left first, so a small chunk is not stuck behind a big one', async () => {
    const { sut, step, turn } = setup({ budgetMs: 1000, stepsPerTurn: 4 });
    let smallDone = false;
    const big = sut.run(400, step('big'), 'bulk');
    const small = sut.run(8, step('small'), 'bulk').then(() => (smallDone = true));
    const first = await turn();
    await small;
    expect(smallDone).toBe(true);
    // small (8 left) goes before big (400 left): its 8 steps are the turn's first.
    expect(first.slice(0, 8).every((s) => s.startsWith('small'))).toBe(true);
    while (sut.pending > 0) await turn();
    await big;
  });

  it('finishes equal bulk tasks one after another, in order of arrival, not all together at the end', async () => {
    // 64 chunks arriving at once: taking turns tokenized all of them before any reached the batcher.
    const { sut, log, step, turn } = setup({ budgetMs: 10, stepsPerTurn: 4 });
    const finishedAt: number[] = [];
    const done = Array.from({ length: 4 }, (_, t) => sut.run(16, step(`t${t}:`), 'bulk').then(() => void finishedAt.push(t)));
    while (sut.pending > 0) await turn();
    await Promise.all(done);
    expect(finishedAt).toEqual([0, 1, 2, 3]);
    // Each task's steps are contiguous: t0's 16, then t1's 16, …
    expect(log).toEqual(Array.from({ length: 4 }, (_, t) => Array.from({ length: 16 }, (_, i) => `t${t}:${i}`)).flat());
  });

  it('serves interactive work first, even when bulk work arrived before it', async () => {
    const { sut, step, turn } = setup({ budgetMs: 3, stepsPerTurn: 2 });
    const bulk = sut.run(50, step('b'), 'bulk');
    await turn(); // bulk has started
    const interactive = sut.run(6, step('i'), 'interactive');
    const next = await turn();
    expect(next.slice(0, 2)).toEqual(['i0', 'i1']);
    const order: string[] = [...next];
    while (sut.pending > 0) order.push(...(await turn()));
    await Promise.all([bulk, interactive]);
    const lastInteractive = order.lastIndexOf('i5');
    expect(order.slice(0, lastInteractive + 1).every((s) => s.startsWith('i'))).toBe(true);
  });

  it('rejects only the task whose step threw; the others finish', async () => {
    const { sut, step, turn } = setup({ budgetMs: 100, stepsPerTurn: 2 });
    const bad = sut.run(
      5,
      (i) => {
        if (i === 3) throw new Error('boom');
      },
      'bulk',
    );
    const good = sut.run(5, step('g'), 'bulk');
    bad.catch(() => undefined);
    while (sut.pending > 0) await turn();
    await expect(bad).rejects.toThrow('boom');
    await expect(good).resolves.toBeUndefined();
  });
});
