// One ONNX Runtime session and how a padded batch runs on it: the same code in an inference
// thread (inference.worker.ts) and on the main thread (the pool's inline runner, inline-runner.ts).
import * as ort from 'onnxruntime-node';
import { AppError, type ErrorCode } from '@emo/contracts';
import type { PaddedRun } from '../batching/padded-batch';
import { checkGraphContract, type GraphContract } from '../session/graph-contract';
import { createOrtSession, type CreatedSession, type SessionRequest } from '../session/ort-session-factory';

export interface RunLogits {
  readonly logits: Float32Array;
  readonly numLabels: number;
}

export class SessionRuns {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly contract: GraphContract,
  ) {}

  /** Opens the session, checks the graph contract, and probes that it outputs `expectedLabels` scores per text. */
  static async open(request: SessionRequest, expectedLabels: number): Promise<{ runs: SessionRuns; created: CreatedSession }> {
    const created = await createOrtSession(request);
    const runs = new SessionRuns(created.session, checkGraphContract(created.session));
    const probe = await runs.infer(1, 2, new BigInt64Array([1n, 1n]), new BigInt64Array([1n, 1n]));
    if (probe.numLabels !== expectedLabels) {
      await created.session.release().catch(() => undefined);
      throw new AppError(
        'MODEL_MISMATCH',
        `model.onnx outputs ${probe.numLabels} scores per text but config.json has ${expectedLabels} labels`,
      );
    }
    return { runs, created };
  }

  /** The batch's runs one after another; their logits concatenated in row order. */
  async run(runs: readonly PaddedRun[], inputIds: BigInt64Array, attentionMask: BigInt64Array): Promise<RunLogits> {
    if (runs.length === 1) return this.infer(runs[0].rows, runs[0].seq, inputIds, attentionMask);
    const parts: Float32Array[] = [];
    let numLabels = 0;
    let offset = 0;
    for (const { rows, seq } of runs) {
      const end = offset + rows * seq;
      const out = await this.infer(rows, seq, inputIds.subarray(offset, end), attentionMask.subarray(offset, end));
      parts.push(out.logits);
      numLabels = out.numLabels;
      offset = end;
    }
    const logits = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      logits.set(p, at);
      at += p.length;
    }
    return { logits, numLabels };
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async infer(batch: number, seq: number, ids: BigInt64Array, mask: BigInt64Array): Promise<RunLogits> {
    const dims = [batch, seq];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
    };
    if (this.contract.feedsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(batch * seq), dims);
    const result = await this.session.run(feeds, [this.contract.outputName]);
    const tensor = result[this.contract.outputName];
    if (tensor.dims.length !== 2 || tensor.dims[0] !== batch) {
      throw new AppError(
        'MODEL_MISMATCH',
        `output ${this.contract.outputName} has shape [${tensor.dims.join(', ')}]; expected [${batch}, labels]`,
      );
    }
    const logits = new Float32Array(tensor.data as Float32Array); // own copy: transferable
    return { logits, numLabels: tensor.dims[1] };
  }
}

/** An error of a run or of opening a session, as it travels (code + message); allocation failures are OUT_OF_MEMORY. */
export function toPlainError(e: unknown, fallback: 'MODEL_CORRUPT' | 'INFERENCE_FAILED'): { code: ErrorCode; message: string } {
  if (e instanceof AppError) return { code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  const oom = /bad_alloc|Failed to allocate|out of memory|CUDNN_STATUS_ALLOC_FAILED|CUBLAS_STATUS_ALLOC_FAILED/i.test(message);
  return { code: oom ? 'OUT_OF_MEMORY' : fallback, message: message.split('\n')[0].slice(0, 500) };
}
