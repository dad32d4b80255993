import { describe, expect, it } from 'vitest';
import { payloadDigest } from './payload-digest';

const items = (...texts: string[]) => texts.map((text, i) => ({ id: `m${i}`, text }));

describe(payloadDigest.name, () => {
  it('is the same for the same payload', () => {
    expect(payloadDigest({ items: items('a', 'b'), priority: 'bulk' })).toBe(
      payloadDigest({ items: items('a', 'b'), priority: 'bulk', includeScores: false }),
    );
  });

  it('changes with a text, an id, the order, the count, the priority or include_scores', () => {
    const base = payloadDigest({ items: items('a', 'b'), priority: 'bulk' });
    const others = [
      payloadDigest({ items: items('a', 'c'), priority: 'bulk' }),
      payloadDigest({ items: [{ id: 'x', text: 'a' }, items('a', 'b')[1]], priority: 'bulk' }),
      payloadDigest({ items: [{ text: 'a' }, items('a', 'b')[1]], priority: 'bulk' }),
      payloadDigest({ items: items('b', 'a'), priority: 'bulk' }),
      payloadDigest({ items: items('a', 'b', 'c'), priority: 'bulk' }),
      payloadDigest({ items: items('a', 'b'), priority: 'interactive' }),
      payloadDigest({ items: items('a', 'b'), priority: 'bulk', includeScores: true }),
      payloadDigest({ items: items('a', 'b'), priority: 'bulk', taxonomy: 'ekman' }),
      payloadDigest({ items: items('a', 'b'), priority: 'bulk', taxonomy: 'sentiment' }),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('is unchanged by the default taxonomy (keys of jobs from before taxonomies still match)', () => {
    expect(payloadDigest({ items: items('a'), priority: 'bulk', taxonomy: 'goemotions' })).toBe(
      payloadDigest({ items: items('a'), priority: 'bulk' }),
    );
  });

  it('keeps texts apart whatever they hold (a separator inside a text does not merge two items)', () => {
    expect(payloadDigest({ items: [{ text: 'a\n["b"' }], priority: 'bulk' })).not.toBe(
      payloadDigest({ items: [{ text: 'a' }, { text: 'b' }], priority: 'bulk' }),
    );
  });
});
