import { AppError } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { FleetClassifier } from './fleet-classifier';
import type { SubmitRequest } from './job-producer';
import type { JobRecord } from './job-record';

/** Counts the finish watches taken and not given back; `pushed`: the lines the finish message brings (none: id only). */
class CountingListener {
  open = 0;
  readonly inbox = 'emo:fleet:finished:inbox-1';
  constructor(private readonly pushed?: string) {}
  watch() {
    this.open++;
    let cancelled = false;
    const cancel = () => {
      if (!cancelled) this.open--;
      cancelled = true;
    };
    return { wait: async () => (cancel(), this.pushed === undefined ? {} : { lines: this.pushed }), cancel };
  }
}

const record = { id: 'j1', kind: 'job', finishedAt: 2 } as JobRecord;
const store = {
  requireRecord: async () => record,
  async *readLines() {
    yield JSON.stringify({ labels: [], model: 'm@1' });
  },
};

describe(FleetClassifier.name, () => {
  describe('classify', () => {
    it('gives its finish watch back when submit fails after the watch was taken', async () => {
      const listener = new CountingListener();
      const producer = {
        async submit(req: SubmitRequest): Promise<never> {
          req.beforeEnqueue?.('j1');
          throw new AppError('QUEUE_UNAVAILABLE');
        },
      };
      const sut = new FleetClassifier(producer, store, listener, 1000);
      await expect(sut.classify(['a'])).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
      expect(listener.open).toBe(0);
    });

    it('asks the producer to queue one chunk carrying the caller flags, and reads the answer once finished', async () => {
      const listener = new CountingListener();
      const requests: SubmitRequest[] = [];
      const producer = {
        async submit(req: SubmitRequest) {
          requests.push(req);
          req.beforeEnqueue?.('j1');
          return { jobId: 'j1', created: true };
        },
      };
      const sut = new FleetClassifier(producer, store, listener, 1000);
      expect(await sut.classify(['a', 'b'], { cacheChecked: true, includeScores: true })).toEqual([{ labels: [], model: 'm@1' }]);
      expect(requests[0]).toMatchObject({
        items: [{ text: 'a' }, { text: 'b' }],
        priority: 'interactive',
        chunkSize: 2,
        cacheChecked: true,
        includeScores: true,
        pushChannel: listener.inbox,
      });
      expect(listener.open).toBe(0);
    });

    it('answers from the lines the finish message pushed, without reading the store', async () => {
      const listener = new CountingListener(
        `${JSON.stringify({ labels: [], model: 'm@2' })}\n${JSON.stringify({ error: { code: 'TEXT_EMPTY' } })}`,
      );
      const producer = {
        async submit(req: SubmitRequest) {
          req.beforeEnqueue?.('j1');
          return { jobId: 'j1', created: true };
        },
      };
      const untouched = {
        requireRecord: () => Promise.reject(new Error('read the record')),
        readLines: () => {
          throw new Error('read the lines');
        },
      };
      const sut = new FleetClassifier(producer, untouched, listener, 1000);
      expect(await sut.classify(['a', ''])).toEqual([{ labels: [], model: 'm@2' }, { error: { code: 'TEXT_EMPTY' } }]);
    });
  });
});
