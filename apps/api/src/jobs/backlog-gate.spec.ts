import { describe, expect, it } from 'vitest';
import type { QueueCounts } from '@emo/queue';
import { BacklogGate } from './backlog-gate';

const counts = (backlog: number) => ({ backlog }) as QueueCounts;

describe(BacklogGate.name, () => {
  describe('admit', () => {
    it('admits work below the limit and refuses it with OVERLOADED at the limit', async () => {
      let backlog = 9;
      let t = 0;
      const sut = new BacklogGate({ counts: async () => counts(backlog) }, 10, 7, 250, () => t);
      await expect(sut.admit('bulk')).resolves.toBeUndefined();
      backlog = 10;
      t = 300;
      await expect(sut.admit('bulk')).rejects.toMatchObject({ code: 'OVERLOADED', details: { retry_after_s: 7 } });
    });

    it('reuses a recent count instead of asking Redis again', async () => {
      let calls = 0;
      const sut = new BacklogGate({ counts: async () => (calls++, counts(0)) }, 10, 1, 250, () => 0);
      await Promise.all([sut.admit('bulk'), sut.admit('bulk'), sut.admit('bulk')]);
      expect(calls).toBe(1);
    });

    it('refuses while the texts queued on the priority are at its text limit', async () => {
      const queued = { interactive: 5, bulk: 0 };
      const source = {
        queuedTexts: async (p: 'interactive' | 'bulk') => queued[p],
        resetQueuedTexts: async () => undefined,
        drainCapacity: async () => 0,
      };
      let t = 0;
      const sut = new BacklogGate({ counts: async () => counts(1) }, 100, 2, 250, () => t, {
        source,
        limits: { interactive: 6, bulk: 1000 },
      });
      await expect(sut.admit('interactive')).resolves.toBeUndefined();
      queued.interactive = 6;
      t = 300;
      await expect(sut.admit('interactive')).rejects.toMatchObject({
        code: 'OVERLOADED',
        details: { retry_after_s: 2, queued_texts: 6, limit_texts: 6 },
      });
      await expect(sut.admit('bulk')).resolves.toBeUndefined();
    });

    it('forgets texts counted while the queue holds no chunk at all', async () => {
      let queued = 500;
      const source = { queuedTexts: async () => queued, resetQueuedTexts: async () => void (queued = 0), drainCapacity: async () => 0 };
      const sut = new BacklogGate({ counts: async () => counts(0) }, 100, 2, 250, () => 0, {
        source,
        limits: { interactive: 10, bulk: 10 },
      });
      await expect(sut.admit('interactive')).resolves.toBeUndefined();
      expect(queued).toBe(0);
    });

    it('lowers the interactive text limit to what the workers take within the share of the deadline', async () => {
      const source = { queuedTexts: async () => 30, resetQueuedTexts: async () => undefined, drainCapacity: async () => 40 };
      const sut = new BacklogGate({ counts: async () => counts(5) }, 100, 2, 250, () => 0, {
        source,
        limits: { interactive: 1000, bulk: 1000 },
        interactiveDeadline: { ms: 1000, share: 0.5 },
      });
      // 40 texts/s x 1 s x 0.5 = 20 texts may wait; 30 are queued.
      await expect(sut.admit('interactive')).rejects.toMatchObject({ code: 'OVERLOADED', details: { queued_texts: 30, limit_texts: 20 } });
      await expect(sut.admit('bulk')).resolves.toBeUndefined(); // bulk has no deadline
    });
  });
});
