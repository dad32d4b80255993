import { describe, expect, it } from 'vitest';
import { ApiMetrics } from './api-metrics';
import { OTHER_TENANTS, TenantLabels } from './tenant-labels';

describe(TenantLabels.name, () => {
  describe('of', () => {
    it('gives the first `max` tenants their own label and every later one "other", for good', () => {
      const sut = new TenantLabels(2);
      expect(['a', 'b', 'c', 'a', 'd', 'b', 'c'].map((t) => sut.of(t))).toEqual([
        'a',
        'b',
        OTHER_TENANTS,
        'a',
        OTHER_TENANTS,
        'b',
        OTHER_TENANTS,
      ]);
    });

    it('with max 0 counts every tenant as "other"', () => {
      expect(new TenantLabels(0).of('a')).toBe(OTHER_TENANTS);
    });
  });
});

describe(ApiMetrics.name, () => {
  const queues = { allCounts: () => Promise.reject(new Error('not in this test')) };

  it('exports texts and 429s per tenant with at most TENANT_METRICS_MAX_TENANTS + 1 label values', async () => {
    const sut = new ApiMetrics(queues, undefined, { tenantMetricsMaxTenants: 3 });
    for (let i = 0; i < 1000; i++) {
      sut.tenantAdmitted(`tenant-${i}`, 2);
      sut.tenantRefused(`tenant-${i}`, 'RATE_LIMITED');
    }
    const texts = await sut.registry.getSingleMetric('emo_tenant_texts_total')!.get();
    expect(Object.fromEntries(texts.values.map((v) => [v.labels.tenant, v.value]))).toEqual({
      'tenant-0': 2,
      'tenant-1': 2,
      'tenant-2': 2,
      other: 2 * 997,
    });
    const refused = await sut.registry.getSingleMetric('emo_tenant_refused_total')!.get();
    expect(refused.values).toHaveLength(4);
    expect(refused.values.find((v) => v.labels.tenant === 'other')).toMatchObject({ value: 997, labels: { code: 'RATE_LIMITED' } });
  });
});
