import { describe, expect, it } from 'vitest';
import { keySlot } from './replication-wait';

describe('replication wait', () => {
  it('computes the hash slot as Redis Cluster does (CLUSTER KEYSLOT), hash tags included', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('emo:fleet:job:{abc}')).toBe(keySlot('abc'));
    expect(keySlot('{}x')).toBe(keySlot('{}x')); // an empty tag: the whole key
    expect(keySlot('a{}{b}')).not.toBe(keySlot('b'));
  });
});
