// Precision / recall / F1 per label, macro and micro, for multi-label predictions (label sets).

export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvalReport {
  n: number;
  macro_f1: number;
  micro_f1: number;
  per_label: Record<string, LabelMetrics>;
}

const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** `gold[i]` and `predicted[i]` are the label index sets of item i. */
export function multilabelMetrics(
  labels: readonly string[],
  gold: readonly ReadonlySet<number>[],
  predicted: readonly ReadonlySet<number>[],
): EvalReport {
  const tp = new Array<number>(labels.length).fill(0);
  const fp = new Array<number>(labels.length).fill(0);
  const fn = new Array<number>(labels.length).fill(0);
  gold.forEach((g, i) => {
    const p = predicted[i];
    for (let j = 0; j < labels.length; j++) {
      const inG = g.has(j);
      const inP = p.has(j);
      if (inG && inP) tp[j]++;
      else if (inP) fp[j]++;
      else if (inG) fn[j]++;
    }
  });
  const perLabel: Record<string, LabelMetrics> = {};
  let macro = 0;
  labels.forEach((label, j) => {
    const precision = ratio(tp[j], tp[j] + fp[j]);
    const recall = ratio(tp[j], tp[j] + fn[j]);
    const m = { precision, recall, f1: f1(precision, recall), support: tp[j] + fn[j] };
    perLabel[label] = m;
    macro += m.f1;
  });
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const microP = ratio(sum(tp), sum(tp) + sum(fp));
  const microR = ratio(sum(tp), sum(tp) + sum(fn));
  return { n: gold.length, macro_f1: macro / labels.length, micro_f1: f1(microP, microR), per_label: perLabel };
}
