// Waits for fleet jobs to finish. One subscriber connection per process listens on the fleet's
// "finished" channel (published by the store script when a job's last chunk lands); callers
// register before enqueueing, and re-check the record on timeout in case a message was missed.
import type { Redis } from 'ioredis';
import type { FleetKeys } from './fleet-keys';
import { whenReady } from './redis-connection';

export class JobFinishedListener {
  private readonly waiters = new Map<string, Set<() => void>>();
  private started?: Promise<void>;

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: FleetKeys,
  ) {}

  async start(): Promise<void> {
    this.started ??= (async () => {
      this.subscriber.on('message', (channel: string, jobId: string) => {
        if (channel !== this.keys.finishedChannel) return;
        const set = this.waiters.get(jobId);
        if (!set) return;
        this.waiters.delete(jobId);
        for (const wake of set) wake();
      });
      await whenReady(this.subscriber, 10_000); // a fail-fast connection refuses commands until then
      await this.subscriber.subscribe(this.keys.finishedChannel);
    })();
    return this.started;
  }

  /** A handle that resolves true when the job finishes, false when `timeoutMs` passes first. */
  watch(jobId: string): { wait(timeoutMs: number): Promise<boolean>; cancel(): void } {
    let wake!: () => void;
    const finished = new Promise<true>((resolve) => {
      wake = () => resolve(true);
    });
    const set = this.waiters.get(jobId) ?? new Set();
    set.add(wake);
    this.waiters.set(jobId, set);
    const cancel = () => {
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(jobId) === set) this.waiters.delete(jobId);
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
}
