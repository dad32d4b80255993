import { AppError, type Classifier, type ClassifyOptions, type ClassifyOutcome, type Priority, type Tenant } from '@emo/contracts';
import type { AppConfig } from '@emo/config';
import { JobDeadlineError } from '@emo/queue';
import { describe, expect, it } from 'vitest';
import { ClassifyService } from './classify.service';

const tenantNamed = (id: string): Tenant => ({
  id,
  scopes: new Set(['classify']),
  limits: { textsPerSecond: 0, maxQueuedTexts: 0, weight: 1 },
});
const TENANT = tenantNamed('acme');

/** A classifier that labels by length (empty texts fail) and records each call. */
function fakeClassifier() {
  const calls: { texts: readonly unknown[]; options?: ClassifyOptions }[] = [];
  const fake = { failWith: undefined as Error | undefined };
  const classifier: Classifier = {
    async classify(texts, options): Promise<ClassifyOutcome[]> {
      calls.push({ texts, options });
      if (fake.failWith) throw fake.failWith;
      return texts.map((t) =>
        typeof t === 'string' && t
          ? { labels: [{ label: t.length % 2 ? 'joy' : 'anger', score: 0.9 }], model: 'fake@1' }
          : { error: { code: 'TEXT_EMPTY', message: 'empty' } },
      );
    },
  };
  return { classifier, calls, fake };
}

function setup(longTextPolicy: 'reject' | 'truncate' = 'truncate') {
  const { classifier, calls, fake } = fakeClassifier();
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
  return { sut: new ClassifyService(classifier, gate, config), calls, asked, gate, fake };
}

describe(ClassifyService.name, () => {
  describe('classify', () => {
    it('answers one outcome per text in order, on the interactive queue, by the deadline counted from arrival', async () => {
      const { sut, calls, asked } = setup();
      const results = await sut.classify(TENANT, { texts: ['a', 'bb', ''], includeScores: true, receivedAt: 1_000 });
      expect(results).toEqual([
        { labels: [{ label: 'joy', score: 0.9 }], model: 'fake@1' },
        { labels: [{ label: 'anger', score: 0.9 }], model: 'fake@1' },
        { error: { code: 'TEXT_EMPTY', message: 'empty' } },
      ]);
      expect(asked).toEqual(['interactive']);
      expect(calls).toEqual([
        {
          texts: ['a', 'bb', ''],
          options: { priority: 'interactive', includeScores: true, deadlineAt: 3_000, tenant: 'acme', onCacheHits: expect.any(Function) },
        },
      ]);
    });

    it('refuses with 429 OVERLOADED when the gate does, without classifying', async () => {
      const { sut, calls, gate } = setup();
      gate.refuse = true;
      const refused = await sut.classify(TENANT, { texts: ['a'], receivedAt: 0 }).catch((e: unknown) => e);
      expect([(refused as AppError).code, (refused as AppError).httpStatus]).toEqual(['OVERLOADED', 429]);
      expect(calls).toEqual([]);
    });

    it('refuses a text over MAX_TEXT_CHARS with TEXT_TOO_LONG under LONG_TEXT_POLICY=reject, before admission', async () => {
      const { sut, calls, asked } = setup('reject');
      await expect(sut.classify(TENANT, { texts: ['ok', 'x'.repeat(11)], receivedAt: 0 })).rejects.toMatchObject({
        code: 'TEXT_TOO_LONG',
        details: { index: 1 },
      });
      expect([asked, calls]).toEqual([[], []]);
    });

    it("passes on a deadline of the caller's own job, naming it", async () => {
      const { sut, fake } = setup();
      fake.failWith = new JobDeadlineError('job-mine', 'acme');
      const err = (await sut.classify(TENANT, { texts: ['a'], receivedAt: 0 }).catch((e: unknown) => e)) as AppError;
      expect(err.toBody().error).toMatchObject({ code: 'DEADLINE_EXCEEDED', details: { job_id: 'job-mine' } });
    });

    it("hides the job of another tenant's call it waited on (the shared cache joined its text): 504 naming no job", async () => {
      const { sut, fake } = setup();
      fake.failWith = new JobDeadlineError('job-theirs', 'globex');
      const err = (await sut.classify(TENANT, { texts: ['a'], receivedAt: 0 }).catch((e: unknown) => e)) as AppError;
      expect([err.code, err.httpStatus]).toEqual(['DEADLINE_EXCEEDED', 504]);
      expect(JSON.stringify(err.toBody())).not.toContain('job-theirs');
    });
  });
});
