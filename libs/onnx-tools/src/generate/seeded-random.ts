// A small, fast, seeded PRNG (mulberry32) for reproducible random weights: the same seed gives
// the same model bytes on every machine.
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `count` values uniform in [-a, a) with a = std·√3, so their standard deviation is `std`. */
  fill(count: number, std: number): Float32Array {
    const out = new Float32Array(count);
    const a = std * Math.sqrt(3);
    for (let i = 0; i < count; i++) out[i] = (this.next() * 2 - 1) * a;
    return out;
  }
}
