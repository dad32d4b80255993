import { describe, expect, it } from 'vitest';
import { CacheNamespace, escapeGlob, normalizeText } from './cache-namespace';

const model = {
  name: 'goemotions-mini',
  revision: 'abc123',
  thresholdsVersion: 't1',
  labels: ['a', 'b'],
  precision: 'fp32',
  maxLength: 128,
};

describe(CacheNamespace.name, () => {
  describe('key', () => {
    it('puts every key of a model revision under <prefix>:cache:<name>@<revision>:', () => {
      const sut = new CacheNamespace('emo', model);
      expect(sut.key('lol')).toMatch(/^emo:cache:goemotions-mini@abc123:[A-Za-z0-9_-]{22}$/);
      expect(sut.key('lol')).toBe(new CacheNamespace('emo', model).key('lol'));
    });

    it('changes with the text, revision, precision, max length and thresholds version', () => {
      const base = new CacheNamespace('emo', model).key('thanks!');
      const variants = [
        new CacheNamespace('emo', model).key('thanks'),
        new CacheNamespace('emo', { ...model, revision: 'def456' }).key('thanks!'),
        new CacheNamespace('emo', { ...model, precision: 'int8' }).key('thanks!'),
        new CacheNamespace('emo', { ...model, maxLength: 64 }).key('thanks!'),
        new CacheNamespace('emo', { ...model, thresholdsVersion: 't2' }).key('thanks!'),
      ];
      expect(new Set([base, ...variants.map((k) => k.slice(-22))]).size).toBe(6);
      for (const k of variants) expect(k.slice(-22)).not.toBe(base.slice(-22));
    });

    it('keeps exact texts apart by default and merges whitespace/Unicode variants with nfc-trim', () => {
      const exact = new CacheNamespace('emo', model, 'exact');
      const loose = new CacheNamespace('emo', model, 'nfc-trim');
      expect(exact.key(' ok  then ')).not.toBe(exact.key('ok then'));
      expect(loose.key(' ok  then ')).toBe(loose.key('ok then'));
      expect(loose.key('caf\u0065\u0301')).toBe(loose.key('caf\u00e9'));
    });
  });

  describe('pattern', () => {
    it('matches one revision, or every revision of the model name, with glob characters escaped', () => {
      const sut = new CacheNamespace('emo', { ...model, name: 'odd*[name]' });
      expect(sut.pattern()).toBe('emo:cache:odd\\*\\[name\\]@abc123:*');
      expect(sut.pattern(true)).toBe('emo:cache:odd\\*\\[name\\]@*');
      expect(escapeGlob('a?b\\c')).toBe('a\\?b\\\\c');
    });
  });

  it('normalizeText leaves texts alone in exact mode', () => {
    expect(normalizeText('  A  b ', 'exact')).toBe('  A  b ');
  });
});
