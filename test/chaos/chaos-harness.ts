// The chaos suite's machinery: fleet processes that may be killed, frozen or cut off (and are
// never allowed to exit on their own), a network namespace with a veth pair for the partition
// fault, a seeded load (jobs, /v1/classify calls, backfills) that behaves as a client does
// (retries what was not accepted, with the same idempotency key or backfill id), and the history
// every answer is written to, which the checker reads at the end.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { ROOT } from '../fleet/fleet-processes';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: the suite's only source of randomness (CHAOS_SEED). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polls `check` until it returns a value other than undefined; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`chaos: timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Network namespace: a worker runs inside it and reaches Redis through a veth pair; taking the
// root-side link down cuts it off (this kernel has no netem), up heals it.

export class Netns {
  readonly name: string;
  readonly rootDev: string;
  readonly nsDev: string;
  readonly rootAddr: string;
  readonly nsAddr: string;

  constructor(tag: string, subnet: number) {
    this.name = `emo-chaos-${tag}`;
    this.rootDev = `ech${tag}a`.slice(0, 15);
    this.nsDev = `ech${tag}b`.slice(0, 15);
    this.rootAddr = `10.231.${subnet}.1`;
    this.nsAddr = `10.231.${subnet}.2`;
  }

  create(): void {
    this.destroy();
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    ip('netns', 'add', this.name);
    ip('link', 'add', this.rootDev, 'type', 'veth', 'peer', 'name', this.nsDev);
    ip('link', 'set', this.nsDev, 'netns', this.name);
    ip('addr', 'add', `${this.rootAddr}/30`, 'dev', this.rootDev);
    ip('link', 'set', this.rootDev, 'up');
    ip('netns', 'exec', this.name, 'ip', 'addr', 'add', `${this.nsAddr}/30`, 'dev', this.nsDev);
    ip('netns', 'exec', this.name, 'ip', 'link', 'set', this.nsDev, 'up');
    ip('netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'up');
  }

  /** Partition (link down: packets to and from the namespace are dropped) or heal it. */
  partition(on: boolean): void {
    execFileSync('ip', ['link', 'set', this.rootDev, on ? 'down' : 'up'], { stdio: 'ignore' });
  }

  destroy(): void {
    for (const args of [['link', 'del', this.rootDev], ['netns', 'del', this.name]]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore' });
      } catch {
        // not there
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fleet processes. Each one is spawned by the suite; an exit the suite did not cause is recorded
// as unexpected, with the process's last log lines.

export class FleetProc {
  readonly logs: string[] = [];
  readonly exited: Promise<void>;
  private expected = false;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    role: 'api' | 'worker',
    env: Record<string, string>,
    private readonly unexpectedExits: string[],
    netns?: string,
  ) {
    const node = [process.execPath, resolve(ROOT, 'bin/emo.js'), 'serve', role];
    const [cmd, ...args] = netns ? ['ip', 'netns', 'exec', netns, ...node] : node;
    this.child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let buffer = '';
    this.child.stderr!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      this.logs.push(...lines);
      if (this.logs.length > 4000) this.logs.splice(0, this.logs.length - 2000);
    });
    this.exited = new Promise((done) =>
      this.child.once('exit', (code, signal) => {
        if (!this.expected) this.unexpectedExits.push(`${this.name} exited on its own (${code ?? signal}); last log lines:\n${this.logs.slice(-15).join('\n')}`);
        done();
      }),
    );
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async ready(message: string, timeoutMs = 120_000): Promise<this> {
    await waitFor(`${this.name} to log "${message}"`, () => {
      if (!this.alive) throw new Error(`${this.name} exited before ready:\n${this.logs.slice(-15).join('\n')}`);
      return this.logs.some((l) => l.includes(`"msg":"${message}"`)) ? true : undefined;
    }, timeoutMs);
    return this;
  }

  /**
   * Sum of every series of one metric on a worker's /metrics (its `worker ready` line names the
   * port; `host` is where that is reachable from here).
   */
  async metric(name: string, host = '127.0.0.1'): Promise<number> {
    const ready = this.logs.find((l) => l.includes('"msg":"worker ready"'));
    if (!ready) throw new Error(`${this.name} has no "worker ready" line`);
    const { metricsPort } = JSON.parse(ready) as { metricsPort: number };
    const text = await (await fetch(`http://${host}:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  }

  signal(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.expected = true;
    this.child.kill(signal);
  }

  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** The graceful stop at the end of the suite (SIGCONT first, in case it is frozen). */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.expected = true;
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// The history: every request the load made and what came back.

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export interface Event {
  readonly at: number;
  readonly what: string;
  readonly status: number | 'network';
  readonly code?: string;
}

export interface AcceptedJob {
  readonly jobId: string;
  /** Item ids in input order (undefined for /v1/classify calls, which send bare texts). */
  readonly ids?: readonly string[];
  readonly items: number;
  readonly via: 'jobs' | 'classify-504';
}

export interface AcceptedBackfill {
  readonly id: string;
  readonly lines: number;
  readonly validIds: ReadonlyMap<number, string>;
}

export class History {
  readonly events: Event[] = [];
  readonly jobs = new Map<string, AcceptedJob>();
  readonly backfills = new Map<string, AcceptedBackfill>();
  /** /v1/classify calls answered 200 whose results did not match their texts (must stay empty). */
  readonly badClassify: string[] = [];
  classifyOk = 0;

  record(what: string, status: number | 'network', body?: unknown): void {
    const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
    this.events.push({ at: Date.now(), what, status, code: typeof code === 'string' ? code : undefined });
  }

  /** 5xx answers other than 503/504 with an error code (must be none). */
  badServerErrors(): Event[] {
    return this.events.filter((e) => typeof e.status === 'number' && e.status >= 500 && !((e.status === 503 || e.status === 504) && e.code));
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.events) {
      const k = `${e.status}${e.code ? ` ${e.code}` : ''}`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }
}

export class Client {
  constructor(
    readonly base: string,
    private readonly key: string,
    private readonly history: History,
  ) {}

  get authorization(): string {
    return `Bearer ${this.key}`;
  }

  /** One HTTP call, recorded; a network error (API down or killed) resolves to undefined. */
  async call(method: string, path: string, opts: { json?: unknown; body?: string; contentType?: string; what?: string; timeoutMs?: number } = {}): Promise<Answer | undefined> {
    const what = opts.what ?? `${method} ${path.replace(/[?].*$/, '').replace(/\/[0-9a-f-]{36}|\/chaos-[\w-]+/g, '/:id')}`;
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: this.authorization, ...(opts.json !== undefined ? { 'content-type': 'application/json' } : opts.contentType ? { 'content-type': opts.contentType } : {}) },
        body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
      });
      const text = await res.text();
      let body: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('application/json')) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      this.history.record(what, res.status, body);
      return { status: res.status, body, headers: res.headers };
    } catch {
      this.history.record(what, 'network');
      return undefined;
    }
  }

  /** Half of `body` sent, the request left open: resolves once the API has read some of it. */
  startSlowUpload(path: string, firstPart: string, contentType: string): { abort: () => void } {
    const req = request(`${this.base}${path}`, { method: 'POST', headers: { authorization: this.authorization, 'content-type': contentType } });
    req.on('error', () => undefined);
    req.on('response', (res) => res.resume());
    req.write(firstPart);
    return { abort: () => req.destroy() };
  }
}

// ---------------------------------------------------------------------------------------------
// The load.

const WORDS = ['love', 'hate', 'so', 'happy', 'sad', 'this', 'is', 'great', 'awful', 'thanks', 'why', 'not', 'wow', 'ok', 'meh', 'fine', 'angry', 'proud', 'scared', 'lol'];

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
        if (!Array.isArray(results) || results.length !== texts.length || !results.every((r) => Array.isArray(r.labels) !== (r.error !== undefined))) this.history.badClassify.push(JSON.stringify(a.body).slice(0, 300));
        else this.history.classifyOk++;
      } else if (a?.status === 504) {
        const jobId = (a.body as { error?: { details?: { job_id?: string } } }).error?.details?.job_id;
        if (jobId) this.history.jobs.set(jobId, { jobId, items: texts.length, via: 'classify-504' });
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
      const a = await this.client.call('POST', `/v1/backfills?id=${id}&id_field=id`, { body: text, contentType: 'application/x-ndjson', timeoutMs: 60_000 });
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
