// The texts a TwoLevelCache is computing right now, by cache key: a call that meets a key already
// in flight (in the same process, from this call or a concurrent one) waits for that computation
// instead of sending the text to the classifier a second time.
import type { ClassifyOutcome } from '@emo/contracts';

/** What a computation in flight settles to: an encoded value, or an outcome that is not cached. */
export type Settled = Buffer | ClassifyOutcome;

export interface Deferred {
  readonly promise: Promise<Settled>;
  resolve(value: Settled): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: (v: Settled) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<Settled>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // waiters see the rejection; nobody waiting is not an error
  return { promise, resolve, reject };
}

export class InFlightResults {
  private readonly byKey = new Map<string, Deferred>();

  /** Keys being computed now (`inFlight` of the stats). */
  get size(): number {
    return this.byKey.size;
  }

  /** The computation of `key` another call has in flight, if any. */
  pending(key: string): Deferred | undefined {
    return this.byKey.get(key);
  }

  /** Marks `keys` as computed by the caller: later calls join them until `release`. */
  claim(keys: readonly string[]): Deferred[] {
    return keys.map((key) => {
      const d = deferred();
      this.byKey.set(key, d);
      return d;
    });
  }

  /** Forgets the caller's claims (settled or failed); a key claimed again since is left alone. */
  release(keys: readonly string[], claimed: readonly Deferred[]): void {
    keys.forEach((key, k) => {
      if (this.byKey.get(key) === claimed[k]) this.byKey.delete(key);
    });
  }
}
