// Names of every queue, key and channel of one fleet. QUEUE_PREFIX namespaces all of them, so
// several fleets (or test runs) share one Redis without seeing each other's work.
// On a Redis Cluster (`cluster: true`) every Lua script and MULTI must touch one slot, so keys carry
// hash tags (docs/fleet.md, Redis Cluster): BullMQ's queues and the fair-share hash `{<prefix>}`,
// a job's record, results and backfill inputs `{<job id>}`, the admission counters
// `{<prefix>:admission}`. On one Redis the names stay as they always were (no tags).
import type { Priority } from './fleet-job.types';

export const QUEUE_NAMES: Readonly<Record<Priority, string>> = { interactive: 'interactive', bulk: 'bulk' };
export const PRIORITIES: readonly Priority[] = ['interactive', 'bulk'];

export interface FleetKeysOptions {
  /** Keys hash-tagged for a Redis Cluster (default false: one Redis, untagged names). */
  readonly cluster?: boolean;
}

export class FleetKeys {
  readonly cluster: boolean;
  /** BullMQ's key prefix: `<prefix>`, or on a cluster `{<prefix>}` (every key of a queue in one slot, as BullMQ needs). */
  readonly bullPrefix: string;
  private readonly admission: string;

  constructor(
    readonly prefix: string,
    options: FleetKeysOptions = {},
  ) {
    this.cluster = options.cluster ?? false;
    this.bullPrefix = this.cluster ? `{${prefix}}` : prefix;
    this.admission = this.cluster ? `${prefix}:fleet:{${prefix}:admission}` : `${prefix}:fleet`;
  }

  /** Hash: status, counters and timings of one fleet job (results and backfill inputs share its slot). */
  meta(jobId: string): string {
    return this.cluster ? `${this.prefix}:fleet:job:{${jobId}}` : `${this.prefix}:fleet:job:${jobId}`;
  }

  /** Hash: chunk index → that chunk's NDJSON result lines. One field per chunk makes writes idempotent. */
  results(jobId: string): string {
    return `${this.meta(jobId)}:results`;
  }

  /**
   * String: one tenant's idempotency key → `<payload digest>:<job id>` (create-job.lua). Keys are per
   * tenant: two tenants using the same key get a job each. A tenant id holds no ':', so the key is unambiguous.
   */
  idempotency(tenant: string, key: string): string {
    return `${this.prefix}:fleet:idem:${tenant}:${key}`;
  }

  /**
   * Hash of the texts queued on one priority's queue and not yet picked up: chunk job id → texts,
   * and field `#texts` → their sum (admission in texts, see ResultStore.reserveTexts).
   */
  queuedTexts(priority: Priority): string {
    return `${this.admission}:queued-texts:${priority}`;
  }

  /** Hash: the texts per second workers take from one priority's queue (current second, capacity estimate). */
  drain(priority: Priority): string {
    return `${this.admission}:drain:${priority}`;
  }

  /** Hash of the bulk queue's fair-share clock and per-tenant marks (commands/fair-stamp.lua): in the bulk queue's slot. */
  get fairShare(): string {
    return `${this.bullPrefix}:fleet:fair-share:bulk`;
  }

  /**
   * List of POST /v1/classify chunks waiting for a worker: the interactive lane (lane/, ADR 020),
   * beside BullMQ's queues and in their slot on a cluster. KEDA's interactive trigger reads its length.
   */
  get laneWait(): string {
    return `${this.bullPrefix}:lane:interactive`;
  }

  /** Sorted set of the workers taking from the lane: worker id → when its lease lapses (Redis clock, ms). */
  get laneWorkers(): string {
    return `${this.laneWait}:workers`;
  }

  /** The key prefix of the workers' taken lists (a worker id follows). */
  get laneTakenPrefix(): string {
    return `${this.laneWait}:taken:`;
  }

  /** List of the entries one worker took from the lane and has not settled. */
  laneTaken(worker: string): string {
    return `${this.laneTakenPrefix}${worker}`;
  }

  /** List of lane entries out of attempts or stalls, waiting for their CHUNK_FAILED lines. */
  get laneDead(): string {
    return `${this.laneWait}:dead`;
  }

  /** SCAN patterns that cover every key of this fleet (purge). */
  get patterns(): string[] {
    return this.cluster ? [`${this.prefix}:*`, `${this.bullPrefix}:*`] : [`${this.prefix}:*`];
  }

  /** Pub/sub channel that carries the id of every job that finished (completed or cancelled). */
  get finishedChannel(): string {
    return `${this.prefix}:fleet:finished`;
  }

  /**
   * Pub/sub channel of one API process (its JobFinishedListener's inbox): a job created with this
   * channel as its `push` field publishes `<job id>\n<result lines>` here when it finishes, so the
   * process that waits for a /v1/classify call gets its results without reading the store.
   */
  inboxChannel(inbox: string): string {
    return `${this.prefix}:fleet:finished:${inbox}`;
  }
}

/** BullMQ job id of one chunk: deterministic, so re-enqueueing a chunk never duplicates it. */
export function chunkJobId(jobId: string, chunkIndex: number): string {
  return `${jobId}.${chunkIndex}`;
}
