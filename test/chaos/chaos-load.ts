// The seeded load of the chaos suite, which behaves as a client does: it retries what was not
// accepted (with the same idempotency key or backfill id) and records what was, for the checker.
import type { Answer, History } from './chaos-history';
import type { Client } from './chaos-client';
import { seededRandom, sleep } from './chaos-timing';

const WORDS = [
  'love',
  'hate',
  'so',
  'happy',
  'sad',
  'this',
  'is',
  'great',
  'awful',
  'thanks',
  'why',
  'not',
  'wow',
  'ok',
  'meh',
  'fine',
  'angry',
  'proud',
  'scared',
  'lol',
];

export function phrase(rng: () => number): string {
  return Array.from({ length: 2 + Math.floor(rng() * 8) }, () => WORDS[Math.floor(rng() * WORDS.length)]).join(' ');
}

/** A backfill file: NDJSON, every 97th line malformed and every 131st with an empty text. */
export function backfillFile(tag: string, n: number, rng: () => number): { text: string; validIds: Map<number, string> } {
  const validIds = new Map<number, string>();
  const lines = Array.from({ length: n }, (_, i) => {
    if (i % 97 === 96) return '{"id": broken';
    const id = `${tag}-${i}`;
    const text = i % 131 === 130 ? ' ' : `${phrase(rng)} ${i % 5 === 0 ? id : ''}`.trim();
    if (text.trim()) validIds.set(i + 1, id);
    return JSON.stringify({ id, conversation_id: `c${Math.floor(i / 50)}`, text });
  });
  return { text: `${lines.join('\n')}\n`, validIds };
}

export interface LoadOptions {
  readonly seed: number;
  readonly jobItems: readonly [number, number];
  readonly backfillLines: number;
}

/**
 * Three lanes until `stop()`: jobs (20–80 items, bulk or interactive, each with an idempotency key;
 * retried until accepted), /v1/classify calls (1–3 texts; a 504 names a job that must still
 * complete), and backfills one after another (uploaded until the whole file is accepted, then
 * followed until completed).
 */
export class Load {
  private running = true;
  private lanes: Promise<void>[] = [];
  private readonly rng: () => number;
  /** The backfill in progress (the faults wait for it to move). */
  current: string | undefined;
  backfillsCompleted = 0;

  constructor(
    private readonly client: Client,
    private readonly history: History,
    private readonly opts: LoadOptions,
  ) {
    this.rng = seededRandom(opts.seed);
  }

  start(): void {
    this.lanes = [this.jobLane(), this.classifyLane(), this.classifyLane(), this.backfillLane()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.lanes);
  }

  private async jobLane(): Promise<void> {
    for (let k = 0; this.running; k++) {
      const [lo, hi] = this.opts.jobItems;
      const n = lo + Math.floor(this.rng() * (hi - lo));
      const ids = Array.from({ length: n }, (_, i) => `j${k}-${i}`);
      const items = ids.map((id, i) => ({ id, text: i % 23 === 22 ? '' : phrase(this.rng) }));
      const body = { items, priority: this.rng() < 0.3 ? 'interactive' : 'bulk', idempotency_key: `chaos-${this.opts.seed}-${k}` };
      // Retried until accepted, as a client does: the same key never makes a second job.
      while (this.running) {
        const a = await this.client.call('POST', '/v1/jobs', { json: body });
        const jobId = (a?.body as { job_id?: string } | undefined)?.job_id;
        if (a?.status === 202 && jobId) {
          this.history.jobs.set(jobId, { jobId, ids, items: n, via: 'jobs' });
          break;
        }
        await sleep(300);
      }
      await sleep(150);
    }
  }

  private async classifyLane(): Promise<void> {
    while (this.running) {
      const texts = Array.from({ length: 1 + Math.floor(this.rng() * 3) }, () => phrase(this.rng));
      const a = await this.client.call('POST', '/v1/classify', { json: { texts } });
      if (a?.status === 200) {
        const results = (a.body as { results?: { labels?: unknown; error?: unknown }[] }).results;
        if (
          !Array.isArray(results) ||
          results.length !== texts.length ||
          !results.every((r) => Array.isArray(r.labels) !== (r.error !== undefined))
        )
          this.history.badClassify.push(JSON.stringify(a.body).slice(0, 300));
        else this.history.classifyOk++;
      } else if (a?.status === 504) {
        const details = (a.body as { error?: { details?: { job_id?: string; offset?: number; count?: number } } }).error?.details;
        const jobId = details?.job_id;
        // A call that shared its job (cross-request batching) has its lines at offset..offset+count of it.
        const slice =
          details?.offset !== undefined && details.count !== undefined ? { offset: details.offset, count: details.count } : undefined;
        if (jobId) this.history.jobs.set(`${jobId}@${slice?.offset ?? 0}`, { jobId, items: texts.length, via: 'classify-504', slice });
      }
      await sleep(100);
    }
  }

  private async backfillLane(): Promise<void> {
    for (let k = 0; this.running; k++) {
      const id = `chaos-${this.opts.seed}-bf${k}`;
      const file = backfillFile(`b${k}`, this.opts.backfillLines, this.rng);
      if (!(await this.uploadBackfill(id, file.text, () => this.running))) return;
      this.history.backfills.set(id, { id, lines: this.opts.backfillLines, validIds: file.validIds });
      this.current = id;
      while (this.running) {
        const s = await this.client.call('GET', `/v1/backfills/${id}`);
        if ((s?.body as { state?: string } | undefined)?.state === 'completed') {
          this.backfillsCompleted++;
          break;
        }
        await sleep(250);
      }
    }
  }

  /** Sends the whole file under `id` until the API answers 202 with the upload complete (that answer). */
  async uploadBackfill(id: string, text: string, go: () => boolean = () => true): Promise<Answer | undefined> {
    while (go()) {
      const a = await this.client.call('POST', `/v1/backfills?id=${id}&id_field=id`, {
        body: text,
        contentType: 'application/x-ndjson',
        timeoutMs: 60_000,
      });
      if (a?.status === 202 && (a.body as { upload?: { complete?: boolean } }).upload?.complete) return a;
      await sleep(300);
    }
    return undefined;
  }

  /** Current backfill's `done`, for "the backfill moves" conditions. */
  async backfillDone(): Promise<number | undefined> {
    if (!this.current) return undefined;
    const s = await this.client.call('GET', `/v1/backfills/${this.current}`);
    return (s?.body as { done?: number } | undefined)?.done;
  }
}
