// Worker-thread entry: owns one ONNX Runtime session so `session.run()` (which blocks) never
// blocks the main event loop. Built by esbuild to dist/inference.worker.js.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { AppError } from '@emo/contracts';
import { SessionRuns, toPlainError } from './session-runs';
import type { FromThread, InitMessage, RunMessage, ToThread } from './thread-messages';

if (!parentPort) throw new Error('inference.worker must run in a worker thread');
const port = parentPort;
// ORT's own logger writes straight to the terminal; our errors travel as exceptions instead.
ort.env.logLevel = 'fatal';

let session: SessionRuns | undefined;

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
    const { runs: opened, created } = await SessionRuns.open(message.session, message.expectedLabels);
    session = opened;
    send({
      type: 'ready',
      provider: created.provider,
      fromCache: created.fromCache,
      failures: created.failures,
      inputNames: opened.contract.inputNames,
      outputName: opened.contract.outputName,
    });
  } catch (e) {
    send({ type: 'error', error: toPlainError(e, 'MODEL_CORRUPT') });
  }
}

async function run(message: RunMessage): Promise<void> {
  try {
    if (!session) throw new AppError('ENGINE_CLOSED', 'Session is not initialized');
    const started = performance.now();
    const out = await session.run(message.runs, message.inputIds, message.attentionMask);
    send({ type: 'result', id: message.id, logits: out.logits, numLabels: out.numLabels, inferMs: performance.now() - started }, [
      out.logits.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    send({ type: 'error', id: message.id, error: toPlainError(e, 'INFERENCE_FAILED') });
  }
}
