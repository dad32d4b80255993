import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Doorkeeper } from './doorkeeper';

describe(Doorkeeper.name, () => {
  it('refuses a key the first time and admits it every time after', () => {
    const d = new Doorkeeper(1000);
    expect(d.admit('emo:cache:m@r:aaaa')).toBe(false);
    expect(d.admit('emo:cache:m@r:aaaa')).toBe(true);
    expect(d.admit('emo:cache:m@r:aaaa')).toBe(true);
  });

  it('never refuses a key it recorded since the last clear (a Bloom filter has no false negatives)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 300 }), (keys) => {
        const d = new Doorkeeper(1000); // more than the keys: no clear in between
        keys.forEach((k) => d.admit(k));
        expect(keys.every((k) => d.admit(k))).toBe(true);
      }),
    );
  });

  it('admits few keys it never saw when full (about 1 % by construction; bounded here at 3 %)', () => {
    const capacity = 20_000;
    const d = new Doorkeeper(capacity);
    for (let i = 0; i < capacity - 1; i++) d.admit(`emo:cache:m@r:seen-${i}`);
    expect(d.resets).toBe(0);
    const probes = 20_000;
    let falsePositives = 0;
    for (let i = 0; i < probes; i++) if (d.seen(`emo:cache:m@r:never-${i}`)) falsePositives++;
    expect(falsePositives / probes).toBeLessThan(0.03);
    expect(d.seen('emo:cache:m@r:seen-0')).toBe(true);
  });

  it('keeps its memory fixed: it clears itself after `capacity` new keys, then refuses them again', () => {
    const d = new Doorkeeper(100);
    expect(d.bytes).toBe(Math.ceil(1000 / 32) * 4);
    let refused = 0;
    for (let i = 0; d.resets === 0 && i < 200; i++) if (!d.admit(`k${i}`)) refused++;
    expect(refused).toBe(100); // the 100th new key clears it (a false positive is not a new key)
    expect(d.admit('k0')).toBe(false); // forgotten by the clear: a first sighting again
    expect(d.admit('k0')).toBe(true);
    expect(d.bytes).toBe(Math.ceil(1000 / 32) * 4);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new Doorkeeper(0)).toThrow(RangeError);
    expect(() => new Doorkeeper(1.5)).toThrow(RangeError);
  });
});
