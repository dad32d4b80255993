// Whether the queue Redis is reachable, from the state of every connection a FleetClient holds
// (command, subscriber, worker) and the errors BullMQ reports. Every connection gets an 'error'
// listener here (no "[ioredis] Unhandled error event" stacks), and the state is logged once per
// change — `queue Redis unavailable` (warn, with the reason) and `queue Redis available again`
// (info, with the downtime) — never once per reconnect attempt or failed command.
import type { Logger } from '@emo/profiler';
import { describeRedisError, redisFailureOf } from './redis-errors';

/** A connection (ioredis Redis or Cluster): its state and its events. */
interface Watched {
  readonly status: string;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export class RedisAvailability {
  private readonly connections = new Map<Watched, { name: string; wasReady: boolean }>();
  private downSince?: number;
  private lastError?: string;
  private closing = false;
  /** State changes so far (tests, metrics). */
  changes = 0;

  constructor(
    private readonly logger?: Pick<Logger, 'warn' | 'info'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows one connection; a connection counts once it has been ready. */
  watch(redis: Watched, name: string): void {
    const entry = { name, wasReady: redis.status === 'ready' };
    this.connections.set(redis, entry);
    redis.on('error', (e: unknown) => {
      this.lastError = describeRedisError(e);
      this.update();
    });
    for (const event of ['ready', 'close', 'end', 'reconnecting']) {
      redis.on(event, () => {
        if (redis.status === 'ready') entry.wasReady = true;
        this.update();
      });
    }
  }

  /** Errors of BullMQ queues and workers: connection errors only feed the state (no log line). */
  noteError(error: unknown): boolean {
    if (!redisFailureOf(error)) return false;
    this.lastError = describeRedisError(error);
    return true;
  }

  get up(): boolean {
    return this.downSince === undefined;
  }

  /** Since when (ms) it has been down; undefined while up. */
  get since(): number | undefined {
    return this.downSince;
  }

  /** Stops reporting (the client is closing its connections on purpose). */
  close(): void {
    this.closing = true;
  }

  private update(): void {
    if (this.closing) return;
    const notReady = [...this.connections]
      .filter(([r, c]) => c.wasReady && r.status !== 'ready' && r.status !== 'end')
      .map(([, c]) => c.name);
    if (notReady.length > 0 && this.downSince === undefined) {
      this.downSince = this.now();
      this.changes++;
      this.logger?.warn({ connections: notReady, reason: this.lastError ?? 'connection closed' }, 'queue Redis unavailable');
    } else if (notReady.length === 0 && this.downSince !== undefined) {
      const downMs = this.now() - this.downSince;
      this.downSince = undefined;
      this.changes++;
      this.logger?.info({ downMs, lastError: this.lastError }, 'queue Redis available again');
      this.lastError = undefined;
    }
  }
}
