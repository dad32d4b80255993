// issue 15: a /v1/classify call that the tenant's backlog share or the queue (OVERLOADED) refuses
// after the rate limit took its texts gets them back (TenantQuota.refund); other failures do not.
import { AppError, type Classifier, type Tenant } from '@emo/contracts';
import type { AppConfig } from '@emo/config';
import { describe, expect, it } from 'vitest';
import { ClassifyService } from './classify.service';

const TENANT: Tenant = { id: 'acme', scopes: new Set(['classify']), limits: { textsPerSecond: 5, maxQueuedTexts: 2, weight: 1 } };

function setup(failWith: Error) {
  const quota: string[] = [];
  const classifier: Classifier = {
    async classify() {
      throw failWith;
    },
  };
  const gate = { admit: async () => undefined };
  const config = { engine: { maxTextChars: 10, longTextPolicy: 'truncate' }, api: { classifyDeadlineMs: 2000 } } as Pick<
    AppConfig,
    'engine' | 'api'
  >;
  const sut = new ClassifyService(classifier, gate, config, {
    admit: async (t, n) => void quota.push(`take ${t.id} ${n}`),
    refund: async (t, n) => void quota.push(`refund ${t.id} ${n}`),
  });
  return { sut, quota };
}

describe('ClassifyService: refunds of the rate limit', () => {
  it.each(['TENANT_BACKLOG_FULL', 'OVERLOADED'] as const)('gives the texts back when the fleet refuses the call with %s', async (code) => {
    const { sut, quota } = setup(new AppError(code, 'full'));
    await expect(sut.classify(TENANT, { texts: ['a', 'b', 'c'], includeScores: false, receivedAt: 0 })).rejects.toMatchObject({ code });
    expect(quota).toEqual(['take acme 3', 'refund acme 3']);
  });

  it('keeps them when the call failed otherwise (the texts were queued)', async () => {
    const { sut, quota } = setup(new AppError('DEADLINE_EXCEEDED'));
    await expect(sut.classify(TENANT, { texts: ['a'], includeScores: false, receivedAt: 0 })).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect(quota).toEqual(['take acme 1']);
  });
});
