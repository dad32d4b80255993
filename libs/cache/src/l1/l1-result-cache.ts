// L1: the in-process LRU of encoded results, bounded by entries and by bytes, with a TTL.
// The byte bound counts what an entry really costs in this process (docs/cache.md, "L1 memory"):
// - the value is kept as a one-byte string copied out of the caller's Buffer (a Buffer handed in is
//   often a slice of a 64 KiB Redis reply or of Node's 8 KiB allocation pool, and would keep all of
//   it alive); on the V8 heap, so nothing outside the charge stays reachable and GC compacts it;
// - the key string (a prefix + hash cons string flattened on first use keeps its wrapper);
// - the Map entry of lru-cache's index, at its worst load factor;
// - lru-cache's per-slot arrays, allocated up front for maxEntries slots (charged at construction).
// Every hit decodes a fresh Buffer, so a cached answer cannot be mutated by a caller.
import { LRUCache } from 'lru-cache';

export interface L1Options {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly ttlSeconds: number;
  /** Injected clock (tests); defaults to performance. */
  readonly clock?: { now(): number };
}

/** V8 string header (map, hash, length) before the characters; objects are 8-byte aligned. */
export const V8_STRING_HEADER_BYTES = 16;
/** A cons string (prefix + hash) used as a key: after V8 flattens it, the 32-byte wrapper stays. */
export const L1_KEY_WRAPPER_BYTES = 32;
/**
 * One entry of lru-cache's key → index Map: V8's OrderedHashMap keeps key, value and chain (3 words)
 * plus half a bucket word per entry, and its capacity is up to twice the entries (it doubles).
 */
export const L1_MAP_ENTRY_BYTES = 64;
/**
 * lru-cache arrays allocated for every slot up to `max` at construction: keyList and valList
 * (8 bytes each), next, prev and the free stack (Uint32, 4 each), sizes, ttls, starts (8 each).
 */
export const L1_SLOT_BYTES = 52;
/** Share of the byte budget the up-front slot arrays may take (maxEntries is lowered to fit). */
const SLOT_SHARE = 0.25;

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Heap bytes of a flat V8 string with these characters (one byte each while all are Latin-1, else two). */
export function stringBytes(s: string): number {
  let perChar = 1;
  for (let i = 0; i < s.length && perChar === 1; i++) if (s.charCodeAt(i) > 0xff) perChar = 2;
  return align8(V8_STRING_HEADER_BYTES + s.length * perChar);
}

/** What one entry costs besides the up-front slots: value string, key string and wrapper, Map entry. */
export function l1EntryBytes(key: string, valueBytes: number): number {
  return align8(V8_STRING_HEADER_BYTES + valueBytes) + L1_KEY_WRAPPER_BYTES + stringBytes(key) + L1_MAP_ENTRY_BYTES;
}

export class L1ResultCache {
  /** Entries dropped to respect a bound (not expirations). */
  evictions = 0;
  expirations = 0;
  /** Slots lru-cache allocates up front (maxEntries, lowered when they would take over a quarter of maxBytes). */
  readonly slots: number;
  /** Bytes of those slots, counted in `bytes` from the start. */
  readonly fixedBytes: number;
  private readonly lru: LRUCache<string, string>;

  constructor(readonly options: L1Options) {
    this.slots = Math.max(1, Math.min(options.maxEntries, Math.floor((options.maxBytes * SLOT_SHARE) / L1_SLOT_BYTES)));
    this.fixedBytes = this.slots * L1_SLOT_BYTES;
    this.lru = new LRUCache<string, string>({
      max: this.slots,
      maxSize: Math.max(1, options.maxBytes - this.fixedBytes),
      sizeCalculation: (value, key) => l1EntryBytes(key, value.length),
      ttl: options.ttlSeconds * 1000,
      ttlAutopurge: false,
      updateAgeOnGet: false,
      ...(options.clock ? { perf: options.clock, ttlResolution: 0 } : {}),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.evictions++;
        else if (reason === 'expire') this.expirations++;
      },
    });
  }

  get(key: string): Buffer | undefined {
    const value = this.lru.get(key);
    if (value === undefined) return undefined;
    const out = Buffer.allocUnsafe(value.length);
    out.write(value, 0, 'latin1');
    return out;
  }

  /** Keeps a copy of `value` (never `value` itself, nor the memory it is a slice of). */
  set(key: string, value: Buffer): void {
    this.lru.set(key, value.toString('latin1'));
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  get entries(): number {
    return this.lru.size;
  }

  /** Bytes held: the up-front slot arrays plus every entry's charge (l1EntryBytes). */
  get bytes(): number {
    return this.fixedBytes + this.lru.calculatedSize;
  }
}
