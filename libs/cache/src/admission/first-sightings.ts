// CACHE_API_LOOKUP=second-sighting: which calls the API's cache passes on without a lookup. A call
// none of whose texts this process has seen before goes to the fleet as it came (the workers look
// its texts up in L2); from a text's second sighting on, its calls are looked up. Sightings live in
// a doorkeeper (doorkeeper.ts), so their memory is fixed whatever the traffic.
import { Doorkeeper } from './doorkeeper';

/** Keys a doorkeeper remembers for a cache of `l1MaxEntries`: 10 × that, at least 1,000 (1.25 MB for a million). */
export const doorkeeperCapacity = (l1MaxEntries: number): number => Math.max(1_000, 10 * l1MaxEntries);

export class FirstSightings {
  private readonly seen: Doorkeeper;

  constructor(
    capacity: number,
    /** Texts the cache keys; the others (bypassing it) are not sightings. */
    private readonly cacheable: (text: unknown) => text is string,
  ) {
    this.seen = new Doorkeeper(capacity);
  }

  /**
   * Records the sighting of every cacheable text of a call; true when none was seen before (a text
   * twice in the call counts as seen). Sightings are of the text as sent, before normalization: two
   * spellings of one key are two sightings, which only delays the cache's engagement by a call.
   */
  allFirst(texts: readonly unknown[]): boolean {
    let first = true;
    for (const text of texts) if (this.cacheable(text) && this.seen.admit(text)) first = false;
    return first;
  }
}
