import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODEC_VERSION, ResultCodec } from './result-codec';

const labels = Array.from({ length: 28 }, (_, i) => `label${i}`);
const scores = Object.fromEntries(labels.map((l, i) => [l, Math.round((((i * 37) % 100) / 100 + 0.001234) * 1e6) / 1e6]));
const result = {
  labels: [
    { label: 'label11', score: scores.label11 },
    { label: 'label19', score: scores.label19 },
  ],
  scores,
  model: 'm@r',
};

describe(ResultCodec.name, () => {
  const sut = new ResultCodec({ labels, modelId: 'm@r' });

  describe('encode/decode', () => {
    it('round-trips labels in order and every score exactly (float32, 6 decimals)', () => {
      const value = sut.encode(result)!;
      expect(value[0]).toBe(CODEC_VERSION);
      expect(value.length).toBe(4 + 2 + 2 * 2 + 4 * 28 + 4);
      expect(sut.decode(value, true)).toEqual(result);
    });

    it('round-trips every score within 1/65535 in half the bytes with uint16 scores', () => {
      const q16 = new ResultCodec({ labels, modelId: 'm@r', scoreEncoding: 'uint16' });
      const value = q16.encode(result)!;
      expect(value.length).toBe(4 + 2 + 2 * 2 + 2 * 28 + 4);
      const back = q16.decode(value, true)!;
      expect(sut.decode(value, true)).toEqual(back);
      expect(back.model).toBe('m@r');
      expect(back.labels.map((l) => l.label)).toEqual(['label11', 'label19']);
      for (const l of labels) expect(Math.abs(back.scores![l] - scores[l])).toBeLessThanOrEqual(0.5 / 65535 + 1e-6);
      expect(back.truncated).toBeUndefined();
    });

    it('encodes a result carrying its scores as an array (the engine, asked by the cache) to the bytes of its rounded map (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 28, maxLength: 28 }), (raw) => {
          const scoreArray = Float32Array.from(raw);
          const map = Object.fromEntries(labels.map((l, j) => [l, Math.round(scoreArray[j] * 1e6) / 1e6]));
          const top = [{ label: 'label3', score: map.label3 }];
          const fromArray = sut.encode({ labels: top, scoreArray, model: 'm@r' })!;
          expect(fromArray).toEqual(sut.encode({ labels: top, scores: map, model: 'm@r' }));
          expect(sut.decode(fromArray, true)?.scores).toEqual(map);
        }),
      );
      expect(sut.encode({ labels: [], scoreArray: new Float32Array(27), model: 'm@r' })).toBeUndefined(); // not this model's labels
    });

    it('reproduces any 6-decimal score in [0, 1] exactly (property)', () => {
      const three = new ResultCodec({ labels: ['a', 'b', 'c'], modelId: 'm@r' });
      const score = fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1e6);
      fc.assert(
        fc.property(score, score, score, (a, b, c) => {
          const r = { labels: [{ label: 'b', score: b }], scores: { a, b, c }, model: 'm@r' };
          expect(three.decode(three.encode(r)!, true)).toEqual(r);
        }),
      );
    });

    it('omits the score map unless asked and keeps the truncated flag', () => {
      const back = sut.decode(sut.encode({ ...result, truncated: true })!, false)!;
      expect(back.scores).toBeUndefined();
      expect(back.truncated).toBe(true);
    });

    it('does not encode a result without the full score map or with an unknown label', () => {
      expect(sut.encode({ labels: result.labels, model: 'm@r' })).toBeUndefined();
      expect(sut.encode({ ...result, labels: [{ label: 'nope', score: 0.9 }] })).toBeUndefined();
    });

    it('compresses when asked and it saves bytes, and still decodes', () => {
      const many = Array.from({ length: 400 }, (_, i) => `l${i}`);
      const flat = { labels: [], scores: Object.fromEntries(many.map((l) => [l, 0.01])), model: 'm@r' };
      const plain = new ResultCodec({ labels: many, modelId: 'm@r' }).encode(flat)!;
      const packedCodec = new ResultCodec({ labels: many, modelId: 'm@r', compression: 'deflate', compressMinBytes: 64 });
      const packed = packedCodec.encode(flat)!;
      expect(packed.length).toBeLessThan(plain.length / 4);
      expect(packedCodec.decode(packed, true)!.scores!.l399).toBeCloseTo(0.01, 4);
      expect(packedCodec.decode(plain, true)!.scores!.l7).toBeCloseTo(0.01, 4);
    });
  });

  describe('decode of foreign or corrupt values', () => {
    const good = sut.encode(result)!;
    const cases: [string, Buffer][] = [
      ['JSON written by someone else', Buffer.from(JSON.stringify(result))],
      ['empty', Buffer.alloc(0)],
      [
        'one flipped bit',
        (() => {
          const b = Buffer.from(good);
          b[20] ^= 4;
          return b;
        })(),
      ],
      ['truncated', good.subarray(0, good.length - 3)],
      [
        'another format version',
        (() => {
          const b = Buffer.from(good);
          b[0] = 0xc2;
          return b;
        })(),
      ],
      [
        'another label count',
        new ResultCodec({ labels: labels.slice(0, 27), modelId: 'x' }).encode({
          labels: [],
          scores: Object.fromEntries(labels.slice(0, 27).map((l) => [l, 0.5])),
          model: 'x',
        })!,
      ],
    ];
    it.each(cases)('treats %s as a miss', (_name, value) => {
      expect(sut.decode(value, true)).toBeUndefined();
    });
  });
});
