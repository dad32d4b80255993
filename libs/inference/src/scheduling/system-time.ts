// The real clock and timers behind the batching policy's injected Clock / TimerScheduler.
import type { Clock, TimerScheduler } from '@emo/batching';

/** Epoch milliseconds with sub-millisecond resolution (batches can take well under 1 ms). */
export const systemClock: Clock = { now: () => performance.timeOrigin + performance.now() };

export const systemTimers: TimerScheduler = {
  schedule(delayMs, fn) {
    if (delayMs <= 0) {
      const immediate = setImmediate(fn);
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(fn, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
