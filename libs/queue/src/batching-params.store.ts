// Redis home of the batch optimizer's learned parameters (libs/batching BatchParamsStore): one
// JSON string per model + device under QUEUE_PREFIX, so a new worker starts with a fitted
// latency model and the remembered OOM limit. Kept for 30 days after the last save. Saves are
// fired without waiting (the batcher's persist hook); flush() lets a closing worker wait for them
// before it closes the connection.
import type { RedisClient } from './redis-connection';
import { parseLearnedBatchParams, type BatchParamsStore, type LearnedBatchParams } from '@emo/batching';

const TTL_SECONDS = 30 * 24 * 3600;
/** How long flush() waits for saves in flight: a Redis that does not answer must not hold a shutdown. */
const FLUSH_TIMEOUT_MS = 2000;

export class RedisBatchParamsStore implements BatchParamsStore {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  key(paramsKey: string): string {
    return `${this.prefix}:batching:params:${paramsKey}`;
  }

  async load(paramsKey: string): Promise<LearnedBatchParams | undefined> {
    const raw = await this.redis.get(this.key(paramsKey));
    if (raw === null) return undefined;
    try {
      return parseLearnedBatchParams(JSON.parse(raw));
    } catch {
      return undefined;
    }
  }

  async save(paramsKey: string, params: LearnedBatchParams): Promise<void> {
    const saving = this.redis.set(this.key(paramsKey), JSON.stringify(params), 'EX', TTL_SECONDS);
    this.inFlight.add(saving);
    try {
      await saving;
    } finally {
      this.inFlight.delete(saving);
    }
  }

  /**
   * Waits until the saves in flight are done (each one's failure is its caller's to report), at most
   * `timeoutMs`. Call it after the engine closed (its close saves what it learned) and before the
   * connection closes.
   */
  async flush(timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    clearTimeout(timer);
  }
}
