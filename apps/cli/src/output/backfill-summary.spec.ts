import { describe, expect, it } from 'vitest';
import { BackfillSummary } from './backfill-summary';

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
});
