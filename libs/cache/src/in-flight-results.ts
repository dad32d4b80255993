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

/**
 * A computation's promise made only when someone asks for it: most keys a call claims are never
 * joined (a bulk chunk's never-seen texts), so a claim costs one small object, not a promise and
 * two closures per text. Settled first, a later `promise` is already settled the same way.
 */
class LazyDeferred implements Deferred {
  private outcome?: { readonly ok: true; readonly value: Settled } | { readonly ok: false; readonly error: unknown };
  private made?: { promise: Promise<Settled>; resolve(v: Settled): void; reject(e: unknown): void };

  get promise(): Promise<Settled> {
    if (!this.made) {
      let resolve!: (v: Settled) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<Settled>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined); // waiters see the rejection; nobody waiting is not an error
      this.made = { promise, resolve, reject };
      if (this.outcome) this.settle(this.outcome);
    }
    return this.made.promise;
  }

  resolve(value: Settled): void {
    this.settle({ ok: true, value });
  }

  reject(error: unknown): void {
    this.settle({ ok: false, error });
  }

  private settle(outcome: NonNullable<LazyDeferred['outcome']>): void {
    this.outcome ??= outcome; // the first settlement wins, as with a promise
    if (!this.made) return;
    if (this.outcome.ok) this.made.resolve(this.outcome.value);
    else this.made.reject(this.outcome.error);
  }
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
      const d = new LazyDeferred();
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
