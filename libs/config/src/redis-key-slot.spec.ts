import { describe, expect, it } from 'vitest';
import { groupBySlot, keySlot } from './redis-key-slot';

describe(keySlot.name, () => {
  it('answers what CLUSTER KEYSLOT answers (Redis documentation examples, CRC16-XMODEM check value)', () => {
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('foo{hash_tag}')).toBe(2515);
    expect(keySlot('123456789')).toBe(0x31c3);
  });

  it('hashes only the first non-empty hash tag', () => {
    expect(keySlot('a{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('x{y}{z}')).toBe(keySlot('y'));
    expect(keySlot('a{}b')).not.toBe(keySlot(''));
  });
});

describe(groupBySlot.name, () => {
  it('groups positions by slot, in first-seen order', () => {
    expect(groupBySlot(['{a}1', '{b}1', '{a}2', '{c}', '{b}2'])).toEqual([[0, 2], [1, 4], [3]]);
  });
});
