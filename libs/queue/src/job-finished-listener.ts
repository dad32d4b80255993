// Waits for fleet jobs to finish. One subscriber connection per process listens on the fleet's
// "finished" channel (published by the store script when a job's last chunk lands) and on this
// process's own inbox channel, where a one-chunk job created with `push` (a /v1/classify call)
// publishes `<job id>\n<result lines>` just before its id on the shared channel: the waiter gets
// the lines with the wake-up and reads nothing from the store. Callers register before
// enqueueing, and re-check the record on timeout in case a message was missed.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-connection';
import type { FleetKeys } from './fleet-keys';
import { whenReady } from './redis-connection';

/** How a wait ended: false (timeout), or finished, with the job's result lines when they were pushed. */
export type FinishWait = false | { readonly lines?: string };

type Wake = (lines?: string) => void;

export class JobFinishedListener {
  private readonly waiters = new Map<string, Set<Wake>>();
  private started?: Promise<void>;
  /** This process's inbox channel (FleetKeys.inboxChannel): jobs created with it push their lines here. */
  readonly inbox: string;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly keys: FleetKeys,
    inboxId: string = randomUUID(),
  ) {
    this.inbox = keys.inboxChannel(inboxId);
  }

  async start(): Promise<void> {
    this.started ??= (async () => {
      this.subscriber.on('message', (channel: string, message: string) => {
        if (channel === this.keys.finishedChannel) this.wake(message);
        else if (channel === this.inbox) {
          const cut = message.indexOf('\n');
          if (cut > 0) this.wake(message.slice(0, cut), message.slice(cut + 1));
        }
      });
      await whenReady(this.subscriber, 10_000); // a fail-fast connection refuses commands until then
      await this.subscriber.subscribe(this.keys.finishedChannel, this.inbox);
    })();
    return this.started;
  }

  /**
   * A handle that resolves when the job finishes (with its lines when pushed), false when `timeoutMs`
   * passes first or the watch is cancelled (a wait in progress ends then, and its timer with it).
   */
  watch(jobId: string): { wait(timeoutMs: number): Promise<FinishWait>; cancel(): void } {
    let settle!: (outcome: FinishWait) => void;
    const finished = new Promise<FinishWait>((resolve) => (settle = resolve));
    const wake: Wake = (lines) => settle(lines === undefined ? {} : { lines });
    const set = this.waiters.get(jobId) ?? new Set();
    set.add(wake);
    this.waiters.set(jobId, set);
    const cancel = () => {
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(jobId) === set) this.waiters.delete(jobId);
      settle(false);
    };
    return {
      cancel,
      wait: async (timeoutMs: number) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
        });
        try {
          return await Promise.race([finished, timeout]);
        } finally {
          clearTimeout(timer);
          cancel();
        }
      },
    };
  }

  async close(): Promise<void> {
    this.waiters.clear();
    await this.subscriber.quit().catch(() => undefined);
  }

  private wake(jobId: string, lines?: string): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    this.waiters.delete(jobId);
    for (const wake of set) wake(lines);
  }
}
