// A lone text through the engine's own inline runner (libs/inference thread/inline-runner.ts),
// opened once with one intra-op thread and once with the engine's thread budget: the texts one at a
// time with a pause between them (an idle worker's lone interactive calls). The figures behind
// INFERENCE_INLINE_INTRA_OP_THREADS=0 (auto), which makes the same comparison at start.
import { InlineRunner, padBatch, servedSessionRequest, type FixedPlanRunner, type ServedEngineConfig } from '@emo/inference';
import { checkText } from '@emo/contracts';
import { median, round } from './bench-data';

/** Pause between two lone texts: long enough that an intra-op thread has gone to sleep. */
const GAP_MS = 2;
/** Texts run untimed on each runner first. */
const WARM_UP_TEXTS = 8;

export interface LoneTextFigures {
  readonly threads: number;
  readonly p50Ms: number;
  readonly cpuMsPerRun: number;
}

/**
 * Each of `texts` alone on an inline runner of each thread count (alternating per text); medians and
 * CPU per run. Undefined where nothing runs inline (a first provider other than the CPU).
 */
export async function loneTextRuns(
  runner: FixedPlanRunner,
  engine: ServedEngineConfig,
  threadCounts: readonly number[],
  texts: readonly string[],
): Promise<LoneTextFigures[] | undefined> {
  const session = servedSessionRequest(runner.bundle, engine);
  const opened = await Promise.all(threadCounts.map((threads) => InlineRunner.open(session, runner.bundle.labels.length, 1, [threads])));
  const inline = opened.filter((r): r is InlineRunner => r !== undefined);
  try {
    if (inline.length !== threadCounts.length) return undefined;
    const batches = texts.map((t) => padBatch([runner.tokenizer.encode(checkText(t, engine).text).ids], runner.tokenizer.padId));
    const times = inline.map(() => [] as number[]);
    const cpu = inline.map(() => 0);
    const runOne = async (k: number, at: number, timed: boolean) => {
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      const before = process.cpuUsage();
      const { inferMs } = await inline[k].run(batches[at]);
      const used = process.cpuUsage(before);
      if (!timed) return;
      times[k].push(inferMs);
      cpu[k] += (used.user + used.system) / 1000;
    };
    for (let at = 0; at < Math.min(WARM_UP_TEXTS, batches.length); at++) for (let k = 0; k < inline.length; k++) await runOne(k, at, false);
    for (let at = 0; at < batches.length; at++) {
      const order = inline.map((_, k) => k);
      for (const k of at % 2 ? order.reverse() : order) await runOne(k, at, true);
    }
    return threadCounts.map((threads, k) => ({
      threads,
      p50Ms: round(median(times[k]), 3),
      cpuMsPerRun: round(cpu[k] / batches.length, 3),
    }));
  } finally {
    await Promise.all(inline.map((r) => r.close()));
  }
}
