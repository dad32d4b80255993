// `emo bench engine`: the engine (its scheduler's token-budget batches over the thread pool) vs two
// baselines on the same model, the same texts and the same thread budget (the engine's inference
// threads × intra-op threads, so no variant gets more cores than another). The engine runs twice:
// all texts in one classify call (`engine_*`), and as the local backfill calls it, windows of 512
// with 4 in flight (`engine_windowed_*`). The baselines:
// - naive: one session with that many intra-op threads, batches of 32 in input order, one at a
//   time (a FixedPlanRunner with one inference thread);
// - tuned ORT: what a competent user writes with onnxruntime-node alone — every text tokenized
//   up front with the same tokenizer, sorted by token length, fixed batches, one session with that
//   many intra-op threads on the main thread. Batches of 32, 64 and 128, each with ORT's default
//   (spinning) intra-op threads and with spinning off (`session.intra_op.allow_spinning=0`, which
//   helps on a busy machine), are all run: the best of these six in this run is the baseline.
// - interactive-shaped calls (`engine_calls_c64`): 64 closed-loop callers in this process, one
//   text per interactive classify() call, so batches form in arrival order; on an engine of the
//   same config (its batches cut into length-sorted runs, BATCH_SPLIT_RUN_TOKENS=auto) and on one
//   with BATCH_SPLIT_RUN_TOKENS=off (each batch one padded run): `split_vs_off_calls_c64` (ADR 021).
//   Both are engines of their own: interactive calls cap an engine's bulk batches and keep a thread
//   from bulk for BATCH_INTERACTIVE_WINDOW_MS, which would slow the bulk variants that follow.
// - queue off (`engine_queue_off`, `engine_windowed_queue_off`): the engine's two bulk shapes on an
//   engine of the same config but BATCH_QUEUE_BEHIND_RUNNING=false, so a thread gets its next batch
//   only after this thread's event loop has read its last answer: `queue_vs_off` (ADR 022).
// Every variant tokenizes, runs and postprocesses (scores → labels) every text. The timed texts are
// never seen before the run (warm-up uses others); variants alternate within each round; medians.
// Besides wall-clock texts/s, texts per CPU-second of this process (all its threads, from
// process.cpuUsage around each variant): on a machine shared with other work the wall clock says
// how much CPU a variant's threads could grab, the CPU time what each text costs.
import { checkText, type TextPolicy } from '@emo/contracts';
import * as ort from 'onnxruntime-node';
import {
  FixedPlanRunner,
  InferenceEngine,
  inlineThreadChoices,
  padBatch,
  planFixedBatches,
  scoresFromLogits,
  toResult,
} from '@emo/inference';
import type { AppConfig } from '@emo/config';
import { goEmotionsPath, loadGoEmotionsTexts, median, round, splitNeverSeen } from './bench-data';
import { closedLoopCalls } from './closed-loop';
import { loneTextRuns } from './lone-text';
import { withMachineFigures } from './machine-info';

export interface EngineBenchOptions {
  readonly config: AppConfig;
  readonly data?: string;
  readonly limit?: number;
  readonly repeats?: number;
  /** Batch sizes of the tuned ORT loop; the best one in the run is the baseline. */
  readonly tunedBatches?: readonly number[];
  readonly log?: (message: string) => void;
}

const WARM_TEXTS = 256;
/** Texts timed alone on one intra-op thread and on the thread budget (lone-text.ts). */
const LONE_TEXTS = 200;
const NAIVE_BATCH = 32;
/** Closed-loop callers of the interactive-shaped variants (the fleet bench's c64). */
const CALLERS = 64;

export function benchEngine(opts: EngineBenchOptions): Promise<Record<string, number | string>> {
  return withMachineFigures(() => run(opts));
}

async function run(opts: EngineBenchOptions): Promise<Record<string, number | string>> {
  const limit = opts.limit ?? 2000;
  const { texts, warm } = splitNeverSeen(loadGoEmotionsTexts(opts.data ?? goEmotionsPath('dev'), limit + WARM_TEXTS), limit);
  const repeats = opts.repeats ?? 3;
  const batches = opts.tunedBatches ?? [32, 64, 128];
  const { engine: engineConfig } = opts.config;
  const threadBudget = engineConfig.inferenceThreads * engineConfig.intraOpThreads;
  const engine = await InferenceEngine.create(opts.config);
  const naive = await FixedPlanRunner.start({
    ...opts.config,
    engine: { ...engineConfig, inferenceThreads: 1, intraOpThreads: threadBudget },
  });
  const start = (spinning: boolean) =>
    TunedOrtLoop.start(
      naive,
      { provider: engine.provider, threads: threadBudget, level: engineConfig.graphOptimizationLevel, spinning },
      engineConfig,
    );
  const tuned = { spin: await start(true), nospin: await start(false) };
  const calls = {
    split: await InferenceEngine.create(opts.config),
    off: await InferenceEngine.create({ ...opts.config, batching: { ...opts.config.batching, batchSplitRunTokens: 'off' } }),
  };
  const queueOff = await InferenceEngine.create({ ...opts.config, batching: { ...opts.config.batching, batchQueueBehindRunning: false } });
  try {
    const variants: [string, () => Promise<unknown>][] = [
      ['engine', () => engine.classify(texts)],
      ['engine_windowed', () => windowed(engine, texts)],
      ['engine_queue_off', () => queueOff.classify(texts)],
      ['engine_windowed_queue_off', () => windowed(queueOff, texts)],
      ['engine_calls_c64', () => closedLoopCalls(calls.split, texts, CALLERS)],
      ['engine_calls_c64_split_off', () => closedLoopCalls(calls.off, texts, CALLERS)],
      ['naive', () => naiveLoop(naive, texts, engineConfig)],
      ...batches.flatMap((b): [string, () => Promise<unknown>][] => [
        [`tuned_ort_${b}`, () => tuned.spin.run(texts, b)],
        [`tuned_ort_nospin_${b}`, () => tuned.nospin.run(texts, b)],
      ]),
    ];
    await engine.classify(warm);
    await queueOff.classify(warm);
    await closedLoopCalls(calls.split, warm, CALLERS);
    await closedLoopCalls(calls.off, warm, CALLERS);
    await naiveLoop(naive, warm, engineConfig);
    for (const b of batches) for (const loop of [tuned.spin, tuned.nospin]) await loop.run(warm, b);
    const rates = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    const cpuRates = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    for (let r = 0; r < repeats; r++) {
      for (const [name, fn] of r % 2 ? [...variants].reverse() : variants) {
        const timed = await timeRate(texts.length, fn);
        (rates.get(name) as number[]).push(timed.wall);
        (cpuRates.get(name) as number[]).push(timed.cpu);
      }
      opts.log?.(
        `round ${r + 1}/${repeats}: ${[...rates].map(([n, v]) => `${n} ${round(v[r])} (${round((cpuRates.get(n) as number[])[r])}/cpu-s)`).join(', ')} texts/s`,
      );
    }
    const rate = (name: string) => median(rates.get(name) as number[]);
    const cpuRate = (name: string) => median(cpuRates.get(name) as number[]);
    const tunedNames = batches.flatMap((b) => [`tuned_ort_${b}`, `tuned_ort_nospin_${b}`]);
    const bestCpu = tunedNames.reduce((a, b) => (cpuRate(b) > cpuRate(a) ? b : a));
    let best = { name: '', batch: batches[0], rate: 0 };
    for (const b of batches)
      for (const name of [`tuned_ort_${b}`, `tuned_ort_nospin_${b}`])
        if (rate(name) > best.rate) best = { name, batch: b, rate: rate(name) };
    const e = rate('engine');
    const n = rate('naive');
    const budget = inlineThreadChoices(0, threadBudget).at(-1) as number; // what INFERENCE_INLINE_INTRA_OP_THREADS=0 weighs against one thread
    const none = { threads: 0, p50Ms: 0, cpuMsPerRun: 0 }; // nothing runs inline off the CPU
    const [one, wide] = (await loneTextRuns(naive, engineConfig, [1, budget], texts.slice(0, LONE_TEXTS))) ?? [none, none];
    return {
      suite: 'engine',
      model: engine.modelId,
      provider: engine.provider,
      texts: texts.length,
      repeats,
      inference_threads: engineConfig.inferenceThreads,
      intra_op_threads: engineConfig.intraOpThreads,
      thread_budget: threadBudget,
      engine_texts_per_s: round(e),
      naive_texts_per_s: round(n),
      engine_vs_naive: round(e / n, 3),
      engine_windowed_texts_per_s: round(rate('engine_windowed')),
      engine_queue_off_texts_per_s: round(rate('engine_queue_off')),
      engine_windowed_queue_off_texts_per_s: round(rate('engine_windowed_queue_off')),
      queue_vs_off: round(e / rate('engine_queue_off'), 3),
      queue_vs_off_windowed: round(rate('engine_windowed') / rate('engine_windowed_queue_off'), 3),
      engine_calls_c64_texts_per_s: round(rate('engine_calls_c64')),
      engine_calls_c64_split_off_texts_per_s: round(rate('engine_calls_c64_split_off')),
      split_vs_off_calls_c64: round(rate('engine_calls_c64') / rate('engine_calls_c64_split_off'), 3),
      engine_calls_c64_texts_per_cpu_s: round(cpuRate('engine_calls_c64')),
      engine_calls_c64_split_off_texts_per_cpu_s: round(cpuRate('engine_calls_c64_split_off')),
      ...Object.fromEntries(
        batches.flatMap((b) => [`tuned_ort_${b}`, `tuned_ort_nospin_${b}`]).map((name) => [`${name}_texts_per_s`, round(rate(name))]),
      ),
      tuned_ort_batch: best.batch,
      tuned_ort_spinning: best.name.includes('nospin') ? 'no' : 'yes',
      tuned_ort_texts_per_s: round(best.rate),
      engine_vs_tuned_ort: round(e / best.rate, 3),
      engine_windowed_vs_tuned_ort: round(rate('engine_windowed') / best.rate, 3),
      engine_texts_per_cpu_s: round(cpuRate('engine')),
      engine_windowed_texts_per_cpu_s: round(cpuRate('engine_windowed')),
      naive_texts_per_cpu_s: round(cpuRate('naive')),
      ...Object.fromEntries(tunedNames.map((name) => [`${name}_texts_per_cpu_s`, round(cpuRate(name))])),
      tuned_ort_cpu_best: bestCpu,
      tuned_ort_texts_per_cpu_s: round(cpuRate(bestCpu)),
      engine_vs_tuned_ort_cpu: round(cpuRate('engine') / cpuRate(bestCpu), 3),
      // A lone text through the inline runner, 2 ms apart: one intra-op thread against the thread budget (at most 4, not spinning).
      lone_text_1_thread_p50_ms: one.p50Ms,
      lone_text_1_thread_cpu_ms: one.cpuMsPerRun,
      lone_text_budget_threads: budget,
      lone_text_budget_threads_p50_ms: wide.p50Ms,
      lone_text_budget_threads_cpu_ms: wide.cpuMsPerRun,
      lone_text_budget_vs_1_thread: one.p50Ms > 0 ? round(wide.p50Ms / one.p50Ms, 3) : 0,
      // What the engine's inline session chose at its start (INFERENCE_INLINE_INTRA_OP_THREADS; 0: nothing runs inline).
      inline_intra_op_threads: engine.inlineIntraOpThreads ?? 0,
    };
  } finally {
    await Promise.all([
      engine.close(),
      queueOff.close(),
      calls.split.close(),
      calls.off.close(),
      naive.close(),
      tuned.spin.close(),
      tuned.nospin.close(),
    ]);
  }
}

/** The engine as the local backfill calls it: windows of 512 texts, 4 calls in flight. */
async function windowed(engine: InferenceEngine, texts: readonly string[]): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let start = 0; start < texts.length; start += 512) {
    inFlight.push(engine.classify(texts.slice(start, start + 512)));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

/** One session, fixed batches of 32 in input order, awaited one after another. */
async function naiveLoop(runner: FixedPlanRunner, texts: readonly string[], policy: TextPolicy): Promise<void> {
  for (const indices of planFixedBatches(texts.length, NAIVE_BATCH)) {
    const encoded = indices.map((i) => runner.tokenizer.encode(checkText(texts[i], policy).text).ids);
    const scores = await runner.score(encoded, [encoded.map((_, k) => k)]);
    scores.forEach((s) => toResult(s, runner.spec, false));
  }
}

interface TunedSession {
  readonly provider: string;
  readonly threads: number;
  readonly level: ort.InferenceSession.SessionOptions['graphOptimizationLevel'];
  /** ORT's default: idle intra-op threads spin a while before sleeping. */
  readonly spinning: boolean;
}

/**
 * onnxruntime-node by hand: one InferenceSession on the served model file (same bundle, tokenizer
 * and postprocessing as the engine), all texts tokenized first, sorted by token length, fixed
 * batches run one after another on the main thread.
 */
class TunedOrtLoop {
  private constructor(
    private readonly runner: FixedPlanRunner,
    private readonly session: ort.InferenceSession,
    private readonly outputName: string,
    private readonly tokenTypes: boolean,
    private readonly policy: TextPolicy,
  ) {}

  static async start(runner: FixedPlanRunner, session: TunedSession, policy: TextPolicy): Promise<TunedOrtLoop> {
    const { provider, threads, level, spinning } = session;
    const created = await ort.InferenceSession.create(runner.bundle.modelPath, {
      executionProviders: [provider],
      intraOpNumThreads: threads,
      graphOptimizationLevel: level,
      logSeverityLevel: 3,
      ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
    });
    const outputName = created.outputNames.includes('logits') ? 'logits' : created.outputNames[0];
    return new TunedOrtLoop(runner, created, outputName, created.inputNames.includes('token_type_ids'), policy);
  }

  async run(texts: readonly string[], batch: number): Promise<void> {
    const { tokenizer, spec, bundle } = this.runner;
    const encoded = texts.map((t) => tokenizer.encode(checkText(t, this.policy).text).ids);
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].length - encoded[b].length);
    for (let start = 0; start < order.length; start += batch) {
      const indices = order.slice(start, start + batch);
      const padded = padBatch(
        indices.map((i) => encoded[i]),
        tokenizer.padId,
      );
      const dims = [padded.batch, padded.seq];
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', padded.inputIds, dims),
        attention_mask: new ort.Tensor('int64', padded.attentionMask, dims),
      };
      if (this.tokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(padded.batch * padded.seq), dims);
      const out = (await this.session.run(feeds, [this.outputName]))[this.outputName];
      const logits = out.data as Float32Array;
      const numLabels = Number(out.dims[1]);
      indices.forEach((_, row) => toResult(scoresFromLogits(logits, row, numLabels, bundle.problemType), spec, false));
    }
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Texts per wall-clock second, and per CPU-second of this process (user + system, every thread). */
async function timeRate(count: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await fn();
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { wall: count / wallS, cpu: count / ((used.user + used.system) / 1e6) };
}
