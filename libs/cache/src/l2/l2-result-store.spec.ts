import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CacheMetrics } from '../metrics/cache-metrics';
import { L2ResultStore } from './l2-result-store';

/** A Redis that answers MGET or fails it, as the test says; the clock is the test's too. */
function setup(opts: { retryMs?: number; logIntervalMs?: number } = {}) {
  const redis = { up: true, mgets: 0 };
  const fake = {
    defineCommand: () => undefined,
    mgetBuffer: (...keys: string[]) => {
      redis.mgets++;
      return redis.up ? Promise.resolve(keys.map(() => null)) : Promise.reject(new Error('connection refused'));
    },
  };
  const clock = { now: 0 };
  const lines: { level: 'warn' | 'info'; msg: string; failures: number }[] = [];
  const logger = {
    warn: (obj: { failures: number }, msg: string) => lines.push({ level: 'warn', msg, failures: obj.failures }),
    info: (obj: { failures: number }, msg: string) => lines.push({ level: 'info', msg, failures: obj.failures }),
  };
  const sut = new L2ResultStore(fake as unknown as Redis, {
    ttlSeconds: 60,
    timeoutMs: 1000,
    retryMs: opts.retryMs ?? 10,
    logIntervalMs: opts.logIntervalMs ?? 60_000,
    metrics: CacheMetrics.for(new Registry()),
    logger: logger as never,
    now: () => clock.now,
  });
  return { sut, redis, clock, lines };
}

describe(L2ResultStore.name, () => {
  describe('mget', () => {
    it('logs an outage once, then at most once per interval while it lasts, and its recovery', async () => {
      const { sut, redis, clock, lines } = setup();
      redis.up = false;
      for (clock.now = 0; clock.now < 60_000; clock.now += 10) await sut.mget(['k']);
      expect(redis.mgets).toBe(6000);
      expect(lines).toEqual([{ level: 'warn', msg: expect.stringContaining('L2 cache unavailable'), failures: 1 }]);
      await sut.mget(['k']); // clock.now = 60 000: one interval after the first line
      expect(lines.at(-1)).toEqual({ level: 'warn', msg: 'L2 cache still unavailable', failures: 6000 });
      redis.up = true;
      clock.now += 10;
      await sut.mget(['k']);
      expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'L2 cache recovered' });
      expect(lines).toHaveLength(3);
      expect(sut.state).toBe('up');
    });

    it('logs at most once per interval when L2 flaps between down and up (each trip used to log a warning and a recovery)', async () => {
      const { sut, redis, clock, lines } = setup();
      let trips = 0;
      for (clock.now = 0; clock.now < 60_000; clock.now += 20) {
        redis.up = false;
        await sut.mget(['k']);
        trips++;
        expect(sut.state).toBe('down');
        redis.up = true;
        clock.now += 10;
        await sut.mget(['k']);
        expect(sut.state).toBe('up');
      }
      expect(trips).toBe(2000);
      expect(lines).toEqual([
        { level: 'warn', msg: expect.stringContaining('L2 cache unavailable'), failures: 1 },
        { level: 'info', msg: 'L2 cache recovered', failures: 0 },
      ]);
      // One interval after the last line, the next trip is logged again, with the failures not logged since.
      redis.up = false;
      await sut.mget(['k']);
      expect(lines.at(-1)).toEqual({ level: 'warn', msg: expect.stringContaining('L2 cache unavailable'), failures: trips });
      redis.up = true;
      clock.now += 10;
      await sut.mget(['k']);
      expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'L2 cache recovered' });
      expect(lines).toHaveLength(4);
    });

    it("does not count this process's own event-loop lag as a slow Redis: a reply that arrived while the loop was blocked wins", async () => {
      // By construction, not by the clock: Redis answers 30 ms after the command (a timer standing in
      // for the socket read), while this process's loop is blocked for 60 ms. After the block, timers
      // fire in due order: a 20 ms timeout started when the command was issued would fire before the
      // reply and call an answered read a timeout. The store's clock starts only when the blocked turn
      // ends, so the reply, already due, wins.
      const replies = { sent: 0 };
      const fake = {
        defineCommand: () => undefined,
        mgetBuffer: (...keys: string[]) => {
          replies.sent++;
          return new Promise<(Buffer | null)[]>((resolve) => setTimeout(() => resolve(keys.map(() => Buffer.from('v'))), 30));
        },
      };
      const sut = new L2ResultStore(fake as unknown as Redis, {
        ttlSeconds: 60,
        timeoutMs: 20,
        retryMs: 10_000,
        logIntervalMs: 60_000,
        metrics: CacheMetrics.for(new Registry()),
      });
      const read = sut.mget(['a', 'b']);
      const blockedUntil = performance.now() + 60;
      while (performance.now() < blockedUntil); // 64 chunks' keys hashed in one turn, say
      expect(await read).toEqual([Buffer.from('v'), Buffer.from('v')]);
      expect(sut.errors).toBe(0);
      expect(sut.state).toBe('up');
      expect(replies.sent).toBe(1);
    });

    it('skips L2 for retryMs after a failure, without asking Redis', async () => {
      const { sut, redis, clock } = setup({ retryMs: 100 });
      redis.up = false;
      expect(await sut.mget(['a', 'b'])).toEqual([undefined, undefined]);
      clock.now = 99;
      expect(await sut.mget(['a', 'b'])).toEqual([undefined, undefined]);
      expect(redis.mgets).toBe(1);
      expect(sut.skipped).toBe(2);
      clock.now = 100;
      await sut.mget(['a']);
      expect(redis.mgets).toBe(2);
    });
  });
});
