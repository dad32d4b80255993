// Synthetic chat logs for benchmarks: messages drawn from GoEmotions train texts, with a
// repetition profile like real chat (about 30% of messages repeat a short list of common
// phrases, Zipf-distributed), conversation and user ids, and increasing timestamps.
// Written to a temp dir; never committed.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface ChatLogOptions {
  readonly messages: number;
  readonly texts: readonly string[];
  /** Share of messages that repeat a phrase from the hot set (default 0.3). */
  readonly repeatShare?: number;
  /** Size of the hot set of repeated phrases (default 2,000). */
  readonly hotSetSize?: number;
  /** Only texts up to this many characters join the hot set (default 40: "lol", "thanks!", "ok"). */
  readonly hotSetMaxChars?: number;
  /** Zipf exponent over the hot set (default 1.1). */
  readonly zipfExponent?: number;
  readonly seed?: number;
}

/** Deterministic PRNG (mulberry32) so a benchmark input is reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sampler of ranks 0..n-1 with P(k) ∝ 1/(k+1)^s, by inverse CDF. */
export function zipfSampler(n: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const u = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function* chatMessages(
  opts: ChatLogOptions,
): Generator<{ id: string; conversation_id: string; user: string; ts: string; text: string }> {
  const rand = prng(opts.seed ?? 42);
  const maxChars = opts.hotSetMaxChars ?? 40;
  const hot = opts.texts.filter((t) => t.length <= maxChars).slice(0, opts.hotSetSize ?? 2000);
  const zipf = zipfSampler(Math.max(hot.length, 1), opts.zipfExponent ?? 1.1, rand);
  const repeatShare = opts.repeatShare ?? 0.3;
  let ts = Date.UTC(2024, 0, 1);
  for (let i = 0; i < opts.messages; i++) {
    ts += Math.floor(rand() * 5000);
    const text = rand() < repeatShare && hot.length > 0 ? hot[zipf()] : opts.texts[Math.floor(rand() * opts.texts.length)];
    yield {
      id: `m${i}`,
      conversation_id: `c${Math.floor(i / 50)}`,
      user: `u${Math.floor(rand() * 5000)}`,
      ts: new Date(ts).toISOString(),
      text,
    };
  }
}

export async function writeChatLog(path: string, opts: ChatLogOptions): Promise<void> {
  const out = createWriteStream(path);
  for (const m of chatMessages(opts)) if (!out.write(`${JSON.stringify(m)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}
