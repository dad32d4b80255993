import { describe, expect, it } from 'vitest';
import { L1_ENTRY_OVERHEAD_BYTES, L1ResultCache } from './l1-result-cache';

const value = (n: number) => Buffer.alloc(n, 1);

describe(L1ResultCache.name, () => {
  it('evicts the least recently used entry beyond maxEntries and counts it', () => {
    const sut = new L1ResultCache({ maxEntries: 2, maxBytes: 1 << 20, ttlSeconds: 60 });
    sut.set('a', value(10));
    sut.set('b', value(10));
    sut.get('a');
    sut.set('c', value(10));
    expect(sut.get('b')).toBeUndefined();
    expect(sut.get('a')).toBeDefined();
    expect(sut.entries).toBe(2);
    expect(sut.evictions).toBe(1);
  });

  it('stays under maxBytes counting value, key and overhead', () => {
    const per = 100 + 2 * 1 + L1_ENTRY_OVERHEAD_BYTES;
    const sut = new L1ResultCache({ maxEntries: 1000, maxBytes: per * 3, ttlSeconds: 60 });
    for (const k of 'abcdef') sut.set(k, value(100));
    expect(sut.entries).toBe(3);
    expect(sut.bytes).toBeLessThanOrEqual(per * 3);
    expect(sut.get('a')).toBeUndefined();
    expect(sut.get('f')).toBeDefined();
  });

  it('expires entries after the TTL', () => {
    let now = 1000;
    const sut = new L1ResultCache({ maxEntries: 10, maxBytes: 1 << 20, ttlSeconds: 5, clock: { now: () => now } });
    sut.set('a', value(4));
    now += 4000;
    expect(sut.get('a')).toBeDefined();
    now += 1500;
    expect(sut.get('a')).toBeUndefined();
  });
});
