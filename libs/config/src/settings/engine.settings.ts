// Engine settings: model bundle, ONNX Runtime session, thread pool, text limits.
import { z } from 'zod';
import { bool, csv, int, num, setting } from '../setting';

export const engineSettings = {
  modelDir: setting(
    'MODEL_DIR',
    z.string().min(1).optional(),
    'Model bundle directory (model.onnx, tokenizer.json, config.json[, thresholds.json]). Default: the shipped models/goemotions-mini.',
  ),
  allowBenchmarkModel: setting(
    'ALLOW_BENCHMARK_MODEL',
    bool().default(false),
    'Serve a bundle whose config.json says `benchmark_only: true` (random weights: its labels are random). Off: refused with MODEL_BENCHMARK_ONLY (`emo bench` always allows it).',
  ),
  inferenceBackend: setting(
    'INFERENCE_BACKEND',
    z.enum(['onnx', 'stub']).default('onnx'),
    'What a queue worker classifies with: `onnx` (the model) or `stub`, a BENCHMARK TOOL (`emo bench control-plane`) that runs no model and answers made-up labels after STUB_BATCH_MS + STUB_TEXT_MS per text; refused unless ALLOW_BENCHMARK_MODEL=true, and its results carry a `stub-` model id.',
  ),
  stubBatchMs: setting('STUB_BATCH_MS', num(0, 60_000).default(2), 'INFERENCE_BACKEND=stub: sleep per classify call (one batch), in ms.'),
  stubTextMs: setting('STUB_TEXT_MS', num(0, 60_000).default(0.02), 'INFERENCE_BACKEND=stub: added sleep per text, in ms.'),
  precision: setting(
    'PRECISION',
    z.enum(['auto', 'fp32', 'int8', 'fp16']).default('auto'),
    "Precision of the model variant to serve (part of the cache key). `auto`: the int8 variant on CPU and the fp16 one on CUDA when the bundle ships one with a passed gate (quantization.json), else fp32; the choice is logged and shows in every result's `model` (`…+int8`).",
  ),
  executionProviders: setting(
    'EXECUTION_PROVIDERS',
    csv(z.enum(['cuda', 'cpu'])).default(['cpu']),
    'ONNX Runtime execution providers in order of preference, comma-separated (e.g. `cuda,cpu`). A provider that fails to load is skipped with one warning; a queue worker serves on a later one only with ALLOW_CPU_FALLBACK=true.',
  ),
  allowCpuFallback: setting(
    'ALLOW_CPU_FALLBACK',
    bool().default(false),
    'Whether a queue worker whose first EXECUTION_PROVIDERS entry (e.g. `cuda`) fails to load may serve on a later one (`cpu`). Off: it reports not ready (`/healthz` 503 `PROVIDER_FALLBACK_REFUSED`, with the reason) and takes no chunks. The CLI always falls back with one warning.',
  ),
  graphOptimizationLevel: setting(
    'GRAPH_OPTIMIZATION_LEVEL',
    z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
    'ONNX Runtime graph optimization level.',
  ),
  intraOpThreads: setting('INTRA_OP_THREADS', int(1, 256).default(1), 'Intra-op threads per inference thread.'),
  inferenceThreads: setting('INFERENCE_THREADS', int(1, 64).default(2), 'worker_threads in the inference pool, each with its own session.'),
  inferenceInlineMaxTexts: setting(
    'INFERENCE_INLINE_MAX_TEXTS',
    int(0, 64).default(1),
    'A batch of at most this many texts that finds every inference thread idle runs on the main thread, in a session of its own (only when `cpu` is the first of EXECUTION_PROVIDERS; one more session in memory, loaded while the threads load theirs): a lone interactive text then skips the hop to a thread and back. 0: every batch goes to a thread.',
  ),
  inferenceInlineIntraOpThreads: setting(
    'INFERENCE_INLINE_INTRA_OP_THREADS',
    int(0, 256).default(0),
    "Intra-op threads of the inline session (INFERENCE_INLINE_MAX_TEXTS), which runs only while every inference thread is idle, so a lone text may use the cores they leave free; its threads do not spin between runs. 0 (auto): measured when the engine starts, one thread or the engine's thread budget (INFERENCE_THREADS × INTRA_OP_THREADS, at most 4), whichever runs a lone 24-token text faster (more threads only at ≤ 0.85 × the time: they cost more CPU per run); logged as `inlineIntraOpThreads` in `worker ready`.",
  ),
  optimizedModelCacheDir: setting(
    'OPTIMIZED_MODEL_CACHE_DIR',
    z.string().min(1).default('.emo-cache/ort'),
    'Directory of optimized models, keyed by model hash + level + provider.',
  ),
  maxSequenceLength: setting('MAX_SEQUENCE_LENGTH', int(8, 8192).default(128), 'Tokens per text after truncation (part of the cache key).'),
  maxTextChars: setting('MAX_TEXT_CHARS', int(1, 10_000_000).default(20_000), 'Longest accepted text in characters.'),
  longTextPolicy: setting(
    'LONG_TEXT_POLICY',
    z.enum(['truncate', 'reject']).default('truncate'),
    'What happens to a text over MAX_TEXT_CHARS: truncated and flagged, or rejected with TEXT_TOO_LONG.',
  ),
  includeScores: setting('INCLUDE_SCORES', bool().default(false), 'Include the full score map in every result.'),
} as const;
