// Running totals of a backfill and its final report (texts, rate, label distribution, peak RSS).
import type { OutputLine } from './result-line';

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
  private readonly started = performance.now();

  constructor(labels: readonly string[]) {
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

  textsPerSecond(): number {
    const s = (performance.now() - this.started) / 1000;
    return s > 0 ? this.total / s : 0;
  }

  report(): BackfillReport {
    const seconds = (performance.now() - this.started) / 1000;
    return {
      texts: this.total,
      ok: this.ok,
      errors: this.total - this.ok,
      error_codes: this.errorCodes,
      seconds: Math.round(seconds * 100) / 100,
      texts_per_s: Math.round(this.total / Math.max(seconds, 1e-9)),
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
