import { AppError } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { FleetClassifier } from './fleet-classifier';
import type { ClassifyOutcome } from '@emo/contracts';
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
  describe('coalescing (calls of one event-loop turn share a job)', () => {
    /** A producer that records submits; the listener's finish message pushes `lines(texts)`. */
    function fleet(opts: { push?: boolean } = {}) {
      const requests: SubmitRequest[] = [];
      let pushed: string | undefined;
      const listener = {
        inbox: 'inbox-1',
        watch: () => ({
          wait: async (ms: number) =>
            opts.push === false ? (await new Promise((r) => setTimeout(r, Math.min(ms, 20))), false) : { lines: pushed },
          cancel: () => undefined,
        }),
      };
      const producer = {
        async submit(req: SubmitRequest) {
          requests.push(req);
          pushed = req.items.map((i) => JSON.stringify({ labels: [{ label: i.text, score: 1 }], model: 'm@1' })).join('\n');
          req.beforeEnqueue?.(`j${requests.length}`);
          return { jobId: `j${requests.length}`, created: true };
        },
      };
      const unfinished = { requireRecord: async () => ({ id: 'j1', kind: 'job' }) as JobRecord, readLines: store.readLines };
      return { requests, sut: new FleetClassifier(producer, unfinished, listener, 1000, { coalesceMaxTexts: 5 }) };
    }
    const labelsOf = (outcomes: ClassifyOutcome[]) => outcomes.map((o) => (o as { labels: { label: string }[] }).labels[0].label);

    it('sends the calls of one turn for one tenant as one job, and gives each call its own slice in order', async () => {
      const { requests, sut } = fleet();
      const answers = await Promise.all([sut.classify(['a', 'b'], { tenant: 't1' }), sut.classify(['c'], { tenant: 't1' })]);
      expect(requests.map((r) => r.items.map((i) => i.text))).toEqual([['a', 'b', 'c']]);
      expect(answers.map(labelsOf)).toEqual([['a', 'b'], ['c']]);
    });

    it('never mixes tenants or flags, and starts a new job past the most texts', async () => {
      const { requests, sut } = fleet();
      await Promise.all([
        sut.classify(['a'], { tenant: 't1' }),
        sut.classify(['b'], { tenant: 't2' }),
        sut.classify(['c'], { tenant: 't1', includeScores: true }),
        sut.classify(['d', 'e', 'f', 'g', 'h'], { tenant: 't1' }),
      ]);
      expect(requests.map((r) => [r.tenant, r.includeScores ?? false, r.items.map((i) => i.text).join('')]).sort()).toEqual([
        ['t1', false, 'a'],
        ['t1', false, 'defgh'],
        ['t1', true, 'c'],
        ['t2', false, 'b'],
      ]);
    });

    it('never puts calls of different taxonomies in one job, and carries each job its taxonomy', async () => {
      const { requests, sut } = fleet();
      await Promise.all([
        sut.classify(['a'], { tenant: 't1' }),
        sut.classify(['b'], { tenant: 't1', taxonomy: 'ekman' }),
        sut.classify(['c'], { tenant: 't1', taxonomy: 'sentiment' }),
        sut.classify(['d'], { tenant: 't1', taxonomy: 'goemotions' }),
        sut.classify(['e'], { tenant: 't1', taxonomy: 'ekman' }),
      ]);
      expect(requests.map((r) => [r.taxonomy ?? 'goemotions', r.items.map((i) => i.text).join('')]).sort()).toEqual([
        ['ekman', 'be'],
        ['goemotions', 'ad'],
        ['sentiment', 'c'],
      ]);
    });

    it('answers a call alone on the plain path (no company needed)', async () => {
      const { requests, sut } = fleet();
      expect(labelsOf(await sut.classify(['solo'], { tenant: 't1' }))).toEqual(['solo']);
      expect(requests).toHaveLength(1);
    });

    it('fails each call of a shared job at its own deadline with the job id, its offset and count', async () => {
      const { sut } = fleet({ push: false });
      const now = Date.now();
      const errors = await Promise.all([
        sut.classify(['a', 'b'], { tenant: 't1', deadlineAt: now + 5 }).catch((e: unknown) => e),
        sut.classify(['c'], { tenant: 't1', deadlineAt: now + 10 }).catch((e: unknown) => e),
      ]);
      expect(errors.map((e) => [(e as AppError).code, (e as AppError).details])).toEqual([
        ['DEADLINE_EXCEEDED', { job_id: 'j1', offset: 0, count: 2 }],
        ['DEADLINE_EXCEEDED', { job_id: 'j1', offset: 2, count: 1 }],
      ]);
    });
  });
});
