// A chunk's taxonomy reaches the worker's classifier, so the lines a worker stores are in the view
// the job asked for (the cache in front of the engine derives it from the fine result).
import { describe, expect, it } from 'vitest';
import type { ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import { ChunkProcessor } from './chunk-processor';
import type { ChunkData } from './fleet-job.types';
import type { ChunkLines } from './result-lines';
import type { ResultStore } from './result-store';

function setup() {
  const seen: ClassifyOptions[] = [];
  const stored: ChunkLines[] = [];
  const classifier = {
    async classify(texts: readonly unknown[], options: ClassifyOptions = {}): Promise<ClassifyOutcome[]> {
      seen.push(options);
      return texts.map(() => ({ labels: [{ label: options.taxonomy === 'ekman' ? 'joy' : 'gratitude', score: 0.9 }], model: 'm@1' }));
    },
  };
  const store = {
    beginChunk: async () => ({ exists: true, stored: false, cancelled: false }),
    storeChunk: async (_job: string, _chunk: number, _n: number, lines: ChunkLines) => {
      stored.push(lines);
      return 'stored' as const;
    },
  } as unknown as ResultStore;
  return { sut: new ChunkProcessor(classifier, store), seen, stored };
}

const chunk = (over: Partial<ChunkData> = {}): ChunkData => ({
  jobId: 'j1',
  tenant: 't1',
  chunk: 0,
  priority: 'bulk',
  items: [{ id: 'm1', text: 'thanks!' }],
  ...over,
});

describe('ChunkProcessor and taxonomies', () => {
  it("classifies in the chunk's taxonomy and stores those lines", async () => {
    const { sut, seen, stored } = setup();
    expect(await sut.process(chunk({ taxonomy: 'ekman' }))).toBe('stored');
    expect(seen[0].taxonomy).toBe('ekman');
    expect(JSON.parse(stored[0].payload)).toEqual({ id: 'm1', labels: [{ label: 'joy', score: 0.9 }], model: 'm@1' });
  });

  it('asks for no taxonomy (the fine labels) when the chunk carries none', async () => {
    const { sut, seen } = setup();
    await sut.process(chunk());
    expect(seen[0]).not.toHaveProperty('taxonomy');
  });
});
