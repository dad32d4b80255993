// Profile snapshots and job spans in Redis, under the fleet's QUEUE_PREFIX. The connection is
// injected (the fleet's ioredis client, typed structurally here: only libs/queue and libs/cache
// create Redis clients). Keys:
//   <prefix>:profile:snap:<source>   one JSON snapshot per process, PX = publish TTL
//   <prefix>:profile:sources         sorted set source → expiry (ms), pruned on read
//   <prefix>:trace:<jobId>           list of JSON spans, EXPIRE = TRACE_RETENTION_SECONDS, capped
// On a Redis Cluster the snapshots and the sources set are `<prefix>:profile:{<prefix>:profile}:…`:
// one hash tag, so reading every process's snapshot stays one MGET (keys of one slot).
import type { SpanRecord, TraceStore } from '../tracing/span-record';
import type { ProfileSnapshot } from '../window/profile-snapshot';
import type { ProfileStore } from './profile-store';

/** The Redis commands used (an ioredis client satisfies it). */
export interface ProfileRedis {
  /** true on an ioredis Cluster (keys then carry a hash tag). */
  readonly isCluster?: boolean;
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  mget(...keys: string[]): Promise<(string | null)[]>;
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zremrangebyscore(key: string, min: number | string, max: number | string): Promise<unknown>;
  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]>;
  rpush(key: string, ...values: string[]): Promise<unknown>;
  ltrim(key: string, start: number, stop: number): Promise<unknown>;
  expire(key: string, seconds: number): Promise<unknown>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
}

const MAX_SPANS_PER_TRACE = 10_000;

export class RedisProfileStore implements ProfileStore, TraceStore {
  /** Where the snapshots and the sources set live: `<prefix>:profile`, hash-tagged on a cluster. */
  private readonly profileRoot: string;

  constructor(
    private readonly redis: ProfileRedis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.profileRoot = redis.isCluster ? `${prefix}:profile:{${prefix}:profile}` : `${prefix}:profile`;
  }

  async publish(snapshot: ProfileSnapshot, ttlMs: number): Promise<void> {
    const expiresAt = this.now() + ttlMs;
    await this.redis.set(this.snapKey(snapshot.source), JSON.stringify(snapshot), 'PX', Math.max(1, Math.round(ttlMs)));
    await this.redis.zadd(this.sourcesKey, expiresAt, snapshot.source);
  }

  async recent(): Promise<ProfileSnapshot[]> {
    const now = this.now();
    await this.redis.zremrangebyscore(this.sourcesKey, '-inf', now);
    const sources = await this.redis.zrangebyscore(this.sourcesKey, now, '+inf');
    if (sources.length === 0) return [];
    const values = await this.redis.mget(...sources.map((s) => this.snapKey(s)));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as ProfileSnapshot);
  }

  async appendSpans(traceId: string, spans: readonly SpanRecord[], ttlSeconds: number): Promise<void> {
    if (spans.length === 0) return;
    const key = this.traceKey(traceId);
    await this.redis.rpush(key, ...spans.map((s) => JSON.stringify(s)));
    await this.redis.ltrim(key, -MAX_SPANS_PER_TRACE, -1);
    await this.redis.expire(key, ttlSeconds);
  }

  async spans(traceId: string): Promise<SpanRecord[]> {
    const raw = await this.redis.lrange(this.traceKey(traceId), 0, -1);
    return raw.map((s) => JSON.parse(s) as SpanRecord).sort((a, b) => a.start - b.start);
  }

  /** Keys this store writes for a job (cleanup in tests). */
  traceKey(traceId: string): string {
    return `${this.prefix}:trace:${traceId}`;
  }

  snapKey(source: string): string {
    return `${this.profileRoot}:snap:${source}`;
  }

  get sourcesKey(): string {
    return `${this.profileRoot}:sources`;
  }
}
