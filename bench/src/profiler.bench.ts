// `emo bench profiler`: engine throughput with profiling on vs off, same model, same texts, in
// the worker's shape (chunks of 64 texts classified concurrently through the shared scheduler).
// "on" also makes the per-chunk calls a worker adds (queue_wait, l1, l2, result_write, texts,
// chunk), so the figure covers the whole worker path. Each round runs off, on, on, off; the
// overhead is the median over rounds of 1 - on/off (at least 9 rounds). A micro figure (ns per observation) says what
// the profiler itself costs, independent of the machine's noise.
import { Registry } from 'prom-client';
import type { AppConfig } from '@emo/config';
import { InferenceEngine } from '@emo/inference';
import { Profiler, type EngineProfiler } from '@emo/profiler';
import { goEmotionsPath, loadGoEmotionsTexts, median, percentile, round } from './bench-data';

export interface ProfilerBenchOptions {
  readonly config: AppConfig;
  readonly data?: string;
  readonly limit?: number;
  readonly repeats?: number;
  /** Smoke test (`emo bench profiler --quick`): `repeats` rounds as given (no minimum of 9), a shorter micro loop. */
  readonly quick?: boolean;
  readonly log?: (message: string) => void;
}

const CHUNK = 64;

export async function benchProfiler(opts: ProfilerBenchOptions): Promise<Record<string, number | string>> {
  const texts = loadGoEmotionsTexts(opts.data ?? goEmotionsPath('dev'), opts.limit ?? 1000);
  // Many short rounds: the median of paired ratios is what survives a noisy shared machine.
  const repeats = opts.quick ? (opts.repeats ?? 3) : Math.max(9, opts.repeats ?? 9);
  const profiler = new Profiler({
    enabled: true,
    sampleRate: opts.config.profiler.profilerSampleRate,
    windowMs: 60_000,
    role: 'worker',
    registry: new Registry(),
  });
  profiler.setCapacity({
    slots: opts.config.engine.inferenceThreads,
    maxBudgetTokens: opts.config.batching.batchMaxTokens,
    concurrency: 64,
  });
  // One engine for both sides (two engines differ by more than profiling: thread placement, memory);
  // "off" switches the profiler out, leaving only an empty call per site.
  const toggle = { on: false };
  const switched: EngineProfiler = {
    observe: (...a) => (toggle.on ? profiler.observe(...a) : undefined),
    start: (...a) => (toggle.on ? profiler.start(...a) : () => undefined),
    span: (...a) => (toggle.on ? profiler.span(...a) : undefined),
    observeScheduledBatch: (...a) => (toggle.on ? profiler.observeScheduledBatch(...a) : undefined),
  };
  const engine = await InferenceEngine.create(opts.config, { profiler: switched });
  const run = (side: 'on' | 'off') => {
    toggle.on = side === 'on';
    return runChunks(engine, texts, side === 'on' ? profiler : undefined);
  };
  profiler.setModel(engine.modelId);
  try {
    await run('off');
    await run('on');
    const ratios: number[] = [];
    const onRates: number[] = [];
    const offRates: number[] = [];
    for (let r = 0; r < repeats; r++) {
      // ABBA order within each round (off, on, on, off), so drift and bursts of other load hit both sides alike.
      let offMs = 0;
      let onMs = 0;
      for (const side of ['off', 'on', 'on', 'off'] as const) {
        const ms = await timeMs(() => run(side));
        if (side === 'on') onMs += ms;
        else offMs += ms;
      }
      const offRate = (2 * texts.length) / (offMs / 1000);
      const onRate = (2 * texts.length) / (onMs / 1000);
      offRates.push(offRate);
      onRates.push(onRate);
      ratios.push(1 - onRate / offRate);
      opts.log?.(`round ${r + 1}/${repeats}: off ${round(offRate)} texts/s, on ${round(onRate)} texts/s`);
    }
    const observeNs = microObserveNs(opts.quick ? 20_000 : 200_000);
    const snap = profiler.snapshot();
    const observationsPerText = countObservations(snap) / Math.max(1, snap.texts);
    const offMedian = median(offRates);
    return {
      suite: 'profiler',
      model: engine.modelId,
      provider: engine.provider,
      texts: texts.length,
      chunk_texts: CHUNK,
      repeats,
      sample_rate: opts.config.profiler.profilerSampleRate,
      off_texts_per_s: round(offMedian),
      on_texts_per_s: round(median(onRates)),
      profiling_overhead: round(median(ratios), 4),
      // Spread of the per-round figure: on a busy machine it dwarfs the profiler's cost (compare with _micro).
      profiling_overhead_p25: round(percentile(ratios, 0.25), 4),
      profiling_overhead_p75: round(percentile(ratios, 0.75), 4),
      observe_ns: round(observeNs, 1),
      observations_per_text: round(observationsPerText, 3),
      // What the profiler's own work costs per text, as a share of a text's time with profiling off.
      profiling_overhead_micro: round((observationsPerText * observeNs) / (1e9 / offMedian), 5),
    };
  } finally {
    await engine.close();
  }
}

/** Chunks of CHUNK texts, all in flight at once (the worker's concurrency), with a worker's per-chunk profiling calls. */
async function runChunks(engine: InferenceEngine, texts: readonly string[], profiler?: Profiler): Promise<void> {
  const chunks: Promise<unknown>[] = [];
  for (let i = 0; i < texts.length; i += CHUNK) {
    const chunk = texts.slice(i, i + CHUNK);
    chunks.push(
      (async () => {
        const labels = { priority: 'bulk' };
        profiler?.observe('queue_wait', 1, { count: chunk.length, labels });
        const endL1 = profiler?.start('l1', { count: chunk.length, labels });
        endL1?.();
        const endL2 = profiler?.start('l2', { count: chunk.length, labels });
        endL2?.();
        const out = await engine.classify(chunk, { priority: 'bulk' });
        const endWrite = profiler?.start('result_write', { count: chunk.length, labels });
        endWrite?.();
        profiler?.countTexts(out.length, { labels });
        profiler?.countChunk();
      })(),
    );
  }
  await Promise.all(chunks);
}

function countObservations(snap: ReturnType<Profiler['snapshot']>): number {
  // Stage histograms are weighted by texts; count operations instead: one per chunk-level stage
  // per chunk and per batch-level stage per batch, plus the batch observation itself.
  const chunks = snap.chunks;
  const perChunk =
    ['queue_wait', 'l1', 'l2', 'tokenization', 'postprocess', 'result_write'].filter((s) => snap.stages[s as keyof typeof snap.stages])
      .length + 2;
  return chunks * perChunk + snap.batches.count * 3;
}

function microObserveNs(n: number): number {
  const p = new Profiler({ enabled: true, sampleRate: 1, windowMs: 60_000, role: 'worker', registry: new Registry(), model: 'm' });
  const labels = { priority: 'bulk' };
  for (let i = 0; i < 10_000; i++) p.observe('inference', i % 50, { count: 64, labels });
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) p.observe('inference', i % 50, { count: 64, labels });
  return Number(process.hrtime.bigint() - started) / n;
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
