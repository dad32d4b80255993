// Redis home of the batch optimizer's learned parameters (libs/batching BatchParamsStore): one
// JSON string per model + device under QUEUE_PREFIX, so a new worker starts with a fitted
// latency model and the remembered OOM limit. Kept for 30 days after the last save.
import type { Redis } from 'ioredis';
import { parseLearnedBatchParams, type BatchParamsStore, type LearnedBatchParams } from '@emo/batching';

const TTL_SECONDS = 30 * 24 * 3600;

export class RedisBatchParamsStore implements BatchParamsStore {
  constructor(
    private readonly redis: Redis,
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
    await this.redis.set(this.key(paramsKey), JSON.stringify(params), 'EX', TTL_SECONDS);
  }
}
