// Admission control: refuses new work with 429 OVERLOADED while a queue's backlog (chunks not
// yet picked up) is over QUEUE_BACKLOG_LIMIT. Counts are cached briefly so a burst of requests
// costs Redis one count per queue per interval.
import { AppError } from '@emo/contracts';
import type { FleetQueues, Priority } from '@emo/queue';

export class BacklogGate {
  private readonly cached = new Map<Priority, { at: number; backlog: Promise<number> }>();

  constructor(
    private readonly queues: Pick<FleetQueues, 'counts'>,
    private readonly limit: number,
    private readonly retryAfterSeconds: number,
    private readonly maxAgeMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  async admit(priority: Priority): Promise<void> {
    const backlog = await this.backlog(priority);
    if (backlog >= this.limit) {
      throw new AppError('OVERLOADED', `The ${priority} queue has ${backlog} chunks waiting (limit ${this.limit}); retry in ${this.retryAfterSeconds} s`, {
        retry_after_s: this.retryAfterSeconds,
      });
    }
  }

  private backlog(priority: Priority): Promise<number> {
    const hit = this.cached.get(priority);
    if (hit && this.now() - hit.at < this.maxAgeMs) return hit.backlog;
    const backlog = this.queues.counts(priority).then((c) => c.backlog);
    this.cached.set(priority, { at: this.now(), backlog });
    backlog.catch(() => this.cached.delete(priority));
    return backlog;
  }
}
