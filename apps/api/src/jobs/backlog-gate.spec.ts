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
  });
});
