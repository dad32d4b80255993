import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClassificationResult } from '../classification';
import { AppError } from '../app-error';
import { TAXONOMY_GROUPS, groupNames, parseTaxonomy, type CoarseTaxonomy } from './taxonomies';
import { viewOutcomes, viewResult } from './taxonomy-view';

// The 28 GoEmotions labels, in the order of ../shared/datasets/goemotions/original/labels.txt.
const LABELS = [
  'admiration', 'amusement', 'anger', 'annoyance', 'approval', 'caring', 'confusion', 'curiosity', 'desire', 'disappointment',
  'disapproval', 'disgust', 'embarrassment', 'excitement', 'fear', 'gratitude', 'grief', 'joy', 'love', 'nervousness',
  'optimism', 'pride', 'realization', 'relief', 'remorse', 'sadness', 'surprise', 'neutral',
]; // prettier-ignore

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** A fine result as the engine builds it: every score, the labels at or above their threshold by score. */
function fineResult(scores: number[], thresholds: number[]): ClassificationResult {
  const labels = LABELS.map((label, j) => ({ label, score: round(scores[j]) }))
    .filter((_, j) => scores[j] >= thresholds[j])
    .sort((a, b) => b.score - a.score);
  return { labels, model: 'm@r', scores: Object.fromEntries(LABELS.map((l, j) => [l, round(scores[j])])) };
}

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const arbFine = fc
  .tuple(fc.array(unit, { minLength: 28, maxLength: 28 }), fc.array(unit, { minLength: 28, maxLength: 28 }))
  .map(([s, t]) => fineResult(s, t));
const arbCoarse = fc.constantFrom<CoarseTaxonomy>('ekman', 'sentiment');

const groupOf = (taxonomy: CoarseTaxonomy, label: string) =>
  Object.entries(TAXONOMY_GROUPS[taxonomy]).find(([, members]) => members.includes(label))![0];

describe('TAXONOMY_GROUPS', () => {
  it.each(['ekman', 'sentiment'] as const)('%s puts each of the 28 labels in exactly one group', (taxonomy) => {
    const members = Object.values(TAXONOMY_GROUPS[taxonomy]).flat();
    expect([...members].sort()).toEqual([...LABELS].sort());
  });

  it("has the paper's groups", () => {
    expect(groupNames('ekman')).toEqual(['anger', 'disgust', 'fear', 'joy', 'sadness', 'surprise', 'neutral']);
    expect(groupNames('sentiment')).toEqual(['positive', 'negative', 'ambiguous', 'neutral']);
  });
});

describe(parseTaxonomy.name, () => {
  it('defaults to goemotions and refuses other values with TAXONOMY_UNKNOWN', () => {
    expect(parseTaxonomy(undefined)).toBe('goemotions');
    expect(parseTaxonomy('ekman')).toBe('ekman');
    for (const bad of ['Ekman', 'plutchik', 3, {}]) {
      expect(() => parseTaxonomy(bad)).toThrow(AppError);
      try {
        parseTaxonomy(bad);
      } catch (e) {
        expect((e as AppError).code).toBe('TAXONOMY_UNKNOWN');
      }
    }
  });
});

describe(viewResult.name, () => {
  it('goemotions is the identity', () => {
    fc.assert(
      fc.property(arbFine, fc.boolean(), (fine, scores) => {
        expect(viewResult(fine, 'goemotions', scores)).toBe(fine);
      }),
    );
  });

  it('predicts the group of every predicted fine label, and no group without a predicted member (neutral aside)', () => {
    fc.assert(
      fc.property(arbFine, arbCoarse, (fine, taxonomy) => {
        const view = viewResult(fine, taxonomy, false) as ClassificationResult;
        const got = new Set(view.labels.map((l) => l.label));
        for (const l of fine.labels) expect(got.has(groupOf(taxonomy, l.label))).toBe(true);
        const fineGroups = new Set(fine.labels.map((l) => groupOf(taxonomy, l.label)));
        for (const g of got) if (g !== 'neutral') expect(fineGroups.has(g)).toBe(true);
        // neutral exactly when fine neutral is predicted or nothing else is
        const otherPredicted = [...got].some((g) => g !== 'neutral');
        expect(got.has('neutral')).toBe(fineGroups.has('neutral') || !otherPredicted);
        expect(view.labels.length).toBeGreaterThan(0);
      }),
    );
  });

  it("scores each group with the max of its members' scores, in [0, 1], labels by score descending", () => {
    fc.assert(
      fc.property(arbFine, arbCoarse, (fine, taxonomy) => {
        const view = viewResult(fine, taxonomy, true) as ClassificationResult;
        expect(Object.keys(view.scores!)).toEqual(groupNames(taxonomy));
        for (const [group, members] of Object.entries(TAXONOMY_GROUPS[taxonomy])) {
          const s = view.scores![group];
          expect(s).toBe(Math.max(...members.map((m) => fine.scores![m])));
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1);
        }
        for (const l of view.labels) expect(l.score).toBe(view.scores![l.label]);
        for (let i = 1; i < view.labels.length; i++) expect(view.labels[i - 1].score).toBeGreaterThanOrEqual(view.labels[i].score);
        expect(view.taxonomy).toBe(taxonomy);
      }),
    );
  });

  it('keeps model, id and truncated; drops the group scores unless asked', () => {
    const fine = { ...fineResult(Array(28).fill(0.1), Array(28).fill(0.5)), id: 'x', truncated: true };
    expect(viewResult(fine, 'ekman', false)).toEqual({
      labels: [{ label: 'neutral', score: 0.1 }],
      model: 'm@r',
      taxonomy: 'ekman',
      id: 'x',
      truncated: true,
    });
  });

  it('maps a worked example: gratitude + admiration → joy / positive', () => {
    const scores = Array(28).fill(0.01);
    scores[LABELS.indexOf('gratitude')] = 0.98;
    scores[LABELS.indexOf('admiration')] = 0.6;
    scores[LABELS.indexOf('annoyance')] = 0.2; // below its threshold: its group is not predicted
    const fine = fineResult(scores, Array(28).fill(0.5));
    expect((viewResult(fine, 'ekman', false) as ClassificationResult).labels).toEqual([{ label: 'joy', score: 0.98 }]);
    const sentiment = viewResult(fine, 'sentiment', true) as ClassificationResult;
    expect(sentiment.labels).toEqual([{ label: 'positive', score: 0.98 }]);
    expect(sentiment.scores).toEqual({ positive: 0.98, negative: 0.2, ambiguous: 0.01, neutral: 0.01 });
  });

  it("answers TAXONOMY_UNSUPPORTED for a model whose labels are not GoEmotions'", () => {
    const fine: ClassificationResult = {
      labels: [{ label: 'POSITIVE', score: 0.9 }],
      model: 'sst2@r',
      scores: { POSITIVE: 0.9, NEGATIVE: 0.1 },
    };
    expect(viewResult(fine, 'sentiment', false)).toMatchObject({ error: { code: 'TAXONOMY_UNSUPPORTED' } });
  });

  it('refuses a fine result without its score map (a caller bug, not a user error)', () => {
    expect(() => viewResult({ labels: [], model: 'm@r' }, 'ekman', false)).toThrow(/includeScores/);
  });
});

describe(viewOutcomes.name, () => {
  it('keeps errors in their place', () => {
    const err = { error: { code: 'TEXT_EMPTY' as const, message: 'empty' } };
    const fine = fineResult(Array(28).fill(0.9), Array(28).fill(0.5));
    const out = viewOutcomes([err, fine], 'sentiment', false);
    expect(out[0]).toBe(err);
    expect((out[1] as ClassificationResult).labels.map((l) => l.label)).toEqual(['positive', 'negative', 'ambiguous', 'neutral']);
  });
});
