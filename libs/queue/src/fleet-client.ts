// One fleet's Redis side, wired from config: queues, result store, producer, the finished-job
// listener and (for workers) the chunk consumer. Apps hold one FleetClient and close it on exit.
import { queueRedisEndpoint, type ApiConfig, type FleetConfig, type RedisEndpoint, type RuntimeConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import type { Classifier } from '@emo/contracts';
import { ChunkConsumer, type ConsumerOptions } from './chunk-consumer';
import { ChunkProcessor } from './chunk-processor';
import { FleetClassifier } from './fleet-classifier';
import { FleetKeys } from './fleet-keys';
import { FleetQueues } from './fleet-queues';
import { JobFinishedListener } from './job-finished-listener';
import { JobProducer } from './job-producer';
import { RedisAvailability } from './redis-availability';
import { createRedis, isCluster, scanTargets, whenReady, type RedisClient } from './redis-connection';
import { readRedisMemory, type RedisMemory } from './redis-memory';
import { writeReadyProbe } from './ready-probe';
import { describeRedisError } from './redis-errors';
import { ResultStore } from './result-store';
import { awaitReplicas, type ReplicationWait } from './replication-wait';

/**
 * The config sections a fleet client reads, as @emo/config gives them (an AppConfig fits). Tests
 * and tools may give only what they use: without the API's admission settings nothing is
 * refused, without a command timeout a command waits for Redis.
 */
export interface FleetClientConfig {
  readonly runtime: Pick<RuntimeConfig, 'redisUrl' | 'queuePrefix'> &
    Partial<Pick<RuntimeConfig, 'redisClusterNodes' | 'redisClusterUsername' | 'redisClusterPassword'>>;
  readonly fleet: Pick<FleetConfig, 'jobChunkSize' | 'jobAttempts' | 'resultTtlSeconds'> &
    Partial<
      Pick<
        FleetConfig,
        | 'classifyResultTtlSeconds'
        | 'classifyCoalesceMaxTexts'
        | 'classifyCoalesceHoldMs'
        | 'classifyCoalesceBusyJobs'
        | 'classifyLaneEnabled'
        | 'fairShareEnabled'
        | 'queueKeepCompletedChunks'
        | 'redisWaitReplicas'
        | 'redisWaitTimeoutMs'
      >
    >;
  readonly api: Pick<ApiConfig, 'classifyDeadlineMs'> &
    Partial<
      Pick<
        ApiConfig,
        | 'redisCommandTimeoutMs'
        | 'queueBacklogTextsInteractive'
        | 'queueBacklogTextsBulk'
        | 'overloadRetryAfterSeconds'
        | 'queueAdmissionDeadlineShare'
      >
    >;
}

export interface FleetClientDeps {
  /** Gets one line per Redis state change (down/up) and BullMQ errors that are not about the connection. */
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
  /**
   * Fail fast while Redis is unreachable (the API): no offline queue, no retries of commands in
   * flight, and REDIS_COMMAND_TIMEOUT_MS per command. Callers must `await ready()` before the first command.
   */
  readonly failFast?: boolean;
}

export class FleetClient {
  readonly keys: FleetKeys;
  readonly redis: RedisClient;
  readonly queues: FleetQueues;
  readonly store: ResultStore;
  readonly producer: JobProducer;
  private listener?: JobFinishedListener;
  private consumer?: ChunkConsumer;
  private consumerRedis?: RedisClient;
  private readonly storeRedis: RedisClient;
  /** REDIS_CLUSTER_NODES, else REDIS_URL. */
  private readonly endpoint: RedisEndpoint;
  /** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS: what every acknowledged write waits for. */
  readonly replicationWait: ReplicationWait;
  /** Reachability of the queue Redis over every connection of this client (logged once per change). */
  readonly availability: RedisAvailability;

  constructor(
    readonly config: FleetClientConfig,
    private readonly deps: FleetClientDeps = {},
  ) {
    const { runtime, fleet, api } = config;
    this.endpoint = queueRedisEndpoint(runtime);
    this.availability = new RedisAvailability(deps.logger);
    this.redis = createRedis(this.endpoint, {
      name: `${runtime.queuePrefix}-fleet`,
      failFast: deps.failFast,
      commandTimeoutMs: api.redisCommandTimeoutMs,
    });
    this.keys = new FleetKeys(runtime.queuePrefix, { cluster: isCluster(this.redis) });
    this.availability.watch(this.redis, 'command');
    // Fair share (ADR 014) is on unless the config turns it off.
    // REDIS_WAIT_REPLICAS (docs/reliability.md, Redis Cluster failover): writes a client is told about wait for replicas.
    const replicationWait = (this.replicationWait = {
      replicas: fleet.redisWaitReplicas ?? 0,
      timeoutMs: fleet.redisWaitTimeoutMs ?? 1000,
    });
    this.queues = new FleetQueues(this.redis, runtime.queuePrefix, (e) => this.bullError(e), {
      fairShare: fleet.fairShareEnabled ?? true,
      keepCompleted: fleet.queueKeepCompletedChunks,
      replicationWait,
    });
    // The store's commands (records, results, admission: every call of a request's path) on a
    // connection of their own with auto-pipelining: concurrent requests share writes to Redis.
    this.storeRedis = createRedis(this.endpoint, {
      name: `${runtime.queuePrefix}-store`,
      failFast: deps.failFast,
      commandTimeoutMs: api.redisCommandTimeoutMs,
      autoPipelining: true,
    });
    this.availability.watch(this.storeRedis, 'store');
    this.store = new ResultStore(this.storeRedis, this.keys, fleet.resultTtlSeconds, Date.now, replicationWait);
    const limits =
      api.queueBacklogTextsInteractive !== undefined && api.queueBacklogTextsBulk !== undefined
        ? { interactive: api.queueBacklogTextsInteractive, bulk: api.queueBacklogTextsBulk }
        : undefined;
    this.producer = new JobProducer(this.queues, this.store, {
      chunkSize: fleet.jobChunkSize,
      attempts: fleet.jobAttempts,
      resultTtlSeconds: fleet.resultTtlSeconds,
      queuedTextLimits: limits,
      overloadRetryAfterSeconds: api.overloadRetryAfterSeconds,
      classifyLane: fleet.classifyLaneEnabled ?? true,
      interactiveDeadline: api.queueAdmissionDeadlineShare
        ? { ms: api.classifyDeadlineMs, share: api.queueAdmissionDeadlineShare }
        : undefined,
    });
  }

  /** Waits until the command connection is ready (QUEUE_UNAVAILABLE after `timeoutMs`). */
  async ready(timeoutMs = 10_000): Promise<void> {
    await Promise.all([whenReady(this.redis, timeoutMs), whenReady(this.storeRedis, timeoutMs)]);
  }

  /** Round trip to Redis; throws when it does not answer. */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /**
   * A small write with a short expiry (readiness): throws what Redis answers, e.g. OOM when it is
   * at maxmemory with noeviction, where reads and PING still succeed but no work can be accepted.
   * On a cluster one key per master (ready-probe.ts).
   */
  async probeWrite(member: string): Promise<void> {
    await writeReadyProbe(this.redis, `${this.keys.prefix}:fleet:ready-probe:${member}`);
  }

  /** used_memory and maxmemory (0: no limit) of the queue Redis, from INFO memory; on a cluster, of its fullest master (redis-memory.ts). */
  memory(): Promise<RedisMemory> {
    return readRedisMemory(this.redis);
  }

  /** A Classifier that answers through the fleet's interactive queue within the deadline. */
  async fleetClassifier(): Promise<FleetClassifier> {
    const listener = await this.finishedListener();
    const ttl = this.config.fleet.classifyResultTtlSeconds;
    const deadlineMs = this.config.api.classifyDeadlineMs;
    // A call's record must outlive its wait: never shorter than the deadline + 5 s.
    const classifyTtl = ttl === undefined ? undefined : Math.max(ttl, Math.ceil(deadlineMs / 1000) + 5);
    return new FleetClassifier(this.producer, this.store, listener, deadlineMs, {
      ttlSeconds: classifyTtl,
      coalesceMaxTexts: this.config.fleet.classifyCoalesceMaxTexts,
      coalesceHoldMs: this.config.fleet.classifyCoalesceHoldMs,
      coalesceBusyJobs: this.config.fleet.classifyCoalesceBusyJobs,
    });
  }

  /**
   * Registers for the end of `jobId` (its last chunk stored, the fleet's "finished" channel): register
   * before reading the job's state, so that a finish in between is not missed; `cancel` when done.
   */
  async watchFinished(jobId: string): Promise<ReturnType<JobFinishedListener['watch']>> {
    return (await this.finishedListener()).watch(jobId);
  }

  /** The process's one subscriber for finished jobs, made and subscribed on first use. */
  private async finishedListener(): Promise<JobFinishedListener> {
    if (!this.listener) {
      const subscriber = this.redis.duplicate();
      this.availability.watch(subscriber, 'subscriber');
      this.listener = new JobFinishedListener(subscriber, this.keys);
    }
    await this.listener.start();
    return this.listener;
  }

  /** Starts BullMQ workers on both queues that feed chunks to `classifier`. */
  startConsumer(classifier: Classifier, options: Omit<ConsumerOptions, 'prefix'>): ChunkConsumer {
    if (!this.consumerRedis) {
      this.consumerRedis = createRedis(this.endpoint, { blocking: true, name: `${this.keys.prefix}-worker` });
      this.availability.watch(this.consumerRedis, 'worker');
    }
    this.consumer = new ChunkConsumer(this.consumerRedis, new ChunkProcessor(classifier, this.store, options.stageTimer), {
      ...options,
      prefix: this.keys.prefix,
    });
    this.consumer.start();
    return this.consumer;
  }

  /**
   * Resolves once REDIS_WAIT_REPLICAS replicas of the master holding `jobId`'s record have what this
   * client's queue connection wrote there (a backfill upload: its record, inputs and seal).
   */
  replicated(jobId: string): Promise<void> {
    return awaitReplicas(this.redis, this.keys.meta(jobId), this.replicationWait);
  }

  /** Removes every queue and key of this fleet's prefix (throwaway fleets: tests, benchmarks). */
  async purge(): Promise<void> {
    await this.queues.obliterate();
    // A cluster's keys are spread over its masters: each is scanned, and keys are deleted one by one (slots differ).
    for (const node of scanTargets(this.redis))
      for (const pattern of this.keys.patterns) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          if (keys.length > 0) await (this.keys.cluster ? Promise.all(keys.map((k) => node.del(k))) : node.del(...keys));
          cursor = next;
        } while (cursor !== '0');
      }
  }

  async close(): Promise<void> {
    this.availability.close();
    await this.listener?.close();
    await this.queues.close();
    await Promise.all([this.redis, this.storeRedis, this.consumerRedis].map((r) => r?.quit().catch(() => undefined)));
  }

  /** BullMQ queue errors: connection trouble feeds the availability state; anything else is logged. */
  private bullError(error: Error): void {
    if (!this.availability.noteError(error)) this.deps.logger?.warn({ reason: describeRedisError(error) }, 'queue error');
  }
}
