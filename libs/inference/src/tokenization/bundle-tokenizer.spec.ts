import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BundleTokenizer } from './bundle-tokenizer';

const ROBERTA = resolve(inject('sharedDir'), 'tokenizers/roberta-base');
const TINY = resolve(__dirname, '../../../../test/fixtures/models/tiny-softmax');
const load = (dir: string) => ({
  tokenizerJson: JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')) as Record<string, unknown>,
  tokenizerConfig: existsSync(`${dir}/tokenizer_config.json`)
    ? (JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')) as Record<string, unknown>)
    : {},
});

describe(BundleTokenizer.name, () => {
  // ../shared: skips only where it is missing and REQUIRE_SHARED is not set (CI sets it: the run fails there)
  describe.skipIf(!inject('sharedAvailable'))('with the RoBERTa BPE tokenizer', () => {
    let sut: BundleTokenizer; // loaded in beforeAll: a skipped suite's body still runs at collection
    beforeAll(() => {
      sut = new BundleTokenizer(load(ROBERTA), 16);
    });

    it('adds <s> … </s> and keeps them when truncating', () => {
      const short = sut.encode('thanks so much');
      expect(short.truncated).toBe(false);
      expect(short.ids[0]).toBe(0);
      expect(short.ids[short.ids.length - 1]).toBe(2);
      const long = sut.encode('word '.repeat(100));
      expect(long.truncated).toBe(true);
      expect(long.ids.length).toBe(16);
      expect(long.ids[0]).toBe(0);
      expect(long.ids[15]).toBe(2);
      expect(sut.padId).toBe(1);
    });

    it('flags a 1 MB text as truncated without tokenizing all of it', () => {
      const r = sut.encode('a '.repeat(500_000));
      expect(r.truncated).toBe(true);
      expect(r.ids.length).toBe(16);
    });
  });

  it('never returns an empty sequence', () => {
    const sut = new BundleTokenizer(load(TINY), 8);
    expect(sut.encode('   ').ids.length).toBeGreaterThan(0);
  });
});
