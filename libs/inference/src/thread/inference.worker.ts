// Worker-thread entry: owns one ONNX Runtime session so `session.run()` (which blocks) never
// blocks the main event loop. Built by esbuild to dist/inference.worker.js.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { AppError, type ErrorCode } from '@emo/contracts';
import { checkGraphContract, type GraphContract } from '../session/graph-contract';
import { createOrtSession } from '../session/ort-session-factory';
import type { FromThread, InitMessage, RunMessage, ToThread } from './thread-messages';

if (!parentPort) throw new Error('inference.worker must run in a worker thread');
const port = parentPort;
// ORT's own logger writes straight to the terminal; our errors travel as exceptions instead.
ort.env.logLevel = 'fatal';

let session: ort.InferenceSession | undefined;
let contract: GraphContract | undefined;
let expectedLabels = 0;

const send = (message: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

// Run messages wait here and run one at a time, in arrival order: the pool may post a batch while
// the one before it runs (ADR 022), and the answers must come back in the order it posted them.
const waiting: RunMessage[] = [];
let draining = false;

port.on('message', (message: ToThread) => {
  if (message.type === 'init') void init(message);
  else if (message.type === 'retract') retract(message.id);
  else {
    waiting.push(message);
    // Started on the next turn, not inside this message's callback: a retract posted right after
    // it, already in the port's queue, is read first.
    if (!draining) setImmediate(() => void drain());
  }
});

function retract(id: number): void {
  const index = waiting.findIndex((m) => m.id === id);
  if (index < 0) return; // running or answered: its result comes as usual
  waiting.splice(index, 1);
  send({ type: 'retracted', id });
}

async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    while (waiting.length > 0) {
      await run(waiting.shift() as RunMessage);
      // A turn of the event loop between runs, so that a retract posted meanwhile is read before
      // the next waiting batch starts.
      if (waiting.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    draining = false;
  }
}

async function init(message: InitMessage): Promise<void> {
  try {
    const created = await createOrtSession(message.session);
    session = created.session;
    contract = checkGraphContract(session);
    expectedLabels = message.expectedLabels;
    const probe = await infer(1, 2, new BigInt64Array([1n, 1n]), new BigInt64Array([1n, 1n]));
    if (probe.numLabels !== expectedLabels) {
      throw new AppError(
        'MODEL_MISMATCH',
        `model.onnx outputs ${probe.numLabels} scores per text but config.json has ${expectedLabels} labels`,
      );
    }
    send({
      type: 'ready',
      provider: created.provider,
      fromCache: created.fromCache,
      failures: created.failures,
      inputNames: contract.inputNames,
      outputName: contract.outputName,
    });
  } catch (e) {
    send({ type: 'error', error: toPlainError(e, 'MODEL_CORRUPT') });
  }
}

async function run(message: RunMessage): Promise<void> {
  try {
    const started = performance.now();
    const out = await inferRuns(message);
    send({ type: 'result', id: message.id, logits: out.logits, numLabels: out.numLabels, inferMs: performance.now() - started }, [
      out.logits.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    send({ type: 'error', id: message.id, error: toPlainError(e, 'INFERENCE_FAILED') });
  }
}

/** The batch's runs one after another; their logits concatenated in row order. */
async function inferRuns(message: RunMessage): Promise<{ logits: Float32Array; numLabels: number }> {
  if (message.runs.length === 1) {
    const { rows, seq } = message.runs[0];
    return infer(rows, seq, message.inputIds, message.attentionMask);
  }
  const parts: Float32Array[] = [];
  let numLabels = 0;
  let offset = 0;
  for (const { rows, seq } of message.runs) {
    const end = offset + rows * seq;
    const out = await infer(rows, seq, message.inputIds.subarray(offset, end), message.attentionMask.subarray(offset, end));
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

async function infer(batch: number, seq: number, ids: BigInt64Array, mask: BigInt64Array) {
  if (!session || !contract) throw new AppError('ENGINE_CLOSED', 'Session is not initialized');
  const dims = [batch, seq];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (contract.feedsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(batch * seq), dims);
  const result = await session.run(feeds, [contract.outputName]);
  const tensor = result[contract.outputName];
  if (tensor.dims.length !== 2 || tensor.dims[0] !== batch) {
    throw new AppError(
      'MODEL_MISMATCH',
      `output ${contract.outputName} has shape [${tensor.dims.join(', ')}]; expected [${batch}, labels]`,
    );
  }
  const logits = new Float32Array(tensor.data as Float32Array); // own copy: transferable
  return { logits, numLabels: tensor.dims[1] };
}

function toPlainError(e: unknown, fallback: 'MODEL_CORRUPT' | 'INFERENCE_FAILED'): { code: ErrorCode; message: string } {
  if (e instanceof AppError) return { code: e.code, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  const oom = /bad_alloc|Failed to allocate|out of memory|CUDNN_STATUS_ALLOC_FAILED|CUBLAS_STATUS_ALLOC_FAILED/i.test(message);
  return { code: oom ? 'OUT_OF_MEMORY' : fallback, message: message.split('\n')[0].slice(0, 500) };
}
