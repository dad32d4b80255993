// An interactive chunk is classified while its state is read (one Redis round trip less for a
// waiting /v1/classify call); what the state says still decides what is stored. A bulk chunk is
// classified only once its state allows it.
import { describe, expect, it } from 'vitest';
import { AppError, type ClassifyOutcome } from '@emo/contracts';
import { ChunkProcessor } from './chunk-processor';
import type { ChunkData } from './fleet-job.types';
import type { ChunkLines } from './result-lines';
import type { ChunkState, ResultStore } from './result-store';

const OK: ChunkState = { exists: true, stored: false, cancelled: false };

function setup(opts: { fail?: boolean } = {}) {
  const events: string[] = [];
  const stored: ChunkLines[] = [];
  let answer!: (state: ChunkState) => void;
  const classifier = {
    async classify(texts: readonly unknown[]): Promise<ClassifyOutcome[]> {
      events.push('classify');
      if (opts.fail) throw new AppError('INFERENCE_FAILED', 'the thread died');
      return texts.map(() => ({ labels: [{ label: 'joy', score: 0.9 }], model: 'm@1' }));
    },
  };
  const store = {
    beginChunk: () => {
      events.push('begin');
      return new Promise<ChunkState>((resolve) => (answer = resolve));
    },
    storeChunk: async (_job: string, _chunk: number, _n: number, lines: ChunkLines) => {
      stored.push(lines);
      return 'stored' as const;
    },
  } as unknown as ResultStore;
  return { sut: new ChunkProcessor(classifier, store), events, stored, answer: (s: ChunkState) => answer(s) };
}

const chunk = (priority: ChunkData['priority']): ChunkData => ({
  jobId: 'j1',
  tenant: 't1',
  chunk: 0,
  priority,
  items: [{ id: 'm1', text: 'thanks!' }],
});

describe('ChunkProcessor: an interactive chunk is classified while its state is read', () => {
  it('starts classifying an interactive chunk before its state is back, and stores its lines once it is', async () => {
    const { sut, events, stored, answer } = setup();
    const done = sut.process(chunk('interactive'));
    await Promise.resolve();
    expect(events).toEqual(['classify', 'begin']);
    answer(OK);
    expect(await done).toBe('stored');
    expect(JSON.parse(stored[0].payload)).toMatchObject({ id: 'm1', labels: [{ label: 'joy' }] });
  });

  it('classifies a bulk chunk only after its state allows it', async () => {
    const { sut, events, answer } = setup();
    const done = sut.process(chunk('bulk'));
    await Promise.resolve();
    expect(events).toEqual(['begin']);
    answer(OK);
    expect(await done).toBe('stored');
    expect(events).toEqual(['begin', 'classify']);
  });

  it('stores cancelled lines, not the early answer, for a chunk cancelled meanwhile', async () => {
    const { sut, stored, answer } = setup();
    const done = sut.process(chunk('interactive'));
    answer({ ...OK, cancelled: true });
    expect(await done).toBe('cancelled');
    expect(JSON.parse(stored[0].payload)).toMatchObject({ id: 'm1', error: { code: 'JOB_CANCELLED' } });
  });

  it('stores nothing for a chunk already stored or gone, even when its early classification failed', async () => {
    for (const [state, outcome] of [
      [{ ...OK, stored: true }, 'duplicate'],
      [{ ...OK, exists: false }, 'expired'],
    ] as const) {
      const { sut, stored, answer } = setup({ fail: true });
      const done = sut.process(chunk('interactive'));
      answer(state);
      expect(await done).toBe(outcome);
      expect(stored).toEqual([]);
    }
  });

  it('stores error lines for an early classification that failed for good', async () => {
    const { sut, stored, answer } = setup({ fail: true });
    const done = sut.process(chunk('interactive'));
    answer(OK);
    await expect(done).rejects.toThrow(/INFERENCE_FAILED/);
    expect(JSON.parse(stored[0].payload)).toMatchObject({ id: 'm1', error: { code: 'INFERENCE_FAILED' } });
  });
});
