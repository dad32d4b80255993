import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchBudgets, Priority } from './batch-types';
import { PendingQueue } from './pending-queue';

const budgets = (maxTokens: number, maxSize: number, urgent = { maxTokens, maxSize }): BatchBudgets => ({
  urgent,
  bulk: { maxTokens, maxSize },
});
const push = (sut: PendingQueue<number>, length: number, priority: Priority, now: number, deadlineAt?: number) =>
  sut.push({ length, priority, deadlineAt, payload: length }, now);

describe(PendingQueue.name, () => {
  describe('nextBatch', () => {
    it('keeps the padded cost (texts x longest) within the token budget and the size limit', () => {
      const sut = new PendingQueue<number>({ bulkAgingMs: 1000 });
      for (let i = 0; i < 40; i++) push(sut, 10, 'bulk', 0);
      const batch = sut.nextBatch(budgets(100, 64), 0);
      expect(batch?.items).toHaveLength(10);
      expect(batch?.paddedTokens).toBe(100);
      expect(sut.nextBatch(budgets(1000, 4), 0)?.items).toHaveLength(4);
      expect(sut.size).toBe(26);
    });

    it('puts texts of similar length together instead of padding short ones to long ones', () => {
      const sut = new PendingQueue<number>({ bulkAgingMs: 1000 });
      [5, 50, 6, 48, 5, 52, 7, 49].forEach((len) => push(sut, len, 'bulk', 0));
      const first = sut.nextBatch(budgets(40, 64), 0);
      expect(first?.items.map((i) => i.length).sort((a, b) => a - b)).toEqual([5, 5, 6, 7]);
      const second = sut.nextBatch(budgets(400, 64), 0);
      expect(second?.items.map((i) => i.length).sort((a, b) => a - b)).toEqual([48, 49, 50, 52]);
    });

    it('serves interactive texts before older bulk ones, under the urgent budget', () => {
      const sut = new PendingQueue<number>({ bulkAgingMs: 1000 });
      for (let i = 0; i < 10; i++) push(sut, 10, 'bulk', 0);
      push(sut, 30, 'interactive', 5);
      const batch = sut.nextBatch(budgets(1000, 64, { maxTokens: 60, maxSize: 64 }), 10);
      expect(batch?.urgent).toBe(true);
      expect(batch?.items[0].priority).toBe('interactive');
      expect(batch?.paddedTokens).toBeLessThanOrEqual(60);
      // bulk texts no longer than the interactive one ride along in the budget left
      expect(batch?.items).toHaveLength(2);
    });

    it('lets bulk lead a batch when it has not for the aging time, then goes back to interactive first', () => {
      const sut = new PendingQueue<number>({ bulkAgingMs: 100 });
      push(sut, 50, 'bulk', 0);
      push(sut, 50, 'bulk', 0);
      push(sut, 10, 'interactive', 50);
      expect(sut.nextBatch(budgets(50, 1), 50)?.items[0].priority).toBe('interactive');
      push(sut, 10, 'interactive', 150);
      push(sut, 10, 'interactive', 150);
      expect(sut.nextBatch(budgets(50, 1), 150)?.items[0].priority).toBe('bulk');
      // bulk just led: interactive first again until another aging period passes
      expect(sut.nextBatch(budgets(50, 1), 160)?.items[0].priority).toBe('interactive');
      expect(sut.nextBatch(budgets(50, 1), 249)?.items[0].priority).toBe('interactive');
      push(sut, 10, 'interactive', 250);
      expect(sut.nextBatch(budgets(50, 1), 250)?.items[0].priority).toBe('bulk');
    });

    it('keeps interactive first however long a bulk backlog has been waiting, while bulk keeps leading now and then', () => {
      const sut = new PendingQueue<number>({ bulkAgingMs: 100 });
      for (let i = 0; i < 100; i++) push(sut, 10, 'bulk', 0);
      expect(sut.nextBatch(budgets(40, 64), 1000)?.items[0].priority).toBe('bulk'); // nothing interactive waits
      push(sut, 10, 'interactive', 1001);
      expect(sut.nextBatch(budgets(40, 64), 1001)?.items[0].priority).toBe('interactive');
    });

    it('sends a text longer than the budget alone rather than never', () => {
      const sut = new PendingQueue<number>({ bulkAgingMs: 100 });
      push(sut, 500, 'bulk', 0);
      push(sut, 400, 'bulk', 0);
      expect(sut.nextBatch(budgets(100, 8), 0)?.items).toHaveLength(1);
      expect(sut.nextBatch(budgets(100, 8), 0)?.items).toHaveLength(1);
      expect(sut.nextBatch(budgets(100, 8), 0)).toBeUndefined();
    });
  });

  describe('fair share between tenants', () => {
    const pushTenant = (sut: PendingQueue<string>, tenant: string, count: number, length = 10, weight = 1) => {
      for (let i = 0; i < count; i++) sut.push({ length, priority: 'bulk', share: { tenant, weight }, payload: tenant }, 0);
    };
    const tenantsOf = (batch: ReturnType<PendingQueue<string>['nextBatch']>) => [...new Set(batch?.items.map((i) => i.payload))];

    it('builds each bulk batch from the texts of the tenant whose turn it is, alternating tenants of equal weight', () => {
      const sut = new PendingQueue<string>({ bulkAgingMs: 1000 });
      pushTenant(sut, 'a', 40);
      pushTenant(sut, 'b', 8);
      const order = Array.from({ length: 5 }, () => sut.nextBatch(budgets(40, 64), 0)).map(tenantsOf);
      expect(order).toEqual([['a'], ['b'], ['a'], ['b'], ['a']]);
    });

    it('serves a tenant whose texts arrive behind a deep backlog in the next batch, not after the backlog', () => {
      const sut = new PendingQueue<string>({ bulkAgingMs: 1000 });
      pushTenant(sut, 'a', 1000);
      expect(tenantsOf(sut.nextBatch(budgets(40, 64), 0))).toEqual(['a']);
      pushTenant(sut, 'b', 10);
      // b starts level with a (a tie, which goes to the older text): one batch each, then b again.
      const next = [0, 1, 2, 3].map(() => tenantsOf(sut.nextBatch(budgets(40, 64), 0)));
      expect(next).toEqual([['a'], ['b'], ['a'], ['b']]);
    });

    it('fills what budget the leading tenant leaves with other texts, so no capacity is lost', () => {
      const sut = new PendingQueue<string>({ bulkAgingMs: 1000 });
      pushTenant(sut, 'a', 10);
      pushTenant(sut, 'b', 1);
      sut.nextBatch(budgets(40, 64), 0); // a's turn
      const batch = sut.nextBatch(budgets(40, 64), 0);
      expect(batch?.items.map((i) => i.payload)).toEqual(['b', 'a', 'a', 'a']);
    });
  });

  describe('restore', () => {
    it('puts taken texts back in their original rank', () => {
      const sut = new PendingQueue<number>({ bulkAgingMs: 1000 });
      for (let i = 0; i < 6; i++) push(sut, 10, 'bulk', i);
      const first = sut.nextBatch(budgets(30, 64), 10) as NonNullable<ReturnType<typeof sut.nextBatch>>;
      expect(first.items.map((i) => i.seq)).toEqual([0, 1, 2]);
      sut.restore(first.items);
      expect(sut.size).toBe(6);
      expect(sut.nextBatch(budgets(30, 64), 10)?.items.map((i) => i.seq)).toEqual([0, 1, 2]);
      expect(sut.nextBatch(budgets(30, 64), 10)?.items.map((i) => i.seq)).toEqual([3, 4, 5]);
    });
  });

  describe('expire', () => {
    it('removes texts that cannot finish before their deadline, and only those', () => {
      const sut = new PendingQueue<number>({ bulkAgingMs: 100 });
      push(sut, 10, 'interactive', 0, 50);
      push(sut, 10, 'interactive', 0, 500);
      push(sut, 10, 'bulk', 0);
      const expired = sut.expire(30, () => 25);
      expect(expired.map((i) => i.deadlineAt)).toEqual([50]);
      expect(sut.size).toBe(2);
      expect(sut.earliestDeadline()).toBe(500);
    });
  });

  describe('properties', () => {
    const itemArb = fc.record({
      length: fc.integer({ min: 1, max: 128 }),
      priority: fc.constantFrom<Priority>('interactive', 'bulk'),
      at: fc.integer({ min: 0, max: 2000 }),
    });

    it('takes every text exactly once, within budget (or alone), head first', () => {
      fc.assert(
        fc.property(
          fc.array(itemArb, { minLength: 1, maxLength: 300 }),
          fc.integer({ min: 16, max: 4096 }),
          fc.integer({ min: 1, max: 64 }),
          fc.integer({ min: 0, max: 500 }),
          (items, maxTokens, maxSize, aging) => {
            const sut = new PendingQueue<number>({ bulkAgingMs: aging });
            const sorted = items.map((it, id) => ({ ...it, id })).sort((a, b) => a.at - b.at);
            const seen = new Set<number>();
            let now = 0;
            let next = 0;
            const b = budgets(maxTokens, maxSize, { maxTokens: Math.max(16, maxTokens >> 1), maxSize });
            while (next < sorted.length || sut.size > 0) {
              while (next < sorted.length && sorted[next].at <= now) {
                const it = sorted[next++];
                sut.push({ length: it.length, priority: it.priority, payload: it.id }, now);
              }
              const batch = sut.nextBatch(b, now);
              if (batch) {
                const limit = batch.urgent ? b.urgent : b.bulk;
                expect(batch.items.length).toBeLessThanOrEqual(limit.maxSize);
                if (batch.items.length > 1) expect(batch.paddedTokens).toBeLessThanOrEqual(limit.maxTokens);
                expect(batch.longest).toBe(Math.max(...batch.items.map((i) => i.length)));
                for (const item of batch.items) {
                  expect(seen.has(item.payload)).toBe(false);
                  seen.add(item.payload);
                }
              }
              now += 7;
            }
            expect(seen.size).toBe(items.length);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('never starves bulk: interactive leads unless bulk went the aging time without leading, and all bulk is served within a bound', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
          fc.integer({ min: 10, max: 300 }),
          fc.integer({ min: 1, max: 8 }),
          (bulkLengths, aging, perTick) => {
            // Interactive texts keep arriving faster than one batch per tick can serve them.
            const sut = new PendingQueue<string>({ bulkAgingMs: aging });
            bulkLengths.forEach((len, i) => sut.push({ length: len, priority: 'bulk', payload: `b${i}` }, 0));
            let servedBulk = 0;
            let lastBulkLed = 0;
            let k = 0;
            let now = 0;
            for (; servedBulk < bulkLengths.length; now += 5) {
              for (let j = 0; j < perTick + 1; j++) sut.push({ length: 8, priority: 'interactive', payload: `i${k++}` }, now);
              const batch = sut.nextBatch(budgets(64, perTick), now);
              if (!batch) continue;
              const ledByBulk = batch.items[0].priority === 'bulk';
              expect(ledByBulk).toBe(now - lastBulkLed >= aging);
              if (ledByBulk) lastBulkLed = now;
              servedBulk += batch.items.filter((i) => i.priority === 'bulk').length;
            }
            expect(now).toBeLessThanOrEqual(bulkLengths.length * (aging + 5) + 5);
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});
