// Online model of one batch's latency: latency ≈ a + b·padded_tokens + c·texts (+ d·padded_tokens²),
// fitted by least squares over a sliding window of observed batches, so it follows a change in
// cost (another process on the device, thermal throttling, a new model) within one window. The
// optional curvature term d captures per-token cost that grows with batch size (CPU caches,
// memory bandwidth): without it a linear model always says a bigger batch is at least as good.
// It predicts the latency of a whole batch — what every text in it waits — never batch time
// divided by texts.

export interface LatencyCoefficients {
  /** Fixed cost per batch, ms. */
  readonly a: number;
  /** Cost per padded token, ms. */
  readonly b: number;
  /** Cost per text, ms. */
  readonly c: number;
  /** Curvature: cost per padded token squared, ms (0 when the data shows none). */
  readonly d?: number;
}

type Term = 'a' | 'b' | 'c' | 'd';

interface Sample {
  readonly tokens: number;
  readonly texts: number;
  readonly ms: number;
}

export class OnlineLatencyModel {
  private readonly samples: Sample[] = [];
  private next = 0;
  private fitted?: { coef: LatencyCoefficients; residualStdMs: number };
  /** Samples observed since the last fit. */
  private sinceFit = 0;

  /**
   * @param windowSize batches kept for the fit
   * @param prior coefficients to use until the window holds `minSamples` batches (a warm start)
   */
  constructor(
    private readonly windowSize: number,
    private readonly prior?: LatencyCoefficients,
    private readonly minSamples = 4,
  ) {}

  get sampleCount(): number {
    return this.samples.length;
  }

  /** True once predictions come from this process's own measurements. */
  get isFitted(): boolean {
    return this.samples.length >= this.minSamples;
  }

  /** True when there is anything to predict from (own samples or a prior). */
  get canPredict(): boolean {
    return this.isFitted || this.prior !== undefined;
  }

  observe(tokens: number, texts: number, ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    const sample = { tokens, texts, ms };
    if (this.samples.length < this.windowSize) this.samples.push(sample);
    else this.samples[this.next] = sample;
    this.next = (this.next + 1) % this.windowSize;
    // Refit once a sixteenth of the window is new (every batch while the window is small): a fit is a
    // few least-squares solves over the whole window, and predictions run for every batch cut, so
    // refitting per batch cost the worker ≈ 5 % of its CPU on small interactive batches.
    if (++this.sinceFit >= Math.max(1, Math.floor(this.samples.length / 16))) this.fitted = undefined;
  }

  coefficients(): LatencyCoefficients | undefined {
    if (!this.isFitted) return this.prior;
    return this.fit().coef;
  }

  /** Expected latency of a batch in ms (undefined while nothing is known). */
  predict(tokens: number, texts: number): number | undefined {
    const coef = this.coefficients();
    if (!coef) return undefined;
    return Math.max(0, coef.a + coef.b * tokens + coef.c * texts + (coef.d ?? 0) * tokens * tokens);
  }

  /** A pessimistic prediction (≈ 95th percentile under normal residuals), for latency limits. */
  predictUpper(tokens: number, texts: number): number | undefined {
    const mean = this.predict(tokens, texts);
    if (mean === undefined) return undefined;
    return mean + 1.65 * (this.isFitted ? this.fit().residualStdMs : 0);
  }

  private fit(): { coef: LatencyCoefficients; residualStdMs: number } {
    if (this.fitted) return this.fitted;
    this.sinceFit = 0;
    // Fewer terms when the data cannot support them or a term comes out negative (collinear
    // tokens and texts, one batch shape only): a simpler non-negative model beats a wild one.
    const attempts: Term[][] = [['a', 'b', 'c', 'd'], ['a', 'b', 'd'], ['a', 'b', 'c'], ['a', 'b'], ['b', 'c'], ['b']];
    let coef: LatencyCoefficients = { a: 0, b: 0, c: 0, d: 0 };
    for (const terms of attempts) {
      const solved = this.leastSquares(terms);
      if (solved && terms.every((t) => (solved[t] ?? 0) >= 0)) {
        coef = solved;
        break;
      }
    }
    let sq = 0;
    for (const s of this.samples) sq += (s.ms - (coef.a + coef.b * s.tokens + coef.c * s.texts + (coef.d ?? 0) * s.tokens * s.tokens)) ** 2;
    this.fitted = { coef, residualStdMs: Math.sqrt(sq / Math.max(1, this.samples.length - 1)) };
    return this.fitted;
  }

  private leastSquares(terms: Term[]): LatencyCoefficients | undefined {
    const k = terms.length;
    const row = (s: Sample) => terms.map((t) => (t === 'a' ? 1 : t === 'b' ? s.tokens : t === 'c' ? s.texts : s.tokens * s.tokens));
    const ata = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const aty = new Array<number>(k).fill(0);
    for (const s of this.samples) {
      const x = row(s);
      for (let i = 0; i < k; i++) {
        aty[i] += x[i] * s.ms;
        for (let j = 0; j < k; j++) ata[i][j] += x[i] * x[j];
      }
    }
    const solution = solve(ata, aty);
    if (!solution) return undefined;
    const out = { a: 0, b: 0, c: 0, d: 0 };
    terms.forEach((t, i) => (out[t] = solution[i]));
    return out;
  }
}

/** Gaussian elimination with partial pivoting; undefined when the system is (near) singular. */
function solve(m: number[][], v: number[]): number[] | undefined {
  const n = v.length;
  const a = m.map((r, i) => [...r, v[i]]);
  const scale = Math.max(1e-12, ...m.map((r, i) => Math.abs(r[i])));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) < scale * 1e-10) return undefined;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= f * a[col][c];
    }
  }
  return a.map((r, i) => r[n] / r[i]);
}
