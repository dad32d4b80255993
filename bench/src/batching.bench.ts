// `emo bench batching`: the dynamic batch optimizer on GoEmotions-like ragged lengths.
// 1. Throughput, all on the same model, threads and never-seen texts, variants interleaved in every
//    round (order alternating), medians:
//    - adaptive: the engine's scheduler (windows of 512 texts, 4 in flight, as the local backfill
//      calls it);
//    - adaptive off: the same engine and calls with BATCH_ADAPTIVE=false (always BATCH_MAX_TOKENS /
//      BATCH_MAX_SIZE);
//    - fixed sizes with the same length bucketing (8/16/32/64/128): texts sorted by token length
//      within each span of 2,048 (the 4 windows of 512 the engine's scheduler can see at once),
//      cut into batches of that size, all handed to the pool at once so every thread stays busy
//      (a FixedPlanRunner). The best of them in the run is the honest baseline of
//      `adaptive_vs_best_fixed`;
//    - fixed 32 in input order (the old baseline, for comparison).
//    Tokenization and postprocessing are timed in every variant.
// 2. Latency: one interactive text on an idle engine (unloaded_single_ms), then interactive
//    texts arriving every max(20 ms, 4 × single) — a light interactive load that alone would
//    use at most a quarter of one thread — while bulk windows keep the engine saturated
//    (interactive_p95_ms), with the p95 target set to the done criterion 3 × single + 10 ms; the
//    same load on a fixed-budget engine for comparison. The second engine starts warm from what
//    the first learned (through an in-memory learned-parameters store).
import { checkText } from '@emo/contracts';
import type { AppConfig } from '@emo/config';
import { InMemoryBatchParamsStore } from '@emo/batching';
import { FixedPlanRunner, InferenceEngine, planFixedBatches, toResult, type EngineConfigSections, type EngineDeps } from '@emo/inference';
import { goEmotionsPath, loadGoEmotionsTexts, median, round, splitNeverSeen } from './bench-data';
import { withMachineFigures } from './machine-info';

export interface BatchingBenchOptions {
  readonly config: AppConfig;
  readonly data?: string;
  readonly limit?: number;
  readonly repeats?: number;
  /** Fixed batch sizes run with length bucketing (default 8, 16, 32, 64, 128). */
  readonly fixedSizes?: readonly number[];
  /** Fixed batch sizes run in input order (default 32). */
  readonly inputOrderSizes?: readonly number[];
  /** Interactive requests timed under bulk load. */
  readonly interactiveRequests?: number;
  /** Smoke-test sizes (`emo bench batching --quick`): fewer unloaded samples, a short settle before the load. */
  readonly quick?: boolean;
  readonly log?: (message: string) => void;
}

const WINDOW = 512;
const WINDOWS_IN_FLIGHT = 4;
const MIN_INTERACTIVE_EVERY_MS = 20;
/** Texts the engine's scheduler can see at once in the adaptive run: the span fixed batches are length-sorted within. */
const BUCKET_SPAN = WINDOW * WINDOWS_IN_FLIGHT;
const WARM_TEXTS = 512;

export function benchBatching(opts: BatchingBenchOptions): Promise<Record<string, number | string>> {
  return withMachineFigures(() => run(opts));
}

async function run(opts: BatchingBenchOptions): Promise<Record<string, number | string>> {
  const log = opts.log ?? (() => undefined);
  const limit = opts.limit ?? 2000;
  const { texts, warm } = splitNeverSeen(loadGoEmotionsTexts(opts.data ?? goEmotionsPath('dev'), limit + WARM_TEXTS), limit);
  const repeats = opts.repeats ?? 3;
  const sizes = opts.fixedSizes ?? [8, 16, 32, 64, 128];
  const inputOrder = opts.inputOrderSizes ?? [32];
  const store = new InMemoryBatchParamsStore();
  const deps: EngineDeps = { onWarning: log, batchParamsStore: store };
  const figures: Record<string, number | string> = { suite: 'batching' };

  const engine = await InferenceEngine.create(opts.config, deps);
  // BATCH_ADAPTIVE=false: nothing learned to share, and nothing to save over what the first learned.
  const adaptiveOff = await InferenceEngine.create(
    { ...opts.config, batching: { ...opts.config.batching, batchAdaptive: false } },
    { onWarning: log },
  );
  const fixed = await FixedPlanRunner.start(opts.config, log);
  let single: number;
  try {
    Object.assign(figures, {
      model: engine.modelId,
      provider: engine.provider,
      texts: texts.length,
      repeats,
      inference_threads: opts.config.engine.inferenceThreads,
      intra_op_threads: opts.config.engine.intraOpThreads,
      batch_max_tokens: opts.config.batching.batchMaxTokens,
      batch_max_size: opts.config.batching.batchMaxSize,
      bucket_span: BUCKET_SPAN,
    });
    // Warm-up on other texts: sessions, and the adaptive controller's first fit.
    await adaptiveRun(engine, warm);
    await adaptiveRun(adaptiveOff, warm);
    for (const size of sizes) await fixedRun(fixed, warm, size, true);
    for (const size of inputOrder) await fixedRun(fixed, warm, size, false);
    const rates = new Map<string, number[]>();
    const padding = { real: 0, padded: 0, batches: 0 };
    const measuredAdaptive = async () => {
      const before = { ...engine.stats };
      await adaptiveRun(engine, texts);
      padding.real += engine.stats.realTokens - before.realTokens;
      padding.padded += engine.stats.paddedTokens - before.paddedTokens;
      padding.batches += engine.stats.batches - before.batches;
    };
    const variants: [string, () => Promise<unknown>][] = [
      ['adaptive', measuredAdaptive],
      ['adaptive_off', () => adaptiveRun(adaptiveOff, texts)],
      ...sizes.map((s): [string, () => Promise<unknown>] => [`sorted_fixed_${s}`, () => fixedRun(fixed, texts, s, true)]),
      ...inputOrder.map((s): [string, () => Promise<unknown>] => [`input_order_fixed_${s}`, () => fixedRun(fixed, texts, s, false)]),
    ];
    for (let r = 0; r < repeats; r++) {
      for (const [name, run] of r % 2 ? [...variants].reverse() : variants) {
        const started = performance.now();
        await run();
        const textsPerS = texts.length / ((performance.now() - started) / 1000);
        rates.set(name, [...(rates.get(name) ?? []), textsPerS]);
      }
      log(`round ${r + 1}/${repeats}: ${[...rates].map(([n, v]) => `${n} ${round(v[r], 1)}`).join(', ')} texts/s`);
    }
    const rate = (name: string) => median(rates.get(name) as number[]);
    const adaptive = rate('adaptive');
    let best = { size: 0, rate: 0 };
    for (const size of sizes) {
      figures[`sorted_fixed_${size}_texts_per_s`] = round(rate(`sorted_fixed_${size}`));
      if (rate(`sorted_fixed_${size}`) > best.rate) best = { size, rate: rate(`sorted_fixed_${size}`) };
    }
    for (const size of inputOrder) figures[`input_order_fixed_${size}_texts_per_s`] = round(rate(`input_order_fixed_${size}`));
    const coef = engine.scheduler.controller.model.coefficients();
    const tokens = texts.map((t) => fixed.tokenizer.encode(t).ids.length);
    Object.assign(figures, {
      adaptive_texts_per_s: round(adaptive),
      best_fixed_texts_per_s: round(best.rate),
      best_fixed_size: best.size,
      best_fixed_padding_efficiency: round(paddingEfficiency(tokens, sortedPlan(tokens, best.size)), 3),
      adaptive_vs_best_fixed: round(adaptive / best.rate, 3),
      adaptive_off_texts_per_s: round(rate('adaptive_off')),
      adaptive_vs_adaptive_off: round(adaptive / rate('adaptive_off'), 3),
      ...Object.fromEntries(
        inputOrder.map((s) => [`adaptive_vs_input_order_fixed_${s}`, round(adaptive / rate(`input_order_fixed_${s}`), 3)]),
      ),
      adaptive_padding_efficiency: round(padding.real / padding.padded, 3),
      adaptive_mean_batch_texts: round((texts.length * repeats) / padding.batches, 1),
      latency_model_ms: coef
        ? `${round(coef.a, 3)} + ${coef.b.toExponential(3)}*tokens + ${round(coef.c, 4)}*texts + ${(coef.d ?? 0).toExponential(3)}*tokens^2`
        : 'unfitted',
    });
    single = await unloadedSingle(engine, texts, opts.quick ? 15 : 60);
  } finally {
    await Promise.all([engine.close(), adaptiveOff.close(), fixed.close()]); // the engine saves what it learned into the store
  }

  const target = 3 * single + 10;
  figures.unloaded_single_ms = round(single);
  figures.interactive_target_ms = round(target);
  log(`unloaded single text: ${round(single)} ms; interactive p95 target ${round(target)} ms`);
  const every = Math.max(MIN_INTERACTIVE_EVERY_MS, 4 * single);
  figures.interactive_every_ms = round(every);
  const load = { requests: opts.interactiveRequests ?? 200, everyMs: every, settleMs: opts.quick ? 200 : 1000 };
  const { batching } = opts.config;
  const adaptiveLoad = await underLoad(
    { ...opts.config, batching: { ...batching, batchAdaptive: true, batchInteractiveP95TargetMs: target } },
    deps,
    texts,
    load,
    log,
  );
  const fixedLoad = await underLoad(
    { ...opts.config, batching: { ...batching, batchAdaptive: false } },
    { ...deps, batchParamsStore: undefined },
    texts,
    load,
    log,
  );
  Object.assign(figures, {
    interactive_p50_ms: round(adaptiveLoad.p50),
    interactive_p95_ms: round(adaptiveLoad.p95),
    interactive_requests: adaptiveLoad.count,
    bulk_texts_per_s_under_load: round(adaptiveLoad.bulkRate),
    interactive_p95_ok: adaptiveLoad.p95 <= target ? 'yes' : 'no',
    fixed_budget_interactive_p95_ms: round(fixedLoad.p95),
    fixed_budget_bulk_texts_per_s_under_load: round(fixedLoad.bulkRate),
  });
  return figures;
}

/** The way the local backfill calls the engine: windows of 512, several in flight, in order. */
async function adaptiveRun(engine: InferenceEngine, texts: readonly string[]): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let start = 0; start < texts.length; start += WINDOW) {
    inFlight.push(engine.classify(texts.slice(start, start + WINDOW)));
    if (inFlight.length >= WINDOWS_IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

/**
 * Fixed-size batches, all handed to the pool at once; same tokenize + postprocess work as the
 * engine. `bucketed`: length-sorted within each BUCKET_SPAN texts first; else in input order.
 */
async function fixedRun(runner: FixedPlanRunner, texts: readonly string[], size: number, bucketed: boolean): Promise<void> {
  const encoded = texts.map((t) => runner.tokenizer.encode(checkText(t, { maxTextChars: 20_000, longTextPolicy: 'truncate' }).text).ids);
  const plan = bucketed
    ? sortedPlan(
        encoded.map((e) => e.length),
        size,
      )
    : planFixedBatches(encoded.length, size);
  const scores = await runner.score(encoded, plan);
  scores.forEach((s) => toResult(s, runner.spec, false));
}

/** Batches of `size` after sorting each BUCKET_SPAN texts by token length (shortest first). */
export function sortedPlan(lengths: readonly number[], size: number): number[][] {
  const plan: number[][] = [];
  for (let start = 0; start < lengths.length; start += BUCKET_SPAN) {
    const span = Array.from({ length: Math.min(BUCKET_SPAN, lengths.length - start) }, (_, i) => start + i);
    span.sort((a, b) => lengths[a] - lengths[b]);
    for (let i = 0; i < span.length; i += size) plan.push(span.slice(i, i + size));
  }
  return plan;
}

/** Real tokens ÷ padded tokens (texts × longest) of a plan. */
export function paddingEfficiency(lengths: readonly number[], plan: readonly (readonly number[])[]): number {
  let real = 0;
  let padded = 0;
  for (const batch of plan) {
    const longest = Math.max(...batch.map((i) => lengths[i]));
    for (const i of batch) real += lengths[i];
    padded += longest * batch.length;
  }
  return real / padded;
}

/** Median of `samples` single interactive texts on the idle engine, after a sixth as many untimed. */
async function unloadedSingle(engine: InferenceEngine, texts: readonly string[], samples: number): Promise<number> {
  const ms: number[] = [];
  const warm = Math.ceil(samples / 6);
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await engine.classify([texts[(i * 37) % texts.length]], { priority: 'interactive' });
    if (i >= warm) ms.push(performance.now() - started);
  }
  return median(ms);
}

interface LoadResult {
  readonly p50: number;
  readonly p95: number;
  readonly count: number;
  readonly bulkRate: number;
}

async function underLoad(
  config: EngineConfigSections,
  deps: EngineDeps,
  texts: readonly string[],
  { requests, everyMs, settleMs }: { requests: number; everyMs: number; settleMs: number },
  log: (m: string) => void,
): Promise<LoadResult> {
  const engine = await InferenceEngine.create(config, deps);
  try {
    let stop = false;
    const bulk = (async () => {
      const inFlight: Promise<unknown>[] = [];
      for (let start = 0; !stop; start = (start + WINDOW) % texts.length) {
        const window = texts.slice(start, start + WINDOW);
        inFlight.push(engine.classify(window));
        if (inFlight.length >= WINDOWS_IN_FLIGHT) await inFlight.shift();
      }
      await Promise.all(inFlight);
    })();
    await sleep(settleMs); // bulk saturates the engine, and the controller adapts to it
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const started = performance.now();
    const textsAtStart = engine.stats.texts;
    for (let i = 0; i < requests; i++) {
      const text = texts[(i * 53) % texts.length];
      const t0 = performance.now();
      pending.push(engine.classify([text], { priority: 'interactive' }).then(() => void latencies.push(performance.now() - t0)));
      await sleep(everyMs);
    }
    await Promise.all(pending);
    const bulkRate = (engine.stats.texts - textsAtStart - latencies.length) / ((performance.now() - started) / 1000);
    stop = true;
    await bulk;
    const sorted = [...latencies].sort((a, b) => a - b);
    const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1];
    log(
      `${config.batching.batchAdaptive ? 'adaptive' : 'fixed budget'} under bulk load: interactive p50 ${round(median(sorted))} ms, p95 ${round(p95)} ms; bulk ${round(bulkRate, 1)} texts/s`,
    );
    return { p50: median(sorted), p95, count: sorted.length, bulkRate };
  } finally {
    await engine.close();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
