// Test doubles for the queue's integration specs (failed chunks, the interactive lane): answers that
// name their text, a gate that hangs every call until opened, `until`, and the specs' worker processes.
import type { RedisEndpoint } from '@emo/config';
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { ChunkConsumer, type ConsumerOptions } from '../chunk-consumer';
import { ChunkProcessor } from '../chunk-processor';
import { createRedis, type RedisClient } from '../redis-connection';
import type { ResultStore } from '../result-store';

/** One outcome per text, its label the text itself (so a line shows which text it answers). */
export const labelled = (texts: readonly unknown[]): ClassifyOutcome[] =>
  texts.map((t) => ({ labels: [{ label: String(t), score: 1 }], model: 'fake@1' }));

/** Answers at once. */
export const answering: Classifier = { classify: async (texts) => labelled(texts) };

/** Answers only once opened: until then every call hangs. */
export class Gate implements Classifier {
  calls = 0;
  private release!: () => void;
  private readonly opened = new Promise<void>((r) => (this.release = r));
  async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
    this.calls++;
    await this.opened;
    return labelled(texts);
  }
  open(): void {
    this.release();
  }
}

/** Resolves once `check` holds; throws after `timeoutMs` (a verdict by construction, polled, not a timing). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The worker processes of a spec: consumers on connections of their own (`prefix` read when each
 * starts), gates to hang their classifiers, all closed by close() (gates opened first).
 */
export class WorkerHarness {
  private readonly consumers: ChunkConsumer[] = [];
  private readonly connections: RedisClient[] = [];
  private readonly gates: Gate[] = [];

  constructor(
    private readonly endpoint: RedisEndpoint,
    private readonly prefix: () => string,
  ) {}

  /** A connection closed with the harness. */
  connection(): RedisClient {
    const c = createRedis(this.endpoint, { blocking: true });
    this.connections.push(c);
    return c;
  }

  /** A started consumer whose results go to `store` (locks and leases of 1 s). */
  consumer(classifier: Classifier, store: ResultStore, options: Partial<ConsumerOptions> = {}): ChunkConsumer {
    const c = new ChunkConsumer(this.connection(), new ChunkProcessor(classifier, store), {
      prefix: this.prefix(),
      concurrency: { interactive: 2, bulk: 2 },
      lockDurationMs: 1000,
      ...options,
    });
    this.consumers.push(c);
    c.start();
    return c;
  }

  gate(): Gate {
    const g = new Gate();
    this.gates.push(g);
    return g;
  }

  async close(): Promise<void> {
    for (const g of this.gates.splice(0)) g.open();
    await Promise.all(this.consumers.splice(0).map((c) => c.close(1000)));
    await Promise.all(this.connections.splice(0).map((c) => c.quit().catch(() => undefined)));
  }
}
