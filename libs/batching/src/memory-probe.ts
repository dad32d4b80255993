// Memory awareness: how many padded tokens the device can take right now. The probe is injected:
// on a GPU it reads free device memory (the profiler's nvidia-smi reader), on CPU it is an RSS
// budget minus the process's resident size. The policy only turns bytes into a token cap.

export interface MemoryProbe {
  /** Bytes free for activations now; undefined when unknown (no cap from memory). Must be cheap: called per batch. */
  freeBytes(): number | undefined;
}

/** Free memory under a fixed budget, e.g. an RSS budget on CPU: `budgetBytes - used()`. */
export function budgetMemoryProbe(budgetBytes: number, usedBytes: () => number): MemoryProbe {
  return { freeBytes: () => Math.max(0, budgetBytes - usedBytes()) };
}

/**
 * The largest padded-token budget that fits in free memory, keeping `headroom` (fraction) aside
 * for fragmentation and the other batches in flight; undefined when the probe knows nothing.
 */
export function tokensAllowedByMemory(
  probe: MemoryProbe | undefined,
  bytesPerToken: number,
  batchesInFlight: number,
  headroom = 0.2,
): number | undefined {
  const free = probe?.freeBytes();
  if (free === undefined || !Number.isFinite(free)) return undefined;
  return Math.floor((free * (1 - headroom)) / Math.max(1, batchesInFlight) / Math.max(1, bytesPerToken));
}
