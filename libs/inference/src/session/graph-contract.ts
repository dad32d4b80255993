// Checks a session against the bundle contract: inputs input_ids + attention_mask (optional
// token_type_ids), an output `logits` (or a single output) of [batch, labels].
import type * as ort from 'onnxruntime-node';
import { AppError } from '@emo/contracts';

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

export interface GraphContract {
  readonly inputNames: readonly string[];
  readonly outputName: string;
  readonly feedsTokenTypes: boolean;
}

export function checkGraphContract(session: ort.InferenceSession): GraphContract {
  const inputs = [...session.inputNames];
  for (const required of ['input_ids', 'attention_mask']) {
    if (!inputs.includes(required)) {
      throw new AppError('MODEL_MISMATCH', `model.onnx has inputs [${inputs.join(', ')}]; it must have ${required}`);
    }
  }
  const unknown = inputs.filter((n) => !KNOWN_INPUTS.has(n));
  if (unknown.length > 0) throw new AppError('MODEL_MISMATCH', `model.onnx needs inputs the engine cannot feed: ${unknown.join(', ')}`);
  const outputs = [...session.outputNames];
  const outputName = outputs.includes('logits') ? 'logits' : outputs.length === 1 ? outputs[0] : undefined;
  if (!outputName) throw new AppError('MODEL_MISMATCH', `model.onnx has outputs [${outputs.join(', ')}]; expected "logits"`);
  return { inputNames: inputs, outputName, feedsTokenTypes: inputs.includes('token_type_ids') };
}
