// Times ONNX Runtime sessions of several model variants on the same input batch, side by side:
// the variants' runs are interleaved round by round, so load from other processes on a shared
// machine hits every variant alike and their ratio stays meaningful.
import * as ort from 'onnxruntime-node';
import { AppError } from '@emo/contracts';

export interface BenchVariant {
  readonly name: string;
  readonly modelPath: string;
}

export interface SessionCell {
  readonly provider: 'cpu' | 'cuda';
  readonly graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  readonly intraOpThreads: number;
  /** Token id rows of one batch: [batch, seq], all the same length. */
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly batch: number;
  readonly seq: number;
}

export interface VariantTiming {
  readonly variant: string;
  readonly texts_per_s: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly runs: number;
  readonly load_ms: number;
}

export interface TimingBudget {
  readonly warmupRuns: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  /** Stop adding rounds once every variant ran minRuns and this much time went by. */
  readonly maxSeconds: number;
}

export async function timeVariants(variants: readonly BenchVariant[], cell: SessionCell, budget: TimingBudget): Promise<VariantTiming[]> {
  const sessions: { variant: BenchVariant; session: ort.InferenceSession; loadMs: number; times: number[] }[] = [];
  try {
    for (const variant of variants) {
      const started = performance.now();
      const session = await ort.InferenceSession.create(variant.modelPath, {
        executionProviders: [cell.provider],
        graphOptimizationLevel: cell.graphOptimizationLevel,
        intraOpNumThreads: cell.intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        logSeverityLevel: 3,
      });
      sessions.push({ variant, session, loadMs: performance.now() - started, times: [] });
    }
    const dims = [cell.batch, cell.seq];
    const feeds = (s: ort.InferenceSession): Record<string, ort.Tensor> => {
      const all: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', cell.inputIds, dims),
        attention_mask: new ort.Tensor('int64', cell.attentionMask, dims),
      };
      if (s.inputNames.includes('token_type_ids'))
        all.token_type_ids = new ort.Tensor('int64', new BigInt64Array(cell.batch * cell.seq), dims);
      return Object.fromEntries(s.inputNames.map((n) => [n, all[n]]));
    };
    for (const s of sessions) for (let i = 0; i < budget.warmupRuns; i++) await s.session.run(feeds(s.session));
    const started = performance.now();
    for (let round = 0; round < budget.maxRuns; round++) {
      if (round >= budget.minRuns && performance.now() - started > budget.maxSeconds * 1000) break;
      for (const s of sessions) {
        const t = performance.now();
        await s.session.run(feeds(s.session));
        s.times.push(performance.now() - t);
      }
    }
    return sessions.map((s) => {
      const sorted = [...s.times].sort((a, b) => a - b);
      const p50 = percentile(sorted, 0.5);
      return {
        variant: s.variant.name,
        texts_per_s: round2((cell.batch * 1000) / p50),
        p50_ms: round2(p50),
        p95_ms: round2(percentile(sorted, 0.95)),
        runs: sorted.length,
        load_ms: Math.round(s.loadMs),
      };
    });
  } catch (e) {
    throw new AppError('INFERENCE_FAILED', `benchmark session failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await Promise.all(sessions.map((s) => s.session.release()));
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
