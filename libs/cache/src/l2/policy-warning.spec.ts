import { describe, expect, it } from 'vitest';
import type { EvictionPolicyCheck } from './eviction-policy-check';
import { PolicyWarning } from './policy-warning';

const shared: EvictionPolicyCheck = {
  policy: 'noeviction',
  maxmemoryBytes: 0,
  verdict: 'shared-noeviction',
  advice: 'use CACHE_REDIS_URL',
};
const recorder = () => {
  const lines: string[] = [];
  return { lines, logger: { warn: (_fields: object, msg: string) => lines.push(msg) } as never };
};

describe(PolicyWarning.name, () => {
  it('warns once per process however many caches open on the same Redis (emo serve all opens two)', () => {
    const sut = new PolicyWarning();
    const { lines, logger } = recorder();
    expect(sut.warn(shared, logger, true)).toBe(true);
    expect(sut.warn(shared, logger, true)).toBe(false);
    expect(lines).toEqual(['result cache: use CACHE_REDIS_URL (CACHE_POLICY_WARNING=false silences this warning)']);
  });

  it('says nothing when silenced (CACHE_POLICY_WARNING=false), and still warns later when it is not', () => {
    const sut = new PolicyWarning();
    const { lines, logger } = recorder();
    expect(sut.warn(shared, logger, false)).toBe(false);
    expect(lines).toEqual([]);
    expect(sut.warn(shared, logger, true)).toBe(true);
  });

  it('says nothing when the policy is right, even with a note about maxmemory', () => {
    const sut = new PolicyWarning();
    const { lines, logger } = recorder();
    sut.warn({ policy: 'allkeys-lfu', maxmemoryBytes: 0, verdict: 'ok', advice: 'maxmemory is 0 (unbounded)' }, logger, true);
    expect(lines).toEqual([]);
  });

  it('warns again for another verdict (the policy changed under a running process)', () => {
    const sut = new PolicyWarning();
    const { lines, logger } = recorder();
    sut.warn(shared, logger, true);
    sut.warn({ policy: 'allkeys-lru', verdict: 'not-lfu', advice: 'set allkeys-lfu' }, logger, true);
    expect(lines).toHaveLength(2);
  });
});
