// One fleet's Redis side, wired from config: queues, result store, producer, the finished-job
// listener and (for workers) the chunk consumer. Apps hold one FleetClient and close it on exit.
import type { AppConfig } from '@emo/config';
import type { Redis } from 'ioredis';
import type { Classifier } from './classifier';
import { ChunkConsumer, type ConsumerOptions } from './chunk-consumer';
import { ChunkProcessor } from './chunk-processor';
import { FleetClassifier } from './fleet-classifier';
import { FleetKeys } from './fleet-keys';
import { FleetQueues } from './fleet-queues';
import { JobFinishedListener } from './job-finished-listener';
import { JobProducer } from './job-producer';
import { createRedis } from './redis-connection';
import { ResultStore } from './result-store';

export interface FleetClientOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly chunkSize: number;
  readonly attempts: number;
  readonly resultTtlSeconds: number;
  readonly classifyDeadlineMs: number;
}

export function fleetOptionsFromConfig(config: AppConfig): FleetClientOptions {
  return {
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    chunkSize: config.jobChunkSize,
    attempts: config.jobAttempts,
    resultTtlSeconds: config.resultTtlSeconds,
    classifyDeadlineMs: config.classifyDeadlineMs,
  };
}

export class FleetClient {
  readonly keys: FleetKeys;
  readonly redis: Redis;
  readonly queues: FleetQueues;
  readonly store: ResultStore;
  readonly producer: JobProducer;
  private listener?: JobFinishedListener;
  private consumer?: ChunkConsumer;
  private consumerRedis?: Redis;

  constructor(readonly options: FleetClientOptions) {
    this.keys = new FleetKeys(options.prefix);
    this.redis = createRedis(options.redisUrl, { name: `${options.prefix}-fleet` });
    this.queues = new FleetQueues(this.redis, options.prefix);
    this.store = new ResultStore(this.redis, this.keys, options.resultTtlSeconds);
    this.producer = new JobProducer(this.queues, this.store, { chunkSize: options.chunkSize, attempts: options.attempts, resultTtlSeconds: options.resultTtlSeconds });
  }

  /** Round trip to Redis; throws when it does not answer. */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** A Classifier that answers through the fleet's interactive queue within the deadline. */
  async fleetClassifier(): Promise<FleetClassifier> {
    if (!this.listener) {
      this.listener = new JobFinishedListener(this.redis.duplicate(), this.keys);
    }
    await this.listener.start();
    return new FleetClassifier(this.producer, this.store, this.listener, this.options.classifyDeadlineMs);
  }

  /** Starts BullMQ workers on both queues that feed chunks to `classifier`. */
  startConsumer(classifier: Classifier, options: Omit<ConsumerOptions, 'prefix'>): ChunkConsumer {
    this.consumerRedis ??= createRedis(this.options.redisUrl, { blocking: true, name: `${this.options.prefix}-worker` });
    this.consumer = new ChunkConsumer(this.consumerRedis, new ChunkProcessor(classifier, this.store, options.stageTimer), { ...options, prefix: this.options.prefix });
    this.consumer.start();
    return this.consumer;
  }

  /** Removes every queue and key of this fleet's prefix (throwaway fleets: tests, benchmarks). */
  async purge(): Promise<void> {
    await this.queues.obliterate();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.options.prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    await this.listener?.close();
    await this.queues.close();
    await Promise.all([this.redis, this.consumerRedis].map((r) => r?.quit().catch(() => undefined)));
  }
}
