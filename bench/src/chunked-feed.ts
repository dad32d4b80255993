// A list of texts fed to a classifier as a worker takes a job's chunks: `size` texts a bulk call,
// `concurrency` calls in flight, each lane taking the next chunk when its call answers.
import type { Classifier } from '@emo/contracts';

export async function classifyInChunks(
  classifier: Pick<Classifier, 'classify'>,
  texts: readonly string[],
  size: number,
  concurrency: number,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < texts.length) {
      const start = next;
      next += size;
      await classifier.classify(texts.slice(start, start + size), { priority: 'bulk' });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
