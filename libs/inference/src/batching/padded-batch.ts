// Packs token id arrays into the int64 tensors ONNX Runtime takes, padded to the batch's longest.

export interface PaddedBatch {
  readonly batch: number;
  readonly seq: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
}

export function padBatch(sequences: readonly Int32Array[], padId: number): PaddedBatch {
  const batch = sequences.length;
  const seq = Math.max(1, ...sequences.map((s) => s.length));
  const inputIds = new BigInt64Array(batch * seq).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(batch * seq);
  sequences.forEach((ids, row) => {
    const offset = row * seq;
    for (let j = 0; j < ids.length; j++) {
      inputIds[offset + j] = BigInt(ids[j]);
      attentionMask[offset + j] = 1n;
    }
  });
  return { batch, seq, inputIds, attentionMask };
}
