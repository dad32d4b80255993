// Admission control, the cheap first look: refuses new work with 429 OVERLOADED while a queue's
// backlog is at its limit — in chunks (QUEUE_BACKLOG_LIMIT) or in texts not yet picked up
// (QUEUE_BACKLOG_TEXTS_*). Counts are cached briefly so a burst of requests costs Redis one read per
// queue per interval. The exact, atomic check in texts is the producer's reservation when the job's
// chunks are queued (JobProducer.admit); this gate also forgets stale text counts when a queue is empty.
import { AppError } from '@emo/contracts';
import type { FleetQueues, Priority } from '@emo/queue';

export interface QueuedTextsSource {
  queuedTexts(priority: Priority): Promise<number>;
  resetQueuedTexts(priority: Priority): Promise<void>;
  /** Texts/s the workers take from the queue when it stays busy; 0: not measured. */
  drainCapacity(priority: Priority): Promise<number>;
}

export interface TextLimits {
  readonly source: QueuedTextsSource;
  readonly limits: Readonly<Record<Priority, number>>;
  /** Interactive: also no more than the workers take within `ms × share` at their measured pace. */
  readonly interactiveDeadline?: { readonly ms: number; readonly share: number };
}

interface Backlog {
  readonly chunks: number;
  readonly texts: number;
  /** The text limit in force: the configured one, or less from the measured pace. */
  readonly limit?: number;
}

export class BacklogGate {
  private readonly cached = new Map<Priority, { at: number; backlog: Promise<Backlog> }>();

  constructor(
    private readonly queues: Pick<FleetQueues, 'counts'>,
    private readonly limit: number,
    private readonly retryAfterSeconds: number,
    private readonly maxAgeMs = 250,
    private readonly now: () => number = Date.now,
    private readonly texts?: TextLimits,
  ) {}

  async admit(priority: Priority): Promise<void> {
    const backlog = await this.backlog(priority);
    const details = { retry_after_s: this.retryAfterSeconds };
    if (backlog.chunks >= this.limit) {
      throw new AppError(
        'OVERLOADED',
        `The ${priority} queue has ${backlog.chunks} chunks waiting (limit ${this.limit}); retry in ${this.retryAfterSeconds} s`,
        details,
      );
    }
    const textLimit = backlog.limit;
    if (textLimit !== undefined && backlog.texts >= textLimit) {
      throw new AppError(
        'OVERLOADED',
        `The ${priority} queue holds ${backlog.texts} texts (limit ${textLimit}); retry in ${this.retryAfterSeconds} s`,
        { ...details, queued_texts: backlog.texts, limit_texts: textLimit },
      );
    }
  }

  private backlog(priority: Priority): Promise<Backlog> {
    const hit = this.cached.get(priority);
    if (hit && this.now() - hit.at < this.maxAgeMs) return hit.backlog;
    const backlog = this.read(priority);
    this.cached.set(priority, { at: this.now(), backlog });
    backlog.catch(() => this.cached.delete(priority));
    return backlog;
  }

  private async read(priority: Priority): Promise<Backlog> {
    const t = this.texts;
    const deadline = priority === 'interactive' && t?.interactiveDeadline?.share ? t.interactiveDeadline : undefined;
    const [counts, texts, capacity] = await Promise.all([
      this.queues.counts(priority),
      t ? t.source.queuedTexts(priority) : 0,
      deadline ? t!.source.drainCapacity(priority) : 0,
    ]);
    let limit = t?.limits[priority];
    if (limit !== undefined && deadline && capacity > 0)
      limit = Math.max(1, Math.min(limit, Math.floor(((capacity * deadline.ms) / 1000) * deadline.share)));
    if (t && counts.backlog === 0 && texts > 0) {
      // Nothing is queued, so nothing can be counted: texts of chunks that never reached the queue
      // (a process died between reserving and queueing) must not refuse work forever.
      await t.source.resetQueuedTexts(priority);
      return { chunks: 0, texts: 0, limit };
    }
    return { chunks: counts.backlog, texts, limit };
  }
}
