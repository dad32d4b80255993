import { describe, expect, it } from 'vitest';
import { L1_SLOT_BYTES, l1EntryBytes, L1ResultCache } from './l1-result-cache';

const value = (n: number) => Buffer.alloc(n, 1);
/** A key built like the cache's own: namespace prefix + hash (a cons string). */
const keyOf = (i: number) => `emo:cache:goemotions-mini@f8b801c1a673:${String(i).padStart(22, 'x')}`;

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

  it('stays under maxBytes counting the up-front slots and every entry charge', () => {
    const per = l1EntryBytes('a', 1000);
    const sut = new L1ResultCache({ maxEntries: 10, maxBytes: 10 * L1_SLOT_BYTES + per * 3, ttlSeconds: 60 });
    expect(sut.slots).toBe(10);
    for (const k of 'abcdef') sut.set(k, value(1000));
    expect(sut.entries).toBe(3);
    expect(sut.bytes).toBeLessThanOrEqual(sut.options.maxBytes);
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

  it('keeps no reference to the Buffer it is given, nor to the memory that Buffer slices', () => {
    const reply = Buffer.alloc(64 * 1024, 7); // e.g. a Redis reply whose slices are the values
    const slice = reply.subarray(1000, 1128);
    const sut = new L1ResultCache({ maxEntries: 10, maxBytes: 1 << 20, ttlSeconds: 60 });
    sut.set('k', slice);
    reply.fill(9);
    const hit = sut.get('k') as Buffer;
    expect(hit.equals(Buffer.alloc(128, 7))).toBe(true);
    expect(hit.buffer).not.toBe(reply.buffer);
    expect(sut.get('k')).not.toBe(hit); // a fresh Buffer per hit: callers cannot change the entry
  });

  it('charges each entry at least the bytes of its parts, and the slot arrays from the start', () => {
    const sut = new L1ResultCache({ maxEntries: 1000, maxBytes: 1 << 20, ttlSeconds: 60 });
    // lru-cache allocates per slot at least keyList + valList (8 + 8) and next + prev (4 + 4) up front.
    expect(sut.bytes).toBeGreaterThanOrEqual(1000 * (8 + 8 + 4 + 4));
    const empty = sut.bytes;
    const key = keyOf(1);
    sut.set(key, value(128));
    const charge = sut.bytes - empty;
    const stringHeader = 16; // V8: map, hash and length before the characters
    const valueString = stringHeader + 128;
    const keyString = stringHeader + key.length;
    const mapEntry = 3 * 8; // key, value, chain of an OrderedHashMap entry
    expect(charge).toBeGreaterThanOrEqual(valueString + keyString + mapEntry);
    expect(charge).toBe(l1EntryBytes(key, 128));
    // Keys with characters beyond Latin-1 take two bytes per character.
    expect(l1EntryBytes('\u4e2d'.repeat(40), 128) - l1EntryBytes('a'.repeat(40), 128)).toBeGreaterThanOrEqual(40);
  });

  it('lowers the slot count when maxEntries slots would take over a quarter of maxBytes', () => {
    const sut = new L1ResultCache({ maxEntries: 1_000_000, maxBytes: 1 << 20, ttlSeconds: 60 });
    expect(sut.slots * L1_SLOT_BYTES).toBeLessThanOrEqual((1 << 20) / 4);
    expect(sut.bytes).toBe(sut.fixedBytes);
  });
});
