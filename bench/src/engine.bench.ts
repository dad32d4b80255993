// `emo bench engine`: the engine (its scheduler's token-budget batches over the thread pool) vs a
// naive loop (one session, batches of 32 in input order, one at a time: a FixedPlanRunner with
// one thread), same model, same texts.
import { checkText, type TextPolicy } from '@emo/contracts';
import { FixedPlanRunner, InferenceEngine, planFixedBatches, toResult } from '@emo/inference';
import type { AppConfig } from '@emo/config';
import { goEmotionsPath, loadGoEmotionsTexts, median, round } from './bench-data';

export interface EngineBenchOptions {
  readonly config: AppConfig;
  readonly data?: string;
  readonly limit?: number;
  readonly repeats?: number;
  readonly log?: (message: string) => void;
}

export async function benchEngine(opts: EngineBenchOptions): Promise<Record<string, number | string>> {
  const texts = loadGoEmotionsTexts(opts.data ?? goEmotionsPath('dev'), opts.limit ?? 2000);
  const repeats = opts.repeats ?? 3;
  const engine = await InferenceEngine.create(opts.config);
  const naive = await FixedPlanRunner.start({ ...opts.config, engine: { ...opts.config.engine, inferenceThreads: 1 } });
  try {
    await engine.classify(texts.slice(0, 256));
    await naiveLoop(naive, texts.slice(0, 256), opts.config.engine);
    const engineRates: number[] = [];
    const naiveRates: number[] = [];
    for (let r = 0; r < repeats; r++) {
      naiveRates.push(await timeRate(texts.length, () => naiveLoop(naive, texts, opts.config.engine)));
      engineRates.push(await timeRate(texts.length, () => engine.classify(texts)));
      opts.log?.(`round ${r + 1}/${repeats}: engine ${round(engineRates[r])} texts/s, naive ${round(naiveRates[r])} texts/s`);
    }
    const e = median(engineRates);
    const n = median(naiveRates);
    return {
      suite: 'engine',
      model: engine.modelId,
      provider: engine.provider,
      texts: texts.length,
      inference_threads: opts.config.engine.inferenceThreads,
      intra_op_threads: opts.config.engine.intraOpThreads,
      engine_texts_per_s: round(e),
      naive_texts_per_s: round(n),
      engine_vs_naive: round(e / n, 3),
    };
  } finally {
    await Promise.all([engine.close(), naive.close()]);
  }
}

/** One session, fixed batches of 32 in input order, awaited one after another. */
async function naiveLoop(runner: FixedPlanRunner, texts: readonly string[], policy: TextPolicy): Promise<void> {
  for (const indices of planFixedBatches(texts.length, 32)) {
    const encoded = indices.map((i) => runner.tokenizer.encode(checkText(texts[i], policy).text).ids);
    const scores = await runner.score(encoded, [encoded.map((_, k) => k)]);
    scores.forEach((s) => toResult(s, runner.spec, false));
  }
}

async function timeRate(count: number, fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return count / ((performance.now() - started) / 1000);
}
