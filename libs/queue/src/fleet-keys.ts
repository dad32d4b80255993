// Names of every queue, key and channel of one fleet. QUEUE_PREFIX namespaces all of them, so
// several fleets (or test runs) share one Redis without seeing each other's work.
import type { Priority } from './fleet-job.types';

export const QUEUE_NAMES: Readonly<Record<Priority, string>> = { interactive: 'interactive', bulk: 'bulk' };
export const PRIORITIES: readonly Priority[] = ['interactive', 'bulk'];

export class FleetKeys {
  constructor(readonly prefix: string) {}

  /** Hash: status, counters and timings of one fleet job. */
  meta(jobId: string): string {
    return `${this.prefix}:fleet:job:${jobId}`;
  }

  /** Hash: chunk index → that chunk's NDJSON result lines. One field per chunk makes writes idempotent. */
  results(jobId: string): string {
    return `${this.prefix}:fleet:job:${jobId}:results`;
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
    return `${this.prefix}:fleet:queued-texts:${priority}`;
  }

  /** Hash: the texts per second workers take from one priority's queue (current second, capacity estimate). */
  drain(priority: Priority): string {
    return `${this.prefix}:fleet:drain:${priority}`;
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
