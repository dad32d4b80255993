// Coarse taxonomies after the cache (ADR 015): the fine result is what is cached, under one key per
// text, and a coarse view is derived from it on the way out, so a coarse call and a fine call for
// the same text share one computation and never return each other's answer.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ClassificationResult, ClassifyOptions, ClassifyOutcome } from '@emo/contracts';
import { CacheNamespace } from './keys/cache-namespace';
import { L1ResultCache } from './l1/l1-result-cache';
import { CacheMetrics } from './metrics/cache-metrics';
import { fakeModel } from './testing/fake-classifier';
import { TwoLevelCache } from './two-level-cache';

const GO = [
  'admiration', 'amusement', 'anger', 'annoyance', 'approval', 'caring', 'confusion', 'curiosity', 'desire', 'disappointment',
  'disapproval', 'disgust', 'embarrassment', 'excitement', 'fear', 'gratitude', 'grief', 'joy', 'love', 'nervousness',
  'optimism', 'pride', 'realization', 'relief', 'remorse', 'sadness', 'surprise', 'neutral',
]; // prettier-ignore

/** A GoEmotions-shaped engine double: gratitude for "thanks", annoyance for "annoying", else neutral. */
class GoFake {
  readonly calls: { texts: unknown[]; options: ClassifyOptions }[] = [];
  async classify(texts: readonly unknown[], options: ClassifyOptions = {}): Promise<ClassifyOutcome[]> {
    this.calls.push({ texts: [...texts], options });
    return texts.map((t) => {
      const text = String(t);
      if (text.trim() === '') return { error: { code: 'TEXT_EMPTY', message: 'Text is empty or whitespace only' } };
      const scores = Object.fromEntries(GO.map((l) => [l, 0.01]));
      if (text.includes('thanks')) scores.gratitude = 0.97;
      if (text.includes('annoying')) scores.annoyance = 0.81;
      if (!text.includes('thanks') && !text.includes('annoying')) scores.neutral = 0.7;
      const labels = GO.filter((l) => scores[l] >= 0.5)
        .map((label) => ({ label, score: scores[label] }))
        .sort((a, b) => b.score - a.score);
      const result: ClassificationResult = { labels, model: 'fake@rev1' };
      if (options.includeScores) result.scores = scores;
      return result;
    });
  }
}

function setup() {
  const sut = new TwoLevelCache({
    namespace: new CacheNamespace('t', { ...fakeModel(), labels: GO }),
    l1: new L1ResultCache({ maxEntries: 1000, maxBytes: 1 << 20, ttlSeconds: 60 }),
    metrics: CacheMetrics.for(new Registry()),
  });
  const inner = new GoFake();
  return { classifier: sut.classifier(inner), inner };
}

const labelsOf = (o: ClassifyOutcome) => (o as ClassificationResult).labels.map((l) => l.label);

describe('TwoLevelCache with taxonomies', () => {
  it('a fine call after a coarse call for the same text gets the fine answer (and the reverse), from one computation', async () => {
    const { classifier, inner } = setup();
    const [ekman] = await classifier.classify(['thanks, this is annoying'], { taxonomy: 'ekman' });
    const [fine] = await classifier.classify(['thanks, this is annoying']);
    const [sentiment] = await classifier.classify(['thanks, this is annoying'], { taxonomy: 'sentiment', includeScores: true });
    expect(labelsOf(ekman)).toEqual(['joy', 'anger']);
    expect(ekman).toMatchObject({ taxonomy: 'ekman', model: 'fake@rev1' });
    expect(ekman).not.toHaveProperty('scores');
    expect(labelsOf(fine)).toEqual(['gratitude', 'annoyance']);
    expect(fine).not.toHaveProperty('taxonomy');
    expect(labelsOf(sentiment)).toEqual(['positive', 'negative']);
    expect(Object.keys((sentiment as ClassificationResult).scores!)).toEqual(['positive', 'negative', 'ambiguous', 'neutral']);
    // One computation of the fine result (with every score), whatever view asked first.
    expect(inner.calls).toHaveLength(1);
    expect(inner.calls[0].options.includeScores).toBe(true);
  });

  it('never passes the taxonomy on to what it computes from (the fleet or the engine answer fine)', async () => {
    const { classifier, inner } = setup();
    await classifier.classify(['hello there', 'thanks'], { taxonomy: 'sentiment', priority: 'interactive' });
    expect(inner.calls[0].options.taxonomy).toBeUndefined();
    expect(inner.calls[0].options.priority).toBe('interactive');
    const [fine] = await classifier.classify(['hello there']);
    expect(labelsOf(fine)).toEqual(['neutral']);
    expect(fine).not.toHaveProperty('taxonomy');
  });

  it('keeps per-text errors in place in a coarse view', async () => {
    const { classifier } = setup();
    const out = await classifier.classify(['', 'thanks'], { taxonomy: 'ekman' });
    expect(out[0]).toMatchObject({ error: { code: 'TEXT_EMPTY' } });
    expect(labelsOf(out[1])).toEqual(['joy']);
  });
});
