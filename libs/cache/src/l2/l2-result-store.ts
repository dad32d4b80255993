// L2: encoded results in the shared cache Redis, read with one MGET and written with one
// SET_MANY command per batch (set-many.lua: SET … PX for each entry; at most SET_MANY_MAX entries a
// command, so no write holds Redis for long). It never throws: a failed or slow call (over timeoutMs) is a
// miss, L2 is then skipped for retryMs before it is tried again, and outages are logged at most
// once per logIntervalMs, however often L2 flaps between up and down (a CPU-starved host trips the
// timeout again and again) — the product keeps answering from L1 + inference and recovers by itself.
// On a Redis Cluster (CACHE_REDIS_CLUSTER_NODES) a multi-key command must stay in one slot: the MGET
// is split into one per slot and the SETs go one by one, all issued together, so auto-pipelining
// sends one write per node.
import type { Redis } from 'ioredis';
import type { CacheRedis } from './cache-redis';
import setManyLua from './set-many.lua';
import { groupBySlot } from '@emo/config';
import type { Logger } from '@emo/profiler';
import type { CacheMetrics } from '../metrics/cache-metrics';
import { LatencyWindow } from '../metrics/latency-window';

export interface L2Options {
  readonly ttlSeconds: number;
  readonly timeoutMs: number;
  readonly retryMs: number;
  readonly logIntervalMs: number;
  readonly metrics: CacheMetrics;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
  /** Milliseconds clock (tests). */
  readonly now?: () => number;
}

export type L2State = 'up' | 'down';

/** Entries per SET_MANY command: one command runs alone on Redis, so a big batch goes as several. */
const SET_MANY_MAX = 512;

/** SET_MANY (set-many.lua) as an ioredis method: numKeys keys, their values, then one PX for all; returns numKeys. */
interface L2Commands {
  emoL2SetMany(numKeys: number, ...args: (string | Buffer | number)[]): Promise<number>;
}

/** `redis` with SET_MANY defined (once per client: several stores may share one; ioredis sends EVALSHA, EVAL on NOSCRIPT). */
function withSetMany(redis: Redis): Redis & L2Commands {
  if (!('emoL2SetMany' in redis)) redis.defineCommand('emoL2SetMany', { lua: setManyLua });
  return redis as Redis & L2Commands;
}

class L2Timeout extends Error {
  constructor(op: string, ms: number) {
    super(`L2 ${op} took longer than ${ms} ms`);
  }
}

export class L2ResultStore {
  hits = 0;
  misses = 0;
  errors = 0;
  /** Keys not even asked for because L2 was marked down. */
  skipped = 0;
  readonly latency = new LatencyWindow();
  private downSince?: number;
  private retryAt = 0;
  private lastLogAt = Number.NEGATIVE_INFINITY;
  private failuresSinceLog = 0;
  /** The current outage was logged: its recovery is logged too (an unlogged one recovers silently). */
  private outageLogged = false;
  private readonly now: () => number;
  /**
   * The one server, with SET_MANY defined; undefined on a cluster, where a batch's keys span slots
   * (per-key SETs, per-slot MGETs). Every single-or-cluster branch of this store asks this field.
   */
  private readonly single?: Redis & L2Commands;

  constructor(
    readonly redis: CacheRedis,
    private readonly opts: L2Options,
  ) {
    this.now = opts.now ?? Date.now;
    if (!redis.isCluster) this.single = withSetMany(redis as Redis);
  }

  get state(): L2State {
    return this.downSince === undefined ? 'up' : 'down';
  }

  /** Values for keys (undefined = miss); all misses when L2 is down or slow. */
  async mget(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    const none = () => new Array<Buffer | undefined>(keys.length).fill(undefined);
    if (keys.length === 0) return [];
    if (!this.shouldTry()) {
      this.skipped += keys.length;
      return none();
    }
    const started = performance.now();
    try {
      const values = await this.withTimeout(this.read(keys), 'mget');
      this.succeeded('mget', started);
      const out = values.map((v) => v ?? undefined);
      const found = out.filter((v) => v !== undefined).length;
      this.hits += found;
      this.misses += out.length - found;
      return out;
    } catch (e) {
      this.failed('mget', e);
      return none();
    }
  }

  /**
   * Writes entries with the TTL (±10% jitter: per entry on a cluster and for a lone entry, per
   * SET_MANY command of up to 512 entries otherwise); failures are counted and logged, never thrown.
   */
  async setMany(entries: readonly (readonly [string, Buffer])[]): Promise<void> {
    if (entries.length === 0 || !this.shouldTry()) return;
    const ttlMs = this.opts.ttlSeconds * 1000;
    const px = () => Math.round(ttlMs * (0.9 + 0.2 * Math.random()));
    const started = performance.now();
    try {
      const single = this.single;
      // One entry (a lone interactive text) is a plain SET: cheaper on Redis than a script call.
      if (!single || entries.length === 1)
        await this.withTimeout(Promise.all(entries.map(([key, value]) => this.redis.set(key, value, 'PX', px()))), 'set');
      else {
        const writes: Promise<number>[] = [];
        for (let start = 0; start < entries.length; start += SET_MANY_MAX) {
          const slice = entries.slice(start, start + SET_MANY_MAX);
          writes.push(single.emoL2SetMany(slice.length, ...slice.map(([key]) => key), ...slice.map(([, value]) => value), px()));
        }
        await this.withTimeout(Promise.all(writes), 'set');
      }
      this.succeeded('set', started);
    } catch (e) {
      this.failed('set', e);
    }
  }

  /** One MGET; on a cluster one per slot, issued together, answers put back in the keys' order. */
  private async read(keys: readonly string[]): Promise<(Buffer | null)[]> {
    if (this.single) return this.single.mgetBuffer(...keys);
    const out = new Array<Buffer | null>(keys.length).fill(null);
    await Promise.all(
      groupBySlot(keys).map(async (group) => {
        const values = await this.redis.mgetBuffer(...group.map((i) => keys[i]));
        group.forEach((i, k) => (out[i] = values[k]));
      }),
    );
    return out;
  }

  private shouldTry(): boolean {
    return this.downSince === undefined || this.now() >= this.retryAt;
  }

  /**
   * The timeout counts time Redis had to answer, not this process's own event-loop lag: the clock
   * starts when the current turn ends (the auto-pipelined command is written then), and at the end the
   * verdict waits one more turn, so a reply already in the socket is read (poll phase) and wins. Before
   * this, a third of a big job's L2 reads "timed out" while 64 chunks' keys were hashed in one turn,
   * each marking L2 down for CACHE_L2_RETRY_MS and logging an outage that was not one.
   */
  private withTimeout<T>(promise: Promise<T>, op: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const timeout = new Promise<never>((_, reject) => {
      const ms = this.opts.timeoutMs;
      setImmediate(() => {
        if (settled) return;
        // Measured on the real clock: a timer armed right after a long turn is due from the loop's
        // cached time, so it can fire early; it is armed again for what is left.
        const started = performance.now();
        const check = () => {
          const left = ms - (performance.now() - started);
          if (left > 0) timer = setTimeout(check, left);
          else setImmediate(() => reject(new L2Timeout(op, ms)));
        };
        timer = setTimeout(check, ms);
      });
    });
    timeout.catch(() => undefined); // it only matters while the race is on
    promise.catch(() => undefined); // a late rejection after the timeout is expected, not unhandled
    return Promise.race([promise, timeout]).finally(() => {
      settled = true;
      clearTimeout(timer);
    });
  }

  private succeeded(op: string, started: number): void {
    const ms = performance.now() - started;
    this.latency.add(ms);
    this.opts.metrics.l2Seconds.observe({ op }, ms / 1000);
    if (this.downSince !== undefined) {
      if (this.outageLogged) {
        this.opts.logger?.info({ downMs: this.now() - this.downSince, failures: this.failuresSinceLog }, 'L2 cache recovered');
        this.failuresSinceLog = 0;
      }
      this.downSince = undefined;
      this.outageLogged = false;
    }
  }

  private failed(op: string, e: unknown): void {
    this.errors++;
    this.failuresSinceLog++;
    this.opts.metrics.l2Errors.inc({ op });
    const now = this.now();
    this.retryAt = now + this.opts.retryMs;
    const firstFailure = this.downSince === undefined;
    if (firstFailure) this.downSince = now;
    // The interval holds across recoveries: a flapping L2 logs one line per interval, not one per trip.
    if (now - this.lastLogAt >= this.opts.logIntervalMs) {
      this.opts.logger?.warn(
        { op, reason: (e as Error).message, failures: this.failuresSinceLog, retryMs: this.opts.retryMs },
        firstFailure ? 'L2 cache unavailable: answering from L1 + inference until it is back' : 'L2 cache still unavailable',
      );
      this.lastLogAt = now;
      this.failuresSinceLog = 0;
      this.outageLogged = true;
    }
  }
}
