// Packs token id arrays into the int64 tensors ONNX Runtime takes. A batch is one or more runs of
// the session laid out back to back (rows of a run padded to that run's longest text), so a batch
// of mixed lengths can be run as length-sorted runs with less padding (run-split.ts, ADR 021).
import { planRuns } from './run-split';

/** One session run of a batch: its rows are padded to `seq`. */
export interface PaddedRun {
  readonly rows: number;
  readonly seq: number;
}

export interface PaddedBatch {
  /** Rows (texts) in all runs. */
  readonly batch: number;
  /** The longest row: `batch × seq` is what the batch would cost as one run (what budgets count). */
  readonly seq: number;
  /** Runs in order; row r of the batch is row r − (rows of the runs before) of its run. */
  readonly runs: readonly PaddedRun[];
  /** Σ rows × seq over the runs: the tokens the device computes. */
  readonly paddedTokens: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
}

/** One run: every row padded to the longest. */
export function padBatch(sequences: readonly Int32Array[], padId: number): PaddedBatch {
  return pack(sequences, padId, [sequences.length]);
}

/**
 * Sequences sorted by length (ascending), cut into runs where one more run (`runCostTokens`, in
 * padded tokens) costs less than the padding it saves. Infinity: one run, as padBatch (then in any order).
 */
export function padSortedBatch(sorted: readonly Int32Array[], padId: number, runCostTokens: number): PaddedBatch {
  return pack(
    sorted,
    padId,
    planRuns(
      sorted.map((s) => s.length),
      runCostTokens,
    ),
  );
}

function pack(sequences: readonly Int32Array[], padId: number, rowsPerRun: readonly number[]): PaddedBatch {
  const runs: PaddedRun[] = [];
  let row = 0;
  let paddedTokens = 0;
  let longest = 1;
  for (const rows of rowsPerRun) {
    let seq = 1;
    for (let r = row; r < row + rows; r++) seq = Math.max(seq, sequences[r].length);
    runs.push({ rows, seq });
    paddedTokens += rows * seq;
    longest = Math.max(longest, seq);
    row += rows;
  }
  const inputIds = new BigInt64Array(paddedTokens).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(paddedTokens);
  let offset = 0;
  row = 0;
  for (const { rows, seq } of runs) {
    for (let r = 0; r < rows; r++, row++) {
      const ids = sequences[row];
      for (let j = 0; j < ids.length; j++) {
        inputIds[offset + j] = BigInt(ids[j]);
        attentionMask[offset + j] = 1n;
      }
      offset += seq;
    }
  }
  return { batch: sequences.length, seq: longest, runs, paddedTokens, inputIds, attentionMask };
}
