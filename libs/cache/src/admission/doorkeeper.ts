// The admission filter of bulk results (CACHE_BULK_ADMISSION=second-hit): a bulk text's result is
// stored (L1 and L2) only when this process has computed the same key before. Backfills of chat
// history are mostly texts that occur once; storing each of them costs the encoding, an L1 slot
// (evicting what interactive calls reuse) and a Redis write that lives for CACHE_L2_TTL_SECONDS,
// for a result nobody asks for again. Texts that repeat are stored from their second sighting on.
// This is TinyLFU's "doorkeeper" (Einziger, Friedman & Manes, 2017) and Akamai's cache-on-second-hit.
//
// A Bloom filter of `capacity` keys at about 1 % false positives (10 bits and 3 probes per key, by
// double hashing of two 32-bit FNV-1a hashes of the key), cleared when `capacity` keys went in, so
// its memory is fixed (capacity × 10 bits: 1.25 MB for a million keys) whatever a backfill's size.
// A false positive stores a first sighting (what `always` does for every text); a clear forgets
// first sightings (such a text is stored from its third sighting instead). Neither changes an answer.

const BITS_PER_KEY = 10;
const PROBES = 3;

function fnv1a(key: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Doorkeeper {
  private readonly bits: Uint32Array;
  private readonly size: number;
  private added = 0;
  /** Times the filter was cleared after `capacity` keys (a clear forgets first sightings). */
  resets = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`doorkeeper capacity must be a positive integer, got ${capacity}`);
    this.size = Math.ceil((capacity * BITS_PER_KEY) / 32) * 32;
    this.bits = new Uint32Array(this.size / 32);
  }

  /** Bytes of the filter (fixed at construction). */
  get bytes(): number {
    return this.bits.byteLength;
  }

  /** Whether `key` was recorded since the last clear (false positives at about 1 % when full; never a false negative). */
  seen(key: string): boolean {
    return this.probe(key, false);
  }

  /**
   * Whether `key` was recorded before (then it is admitted); a key not seen is recorded and refused.
   * Counts toward the clear only when it records a new key.
   */
  admit(key: string): boolean {
    if (this.probe(key, true)) return true;
    if (++this.added >= this.capacity) {
      this.bits.fill(0);
      this.added = 0;
      this.resets++;
    }
    return false;
  }

  /** Whether every probe bit of `key` is set; with `record`, sets the ones that are not. */
  private probe(key: string, record: boolean): boolean {
    const h1 = fnv1a(key, 0x811c9dc5);
    const h2 = fnv1a(key, 0x9747b28c) | 1; // odd: the probes never repeat one position
    let seen = true;
    for (let i = 0; i < PROBES; i++) {
      const at = ((h1 + Math.imul(i, h2)) >>> 0) % this.size;
      const mask = 1 << (at & 31);
      if ((this.bits[at >>> 5] & mask) === 0) {
        seen = false;
        if (!record) return false;
        this.bits[at >>> 5] |= mask;
      }
    }
    return seen;
  }
}
