// Test double of the engine's classify(): deterministic scores from the text, ItemErrors for
// empty texts, and a record of every call so tests can see what reached "inference". Asked for
// `scoreArray` (as the result cache asks), it answers the scores as an array as the engine does,
// unless made with `answersScoreArray` false (a classifier that ignores the option: the fleet).
import type { ClassificationResult, ItemError } from '@emo/contracts';

export const FAKE_LABELS = ['negative', 'neutral', 'positive'] as const;

export class FakeClassifier {
  readonly calls: unknown[][] = [];
  /** Resolves pending calls when set (to hold a computation in flight). */
  gate?: Promise<void>;
  failWith?: Error;

  constructor(
    readonly modelId = 'fake@rev1',
    readonly answersScoreArray = true,
  ) {}

  async classify(
    texts: readonly unknown[],
    opts: { includeScores?: boolean; scoreArray?: boolean } = {},
  ): Promise<(ClassificationResult | ItemError)[]> {
    this.calls.push([...texts]);
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return texts.map((t) => {
      if (typeof t !== 'string' || t.trim() === '') return { error: { code: 'TEXT_EMPTY', message: 'Text is empty or whitespace only' } };
      const h = [...t].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 1000, 7);
      const raw = [h % 7, (h >> 3) % 5, h % 11].map((x) => x + 1);
      const sum = raw.reduce((a, b) => a + b, 0);
      const scores = raw.map((x) => x / sum);
      const best = scores.indexOf(Math.max(...scores));
      const result: ClassificationResult = {
        labels: [{ label: FAKE_LABELS[best], score: Math.round(scores[best] * 1e6) / 1e6 }],
        model: this.modelId,
      };
      if (opts.includeScores && opts.scoreArray && this.answersScoreArray) result.scoreArray = Float32Array.from(scores);
      else if (opts.includeScores) result.scores = Object.fromEntries(FAKE_LABELS.map((l, j) => [l, Math.round(scores[j] * 1e6) / 1e6]));
      if (t.length > 100) result.truncated = true;
      return result;
    });
  }

  get textsComputed(): number {
    return this.calls.reduce((n, c) => n + c.length, 0);
  }
}

export const fakeModel = (revision = 'rev1') => ({
  name: 'fake',
  revision,
  thresholdsVersion: 'default',
  labels: FAKE_LABELS,
  precision: 'fp32',
  maxLength: 128,
});
