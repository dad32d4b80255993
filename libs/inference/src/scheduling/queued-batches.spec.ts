// Spec of the scheduler's batches queued behind running ones (ADR 022), on a fake device with a
// queue per thread: held while only bulk work waits, taken back for an interactive text and on
// close, and never a text lost or run twice.
import fc from 'fast-check';
import { AdaptiveBudgetController } from '@emo/batching';
import { AppError } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import {
  controllerOptions,
  expectEveryTextOnceInOrder,
  firstTokens,
  markers,
  SimulatedTime,
  text,
  ThreadedRunner,
  timedCalls,
} from '../testing/scheduler-sim';
import { ContinuousBatchScheduler } from './continuous-batch-scheduler';

function setup(threads = 2, queueBehindRunning = true) {
  const time = new SimulatedTime();
  const device = new ThreadedRunner(time, threads);
  const sut = new ContinuousBatchScheduler(device, new AdaptiveBudgetController(controllerOptions({ maxTokens: 256, maxSize: 16 })), {
    padId: 0,
    bulkAgingMs: 100,
    reservedInteractiveThreads: 0,
    queueBehindRunning,
    clock: time,
    timers: time,
  });
  return { time, device, sut };
}

/** `n` bulk texts of length 8, markers 1..n. */
const bulkTexts = (n: number) => Array.from({ length: n }, (_, i) => text(i + 1, 8));

describe('ContinuousBatchScheduler with batches queued behind running ones', () => {
  it('keeps one bulk batch behind each running one while only bulk work waits', async () => {
    const { time, device, sut } = setup(2);
    const answers = sut.submit(bulkTexts(160));
    await time.runAll();
    expect(markers(await answers)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    expect(device.batches).toHaveLength(10);
    // Every batch but the last two per thread ended with the next one already on its thread.
    expect(device.heldAtFinish.filter((h) => h === 2).length).toBeGreaterThanOrEqual(10 - 2 * 2);
    expect(device.retracted).toHaveLength(0);
  });

  it('hands a thread one batch at a time when BATCH_QUEUE_BEHIND_RUNNING is off', async () => {
    const { time, device, sut } = setup(2, false);
    const answers = sut.submit(bulkTexts(160));
    await time.runAll();
    expect(markers(await answers)).toHaveLength(160);
    expect(device.heldAtFinish.every((h) => h === 1)).toBe(true);
  });

  it('takes the queued bulk batches back when an interactive text arrives, and runs it first', async () => {
    const { time, device, sut } = setup(2);
    const bulk = sut.submit(bulkTexts(160));
    await time.step(1); // the first dispatch: two batches running, two queued behind them
    expect(device.batches).toHaveLength(2);
    const interactive = sut.submit([text(999, 4)], { priority: 'interactive' });
    await time.runAll();
    expect(markers(await interactive)).toEqual([999]);
    expect(device.retracted).toHaveLength(2);
    // It ran on the first thread to free, right after the two bulk batches that were running.
    expect(firstTokens(device.batches[2])).toEqual([999]);
    const ran = device.batches.flatMap(firstTokens).filter((m) => m !== 999);
    expect(ran.sort((x, y) => x - y)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    expect(markers(await bulk)).toHaveLength(160);
  });

  it('on close, takes the queued batches back unrun and fails their texts; running batches finish', async () => {
    const { time, device, sut } = setup(2);
    const bulk = sut.submit(bulkTexts(160));
    const settled = bulk.then(
      () => 'resolved',
      (e: AppError) => e.code,
    );
    await time.step(1);
    sut.close();
    await time.runAll();
    expect(await settled).toBe('ENGINE_CLOSED');
    expect(device.retracted).toHaveLength(2);
    expect(device.batches).toHaveLength(2);
  });

  it('runs every text exactly once, with answers in input order, whatever mix of calls arrives', async () => {
    await fc.assert(
      fc.asyncProperty(timedCalls(40, 2000, 10), fc.integer({ min: 1, max: 4 }), async (calls, threads) => {
        const { time, device, sut } = setup(threads);
        await expectEveryTextOnceInOrder(time, sut, calls, () => device.batches);
      }),
      { numRuns: 50 },
    );
  });
});
