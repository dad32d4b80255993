// Creates ONNX Runtime sessions: execution providers tried in order with real fallback (ORT's
// own list does not fall back when a provider library is missing), the graph optimization level,
// and an on-disk cache of optimized models keyed by model hash + ORT version + level + provider.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { AppError } from '@emo/contracts';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionRequest {
  readonly modelPath: string;
  readonly modelSha256: string;
  readonly providers: readonly string[];
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  readonly intraOpThreads: number;
  /** Whether idle intra-op threads spin waiting for work (ONNX Runtime's default: yes). */
  readonly allowSpinning?: boolean;
  /** Omit to disable the optimized-model cache. */
  readonly cacheDir?: string;
}

export interface CreatedSession {
  readonly session: ort.InferenceSession;
  readonly provider: string;
  /** The optimized model came from the cache instead of being optimized now. */
  readonly fromCache: boolean;
  readonly cachePath?: string;
  /** Providers that failed before `provider` loaded, with the reason. */
  readonly failures: readonly string[];
}

export function optimizedModelPath(req: SessionRequest, provider: string): string | undefined {
  if (!req.cacheDir || req.graphOptimizationLevel === 'disabled') return undefined;
  const version = ort.env.versions.node ?? 'unknown';
  return join(req.cacheDir, `${req.modelSha256.slice(0, 24)}-ort${version}-${req.graphOptimizationLevel}-${provider}.onnx`);
}

export async function createOrtSession(req: SessionRequest): Promise<CreatedSession> {
  const failures: string[] = [];
  for (const provider of req.providers) {
    try {
      return { ...(await createWithProvider(req, provider)), provider, failures };
    } catch (e) {
      failures.push(`${provider}: ${firstLine(e)}`);
    }
  }
  // A file that no provider can parse is a broken bundle, not a missing provider.
  const corrupt = failures.some((f) => /protobuf|INVALID_GRAPH|INVALID_PROTOBUF|Load model from .* failed|ModelProto/i.test(f));
  const code = corrupt ? 'MODEL_CORRUPT' : 'PROVIDER_UNAVAILABLE';
  throw new AppError(code, `No execution provider could load ${req.modelPath}: ${failures.join('; ')}`, { failures });
}

async function createWithProvider(req: SessionRequest, provider: string) {
  const base: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    intraOpNumThreads: req.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3, // errors only: ORT's warnings go to stdout/stderr directly, bypassing our logger
    ...(req.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
  const cachePath = optimizedModelPath(req, provider);
  if (cachePath && existsSync(cachePath)) {
    try {
      // Already optimized offline: loading it again with optimizations off skips that work.
      const session = await ort.InferenceSession.create(cachePath, { ...base, graphOptimizationLevel: 'disabled' });
      return { session, fromCache: true, cachePath };
    } catch {
      rmSync(cachePath, { force: true }); // a torn or foreign file: rebuild it below
    }
  }
  if (!cachePath) {
    const session = await ort.InferenceSession.create(req.modelPath, { ...base, graphOptimizationLevel: req.graphOptimizationLevel });
    return { session, fromCache: false, cachePath: undefined };
  }
  mkdirSync(req.cacheDir as string, { recursive: true });
  const tmp = `${cachePath}.tmp-${process.pid}-${threadId}`;
  const session = await ort.InferenceSession.create(req.modelPath, {
    ...base,
    graphOptimizationLevel: req.graphOptimizationLevel,
    optimizedModelFilePath: tmp,
  });
  try {
    renameSync(tmp, cachePath); // atomic: readers never see a half-written model
  } catch {
    rmSync(tmp, { force: true });
  }
  return { session, fromCache: false, cachePath };
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0].slice(0, 300);
}
