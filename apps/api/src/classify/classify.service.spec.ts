import { AppError, type Classifier, type ClassifyOptions, type ClassifyOutcome, type Priority } from '@emo/contracts';
import type { AppConfig } from '@emo/config';
import { describe, expect, it } from 'vitest';
import { ClassifyService } from './classify.service';

/** A classifier that labels by length (empty texts fail) and records each call. */
function fakeClassifier() {
  const calls: { texts: readonly unknown[]; options?: ClassifyOptions }[] = [];
  const classifier: Classifier = {
    async classify(texts, options): Promise<ClassifyOutcome[]> {
      calls.push({ texts, options });
      return texts.map((t) =>
        typeof t === 'string' && t
          ? { labels: [{ label: t.length % 2 ? 'joy' : 'anger', score: 0.9 }], model: 'fake@1' }
          : { error: { code: 'TEXT_EMPTY', message: 'empty' } },
      );
    },
  };
  return { classifier, calls };
}

function setup(longTextPolicy: 'reject' | 'truncate' = 'truncate') {
  const { classifier, calls } = fakeClassifier();
  const asked: Priority[] = [];
  const gate = {
    refuse: false,
    async admit(priority: Priority) {
      asked.push(priority);
      if (gate.refuse)
        throw new AppError('OVERLOADED', `The ${priority} queue holds 8 texts (limit 10); retry in 3 s`, { retry_after_s: 3 });
    },
  };
  const config = { engine: { maxTextChars: 10, longTextPolicy }, api: { classifyDeadlineMs: 2000 } } as Pick<AppConfig, 'engine' | 'api'>;
  return { sut: new ClassifyService(classifier, gate, config), calls, asked, gate };
}

describe(ClassifyService.name, () => {
  describe('classify', () => {
    it('answers one outcome per text in order, on the interactive queue, by the deadline counted from arrival', async () => {
      const { sut, calls, asked } = setup();
      const results = await sut.classify({ texts: ['a', 'bb', ''], includeScores: true, receivedAt: 1_000 });
      expect(results).toEqual([
        { labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' },
        { labels: [{ label: 'anger', score: 0.9 }], model: 'fake@1' },
        { error: { code: 'TEXT_EMPTY', message: 'empty' } },
      ]);
      expect(asked).toEqual(['interactive']);
      expect(calls).toEqual([{ texts: ['a', 'bb', ''], options: { priority: 'interactive', includeScores: true, deadlineAt: 3_000 } }]);
    });

    it('refuses with 429 OVERLOADED when the gate does, without classifying', async () => {
      const { sut, calls, gate } = setup();
      gate.refuse = true;
      const refused = await sut.classify({ texts: ['a'], receivedAt: 0 }).catch((e: unknown) => e);
      expect([(refused as AppError).code, (refused as AppError).httpStatus]).toEqual(['OVERLOADED', 429]);
      expect(calls).toEqual([]);
    });

    it('refuses a text over MAX_TEXT_CHARS with TEXT_TOO_LONG under LONG_TEXT_POLICY=reject, before admission', async () => {
      const { sut, calls, asked } = setup('reject');
      await expect(sut.classify({ texts: ['ok', 'x'.repeat(11)], receivedAt: 0 })).rejects.toMatchObject({
        code: 'TEXT_TOO_LONG',
        details: { index: 1 },
      });
      expect([asked, calls]).toEqual([[], []]);
    });
  });
});
