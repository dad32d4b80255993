import { describe, expect, it } from 'vitest';
import { BackfillSummary, MIN_SECONDS } from './backfill-summary';

const ok = (line: number, ...labels: string[]) => ({ line, labels: labels.map((label) => ({ label, score: 0.9 })), model: 'm' });
const failed = (line: number, code: string) => ({ line, error: { code, message: code } });

describe(BackfillSummary.name, () => {
  it('counts lines, classified texts, errors by code and labels (a text may carry several)', () => {
    const sut = new BackfillSummary(['anger', 'joy', 'neutral']);
    for (const line of [
      ok(1, 'joy'),
      ok(2, 'joy', 'neutral'),
      failed(3, 'TEXT_EMPTY'),
      failed(4, 'LINE_MALFORMED'),
      failed(5, 'TEXT_EMPTY'),
      ok(6),
    ])
      sut.add(line);
    const report = sut.report();
    expect(report).toMatchObject({
      texts: 6,
      ok: 3,
      errors: 3,
      error_codes: { TEXT_EMPTY: 2, LINE_MALFORMED: 1 },
      label_distribution: { anger: 0, joy: 2, neutral: 1 },
    });
    expect(report.peak_rss_mb).toBeGreaterThan(0);
    expect(sut.total).toBe(6);
  });

  it('renders two lines: counts with errors by code, then the labels by share of classified texts', () => {
    const sut = new BackfillSummary(['anger', 'joy', 'neutral']);
    for (const line of [ok(1, 'joy'), ok(2, 'joy'), ok(3, 'neutral'), ok(4, 'joy'), failed(5, 'TEXT_EMPTY')]) sut.add(line);
    const text = sut.render({ ...sut.report(), seconds: 2, texts_per_s: 3, peak_rss_mb: 100 });
    expect(text).toBe(
      'backfill: 5 lines (4 classified, 1 errors: TEXT_EMPTY=1) in 2s, 3 texts/s, peak RSS 100 MB\nlabels: joy 75.0%, neutral 25.0%\n',
    );
  });

  it('says (none) when no text was classified', () => {
    const sut = new BackfillSummary(['joy']);
    sut.add(failed(1, 'FIELD_MISSING'));
    expect(sut.render(sut.report())).toMatch(/^backfill: 1 lines \(0 classified, 1 errors: FIELD_MISSING=1\) .*\nlabels: \(none\)\n$/);
  });

  it('computes the rate over the wall time since the given start (42 texts in 2.5 s: 17 texts/s, not 42 000)', () => {
    let now = 100;
    const sut = new BackfillSummary(['joy'], () => now, 97.5);
    for (let i = 1; i <= 42; i++) sut.add(ok(i, 'joy'));
    expect(sut.textsPerSecond()).toBeCloseTo(16.8, 6);
    expect(sut.report()).toMatchObject({ texts: 42, seconds: 2.5, texts_per_s: 17 });
    now = 101.5;
    expect(sut.report()).toMatchObject({ seconds: 4, texts_per_s: 11 });
  });

  it(`never divides by less than ${MIN_SECONDS} s, even when no time passed on the clock`, () => {
    const sut = new BackfillSummary(['joy'], () => 5, 5);
    sut.add(ok(1, 'joy'));
    expect(sut.report()).toMatchObject({ seconds: MIN_SECONDS, texts_per_s: Math.round(1 / MIN_SECONDS) });
    expect(Number.isFinite(sut.textsPerSecond())).toBe(true);
  });
});
