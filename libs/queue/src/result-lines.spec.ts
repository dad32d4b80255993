import { AppError } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { cancelledLines, errorLines, outcomeLines, splitPayload } from './result-lines';

const result = (label: string) => ({ labels: [{ label, score: 0.9 }], model: 'm@1' });

describe('result lines', () => {
  describe(outcomeLines.name, () => {
    it('gives one line per item in input order, with the item id, and counts item errors', () => {
      const items = [{ id: 'a', text: 'x' }, { text: 'y' }, { id: 'c', text: ' ' }];
      const sut = outcomeLines(items, [result('joy'), result('anger'), { error: { code: 'TEXT_EMPTY', message: 'empty' } }]);
      const lines = splitPayload(sut.payload).map((l) => JSON.parse(l));
      expect(lines).toEqual([{ id: 'a', ...result('joy') }, result('anger'), { id: 'c', error: { code: 'TEXT_EMPTY', message: 'empty' } }]);
      expect(sut.failed).toBe(1);
      expect(sut.cancelled).toBe(0);
    });

    it('refuses outcomes that do not match the items one to one', () => {
      expect(() => outcomeLines([{ text: 'x' }], [])).toThrow(AppError);
    });

    it('keeps texts with newlines on one line each', () => {
      const sut = outcomeLines([{ id: 'a\nb', text: 'x' }], [result('joy')]);
      expect(splitPayload(sut.payload)).toHaveLength(1);
    });
  });

  describe(errorLines.name, () => {
    it('fails every item with the same code', () => {
      const sut = errorLines([{ id: '1', text: 'x' }, { text: 'y' }], new AppError('INFERENCE_FAILED'));
      expect(sut.failed).toBe(2);
      expect(splitPayload(sut.payload).map((l) => JSON.parse(l).error.code)).toEqual(['INFERENCE_FAILED', 'INFERENCE_FAILED']);
    });

    it('counts cancelled items apart from failed ones', () => {
      const sut = cancelledLines([{ text: 'x' }]);
      expect(sut).toMatchObject({ failed: 0, cancelled: 1 });
    });
  });
});
