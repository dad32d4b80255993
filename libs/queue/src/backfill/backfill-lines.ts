// Rebuilding a backfill's output lines from a chunk's input entries (kept by the API) and the
// worker's result payload (one line per text, in order). Lines are spliced as strings, not parsed:
// `{"line":N,"id":…,<passthrough>,<result fields>}`; a line that failed carries only line, id, error.
import { AppError } from '@emo/contracts';
import { splitPayload } from '../result-lines';
import type { ChunkInputs, InputEntry } from './backfill.types';

export interface OutputLine {
  readonly json: string;
  readonly error: boolean;
  readonly entry: InputEntry;
  /** The worker's result line for this entry ('' for an input error). */
  readonly result: string;
}

export function mergeChunkLines(inputs: ChunkInputs, resultPayload: string): OutputLine[] {
  const results = splitPayload(resultPayload);
  const out: OutputLine[] = new Array(inputs.entries.length);
  let k = 0;
  for (let i = 0; i < inputs.entries.length; i++) {
    const entry = inputs.entries[i];
    const [line, id, passthrough, error] = entry;
    const head = id === null ? `{"line":${line}` : `{"line":${line},"id":${JSON.stringify(id)}`;
    if (error) {
      out[i] = { json: `${head},"error":${JSON.stringify(error)}}`, error: true, entry, result: '' };
      continue;
    }
    const result = results[k++];
    if (result === undefined) throw new AppError('INTERNAL', `chunk results hold ${results.length} lines for more texts`);
    if (result.startsWith('{"error"')) {
      out[i] = { json: `${head},${result.slice(1)}`, error: true, entry, result };
    } else {
      out[i] = {
        json: passthrough ? `${head},${passthrough},${result.slice(1)}` : `${head},${result.slice(1)}`,
        error: false,
        entry,
        result,
      };
    }
  }
  if (k !== results.length) throw new AppError('INTERNAL', `chunk results hold ${results.length} lines for ${k} texts`);
  return out;
}

/** Texts (lines without an input error) of a chunk's entries. */
export function textCount(inputs: ChunkInputs): number {
  let n = 0;
  for (const e of inputs.entries) if (e[3] === null) n++;
  return n;
}
