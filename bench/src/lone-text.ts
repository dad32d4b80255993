// A lone text on one ORT session, as the inline runner (libs/inference thread/inline-runner.ts)
// runs it: with one intra-op thread against the engine's thread budget, spinning off, the texts
// one at a time with a pause between them (an idle worker's lone interactive calls). The figures
// behind INFERENCE_INLINE_INTRA_OP_THREADS=0 (auto), which makes the same comparison at start.
import * as ort from 'onnxruntime-node';
import type { FixedPlanRunner } from '@emo/inference';
import { checkText, type TextPolicy } from '@emo/contracts';
import { median, round } from './bench-data';

/** Pause between two lone texts: long enough that an intra-op thread has gone to sleep. */
const GAP_MS = 2;

export interface LoneTextFigures {
  readonly threads: number;
  readonly p50Ms: number;
  readonly cpuMsPerRun: number;
}

/** Each of `texts` alone on a session of each thread count (alternating per text); medians and CPU per run. */
export async function loneTextRuns(
  runner: FixedPlanRunner,
  opts: { provider: string; level: ort.InferenceSession.SessionOptions['graphOptimizationLevel']; policy: TextPolicy },
  threadCounts: readonly number[],
  texts: readonly string[],
): Promise<LoneTextFigures[]> {
  const sessions = await Promise.all(
    threadCounts.map((threads) =>
      ort.InferenceSession.create(runner.bundle.modelPath, {
        executionProviders: [opts.provider],
        intraOpNumThreads: threads,
        graphOptimizationLevel: opts.level,
        logSeverityLevel: 3,
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      }),
    ),
  );
  try {
    const encoded = texts.map((t) => runner.tokenizer.encode(checkText(t, opts.policy).text).ids);
    const times = sessions.map(() => [] as number[]);
    const cpu = sessions.map(() => 0);
    const runOne = async (k: number, ids: Int32Array) => {
      const session = sessions[k];
      const dims = [1, ids.length];
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor(
          'int64',
          BigInt64Array.from(ids, (v) => BigInt(v)),
          dims,
        ),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims),
      };
      if (session.inputNames.includes('token_type_ids'))
        feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      const [started, before] = [performance.now(), process.cpuUsage()];
      await session.run(feeds);
      const used = process.cpuUsage(before);
      times[k].push(performance.now() - started);
      cpu[k] += (used.user + used.system) / 1000;
    };
    for (const ids of encoded.slice(0, 8)) for (let k = 0; k < sessions.length; k++) await runOne(k, ids); // untimed
    times.forEach((t, k) => ((t.length = 0), (cpu[k] = 0)));
    for (const [i, ids] of encoded.entries()) {
      const order = sessions.map((_, k) => k);
      for (const k of i % 2 ? order.reverse() : order) await runOne(k, ids);
    }
    return threadCounts.map((threads, k) => ({
      threads,
      p50Ms: round(median(times[k]), 3),
      cpuMsPerRun: round(cpu[k] / encoded.length, 3),
    }));
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}
