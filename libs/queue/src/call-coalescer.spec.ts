// CallCoalescer on a hand-driven clock: which calls share a job, and when a new group waits for
// company. Verdicts by construction (what ran after which turn or timer), not by the wall clock.
import { describe, expect, it } from 'vitest';
import { CallCoalescer, type CallCoalescerOptions, type CoalescedCall } from './call-coalescer';

function harness(options: Partial<CallCoalescerOptions> = {}) {
  const turn: (() => void)[] = [];
  const timers: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  const runs: { texts: string[]; answer: () => void }[] = [];
  const sut = new CallCoalescer(
    {
      maxTexts: 8,
      holdMs: 3,
      busyJobs: 2,
      defer: (fn) => turn.push(fn),
      after: (ms, fn) => {
        const t = { ms, fn, cancelled: false };
        timers.push(t);
        return () => (t.cancelled = true);
      },
      ...options,
    },
    (calls) =>
      new Promise<void>((resolve) => {
        runs.push({
          texts: calls.flatMap((c) => [...c.texts]),
          answer: () => {
            calls.forEach((c) => c.resolve([]));
            resolve();
          },
        });
      }),
  );
  const call = (...texts: string[]): CoalescedCall => ({
    texts,
    options: { tenant: 't1' },
    resolve: () => undefined,
    reject: () => undefined,
  });
  const endTurn = () => turn.splice(0).forEach((fn) => fn());
  const fire = () => timers.splice(0).forEach((t) => t.cancelled || t.fn());
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { sut, call, runs, timers, endTurn, fire, settle };
}

describe(CallCoalescer.name, () => {
  it('sends the calls of one turn as one job, at the end of the turn, when fewer than busyJobs jobs are unanswered', () => {
    const h = harness();
    h.sut.add(h.call('a'));
    h.sut.add(h.call('b', 'c'));
    expect(h.runs).toHaveLength(0);
    h.endTurn();
    expect(h.runs.map((r) => r.texts)).toEqual([['a', 'b', 'c']]);
    expect(h.timers).toHaveLength(0);
  });

  it('never holds a lone call: with one job unanswered (busyJobs 2) the next call goes at the end of its turn', () => {
    const h = harness();
    h.sut.add(h.call('a'));
    h.endTurn();
    h.sut.add(h.call('b'));
    h.endTurn();
    expect(h.runs.map((r) => r.texts)).toEqual([['a'], ['b']]);
    expect(h.sut.inFlight).toBe(2);
  });

  it('with busyJobs jobs unanswered a new group waits holdMs, gathering the calls of later turns into one job', async () => {
    const h = harness();
    h.sut.add(h.call('a'));
    h.endTurn();
    h.sut.add(h.call('b'));
    h.endTurn();
    h.sut.add(h.call('c'));
    h.endTurn();
    h.sut.add(h.call('d'));
    h.endTurn();
    expect(h.runs).toHaveLength(2); // c and d wait
    expect(h.timers.map((t) => t.ms)).toEqual([3]);
    h.fire();
    expect(h.runs.map((r) => r.texts)).toEqual([['a'], ['b'], ['c', 'd']]);
    // Once the jobs are answered, calls go at the end of their turn again.
    h.runs.forEach((r) => r.answer());
    await h.settle();
    expect(h.sut.inFlight).toBe(0);
    h.sut.add(h.call('e'));
    h.endTurn();
    expect(h.runs.at(-1)?.texts).toEqual(['e']);
  });

  it('sends a waiting group as soon as it is full, and its timer firing later sends nothing more', () => {
    const h = harness({ maxTexts: 4 });
    h.sut.add(h.call('a'));
    h.endTurn();
    h.sut.add(h.call('b'));
    h.endTurn();
    h.sut.add(h.call('c', 'd'));
    h.sut.add(h.call('e', 'f'));
    expect(h.runs.map((r) => r.texts)).toEqual([['a'], ['b'], ['c', 'd', 'e', 'f']]);
    h.fire();
    h.endTurn();
    expect(h.runs).toHaveLength(3);
  });

  it('never waits with holdMs 0', () => {
    const h = harness({ holdMs: 0 });
    for (const t of ['a', 'b', 'c']) {
      h.sut.add(h.call(t));
      h.endTurn();
    }
    expect(h.runs.map((r) => r.texts)).toEqual([['a'], ['b'], ['c']]);
    expect(h.timers).toHaveLength(0);
  });

  it('counts a job unanswered until its calls are settled, also when the run fails', async () => {
    const failing = new CallCoalescer({ maxTexts: 8, holdMs: 3, busyJobs: 1, defer: (fn) => fn() }, () =>
      Promise.reject(new Error('down')),
    );
    const errors: unknown[] = [];
    failing.add({ texts: ['a'], options: {}, resolve: () => undefined, reject: (e) => errors.push(e) });
    expect(failing.inFlight).toBe(1);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(failing.inFlight).toBe(0);
    expect(errors).toHaveLength(1);
  });
});
