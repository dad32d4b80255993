// The first step of a TwoLevelCache read: one pass over a call's texts that answers what L1 holds,
// groups the rest by cache key (a text twice in one call is looked up and computed once), and
// sorts each remaining key into "another call is computing it" (join) or "this call fetches it".
import type { ClassifyOutcome } from '@emo/contracts';
import type { ResultCodec } from './codec/result-codec';
import type { Deferred, InFlightResults } from './in-flight-results';
import type { L1ResultCache } from './l1/l1-result-cache';
import type { CacheCounts } from './metrics/cache-metrics';

export interface L1Pass {
  /** Input positions of each key. */
  readonly positions: Map<string, number[]>;
  /** Keys this call looks up in L2 (and computes if L2 misses). */
  readonly toFetch: string[];
  /** Keys another call has in flight, with the computation to wait for. */
  readonly waits: [string, Deferred][];
  /** Positions of texts the cache does not key (they go to the classifier as they are). */
  readonly bypass: number[];
}

export interface L1PassDeps {
  readonly keyOf: (text: unknown) => string | undefined;
  readonly l1?: L1ResultCache;
  readonly codec: ResultCodec;
  readonly inFlight: InFlightResults;
  readonly counts: CacheCounts;
}

/** Fills L1 hits into `out` (a text's later positions get copies) and returns what is left to do. */
export function l1Pass(deps: L1PassDeps, texts: readonly unknown[], includeScores: boolean, out: (ClassifyOutcome | undefined)[]): L1Pass {
  const { l1, codec, counts } = deps;
  const positions = new Map<string, number[]>();
  const bypass: number[] = [];
  texts.forEach((text, i) => {
    const key = deps.keyOf(text);
    if (key === undefined) {
      bypass.push(i);
      return;
    }
    const at = positions.get(key);
    if (at) at.push(i);
    else positions.set(key, [i]);
  });
  counts.bypassed += bypass.length;
  counts.lookups += texts.length - bypass.length;
  const toFetch: string[] = [];
  const waits: [string, Deferred][] = [];
  for (const [key, at] of positions) {
    if (at.length > 1) counts.coalesced += at.length - 1;
    const value = l1?.get(key);
    const result = value && codec.decode(value, includeScores);
    if (result) {
      counts.l1Hits++;
      out[at[0]] = result;
      for (let k = 1; k < at.length; k++) out[at[k]] = { ...result };
      continue;
    }
    if (value) {
      // Stored but undecodable: counted as corrupt, dropped, and looked up again below.
      counts.corrupt++;
      l1?.delete(key);
    }
    if (l1) counts.l1Misses++;
    const pending = deps.inFlight.pending(key);
    if (pending) {
      counts.coalesced++;
      waits.push([key, pending]);
    } else toFetch.push(key);
  }
  return { positions, toFetch, waits, bypass };
}
