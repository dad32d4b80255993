// Running totals of a backfill and its final report (texts, rate, label distribution, peak RSS).
// The rate is texts over the wall time since the backfill started (the caller's start: before the
// model loads), on a monotonic clock, never over less than MIN_SECONDS.
import type { OutputLine } from './result-line';

/** Seconds on a monotonic clock. */
export type SecondsClock = () => number;
export const hrtimeSeconds: SecondsClock = () => Number(process.hrtime.bigint()) / 1e9;
/** The least elapsed time a rate is computed over: a rate is never texts over ~0 seconds. */
export const MIN_SECONDS = 0.01;

export interface BackfillReport {
  texts: number;
  ok: number;
  errors: number;
  error_codes: Record<string, number>;
  seconds: number;
  texts_per_s: number;
  peak_rss_mb: number;
  label_distribution: Record<string, number>;
}

export class BackfillSummary {
  total = 0;
  private ok = 0;
  private readonly errorCodes: Record<string, number> = {};
  private readonly labelCounts: Record<string, number>;
  /**
   * `startedAt`: when the backfill started on `clock` (default: now), e.g. before the engine loaded,
   * so the rate covers the whole run and not only the texts' last milliseconds.
   */
  constructor(
    labels: readonly string[],
    private readonly clock: SecondsClock = hrtimeSeconds,
    private readonly startedAt = clock(),
  ) {
    this.labelCounts = Object.fromEntries(labels.map((l) => [l, 0]));
  }

  add(line: OutputLine): void {
    this.total++;
    const error = line.error as { code: string } | undefined;
    if (error) {
      this.errorCodes[error.code] = (this.errorCodes[error.code] ?? 0) + 1;
      return;
    }
    this.ok++;
    for (const l of (line.labels as { label: string }[] | undefined) ?? [])
      this.labelCounts[l.label] = (this.labelCounts[l.label] ?? 0) + 1;
  }

  /** Seconds since the start, at least MIN_SECONDS. */
  elapsedSeconds(): number {
    return Math.max(this.clock() - this.startedAt, MIN_SECONDS);
  }

  textsPerSecond(): number {
    return this.total / this.elapsedSeconds();
  }

  report(): BackfillReport {
    const seconds = this.elapsedSeconds();
    return {
      texts: this.total,
      ok: this.ok,
      errors: this.total - this.ok,
      error_codes: this.errorCodes,
      seconds: Math.round(seconds * 100) / 100,
      texts_per_s: Math.round(this.total / seconds),
      // maxRSS is in kilobytes and covers the inference threads too.
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      label_distribution: this.labelCounts,
    };
  }

  render(r: BackfillReport): string {
    const top = Object.entries(r.label_distribution)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([l, n]) => `${l} ${((100 * n) / Math.max(r.ok, 1)).toFixed(1)}%`)
      .join(', ');
    const errs = Object.entries(r.error_codes)
      .map(([c, n]) => `${c}=${n}`)
      .join(' ');
    return `backfill: ${r.texts} lines (${r.ok} classified, ${r.errors} errors${errs ? `: ${errs}` : ''}) in ${r.seconds}s, ${r.texts_per_s} texts/s, peak RSS ${r.peak_rss_mb} MB\nlabels: ${top || '(none)'}\n`;
  }
}
