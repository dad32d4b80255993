// L1: the in-process LRU of encoded results, bounded by entries and by bytes, with a TTL.
// Values are the codec's Buffers, so the byte bound is exact and a cached answer cannot be
// mutated by a caller (every hit decodes a fresh object).
import { LRUCache } from 'lru-cache';

export interface L1Options {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly ttlSeconds: number;
  /** Injected clock (tests); defaults to performance. */
  readonly clock?: { now(): number };
}

/** Bytes charged per entry besides key and value: LRU slots, Map entry, Buffer header. */
export const L1_ENTRY_OVERHEAD_BYTES = 96;

export class L1ResultCache {
  /** Entries dropped to respect a bound (not expirations). */
  evictions = 0;
  expirations = 0;
  private readonly lru: LRUCache<string, Buffer>;

  constructor(readonly options: L1Options) {
    this.lru = new LRUCache<string, Buffer>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (value, key) => value.length + 2 * key.length + L1_ENTRY_OVERHEAD_BYTES,
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
    return this.lru.get(key);
  }

  set(key: string, value: Buffer): void {
    this.lru.set(key, value);
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

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
