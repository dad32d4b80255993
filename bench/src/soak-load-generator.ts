// The soak's load generator: a separate Node process (so its CPU and memory are not the API's)
// that runs paced /v1/classify lanes and one bulk-job lane against a fleet until told to stop, and
// reports running totals on stdout, which the soak reads back as its load history.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Running totals of the load, one JSON line a second; the last (`final: true`) after the lanes stopped. */
export interface LoadStats {
  t: number;
  classify_calls: number;
  classify_texts: number;
  bulk_jobs: number;
  bulk_texts: number;
  bulk_lines_read: number;
  bulk_missing_lines: number;
  status: Record<string, number>;
  network_errors: number;
  final?: boolean;
}

export interface SoakLoadOptions {
  readonly base: string;
  readonly apiKey: string;
  readonly texts: readonly string[];
  readonly seed: number;
  /** Where the script and its inputs are written (the caller removes it). */
  readonly dir: string;
}

/**
 * Four classify lanes (a call of 1–4 texts every 50 ms each) and one bulk lane (256-text jobs, each
 * read back to the last line); 30 % of texts never seen before, the rest Zipf-repeated.
 */
export class SoakLoad {
  /** Every report so far, oldest first. */
  readonly history: LoadStats[] = [];
  private readonly done: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.done = new Promise<void>((resolve) => {
      let buffer = '';
      child.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('{')) this.history.push(JSON.parse(line) as LoadStats);
      });
      child.once('exit', () => resolve());
    });
  }

  static start(opts: SoakLoadOptions): SoakLoad {
    const textsFile = join(opts.dir, 'texts.json');
    writeFileSync(textsFile, JSON.stringify(opts.texts));
    const cfgFile = join(opts.dir, 'load.json');
    writeFileSync(
      cfgFile,
      JSON.stringify({
        base: opts.base,
        key: opts.apiKey,
        textsFile,
        seed: opts.seed,
        classifyLanes: 4,
        classifyEveryMs: 50,
        uniqueShare: 0.3,
        bulkTexts: 256,
        bulkPauseMs: 500,
      }),
    );
    const script = join(opts.dir, 'load.mjs');
    writeFileSync(script, LOAD_GENERATOR);
    return new SoakLoad(spawn(process.execPath, [script, cfgFile], { stdio: ['ignore', 'pipe', 'inherit'] }));
  }

  /** SIGTERM: the lanes stop, jobs in flight are read back; resolves with the final totals (if reported). */
  async stop(): Promise<LoadStats | undefined> {
    this.child.kill('SIGTERM');
    await this.done;
    return this.history.at(-1);
  }

  /** For a failed run: no final totals wanted. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const LOAD_GENERATOR = String.raw`
import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const texts = JSON.parse(readFileSync(cfg.textsFile, 'utf8'));
let seed = cfg.seed >>> 0;
const rng = () => { seed = (seed + 0x6d2b79f5) >>> 0; let t = seed; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
let unique = 0;
const pick = () => rng() < cfg.uniqueShare ? texts[Math.floor(rng() * texts.length)] + ' #' + (unique++) : texts[Math.floor(texts.length * rng() ** 3)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = { classify_calls: 0, classify_texts: 0, bulk_jobs: 0, bulk_texts: 0, bulk_lines_read: 0, bulk_missing_lines: 0, status: {}, network_errors: 0 };
let stop = false;
let stoppedAt = 0;
process.on('SIGTERM', () => { stop = true; stoppedAt = Date.now(); });
const headers = { authorization: 'Bearer ' + cfg.key, 'content-type': 'application/json' };
async function call(method, path, body) {
  try {
    const res = await fetch(cfg.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60000) });
    stats.status[res.status] = (stats.status[res.status] ?? 0) + 1;
    return res;
  } catch {
    stats.network_errors++;
    return undefined;
  }
}
async function classifyLane() {
  while (!stop) {
    const started = Date.now();
    const batch = Array.from({ length: 1 + Math.floor(rng() * 4) }, pick);
    const res = await call('POST', '/v1/classify', { texts: batch });
    if (res) { await res.arrayBuffer(); if (res.status === 200) { stats.classify_calls++; stats.classify_texts += batch.length; } }
    await sleep(Math.max(0, cfg.classifyEveryMs - (Date.now() - started)));
  }
}
async function bulkLane() {
  while (!stop) {
    const items = Array.from({ length: cfg.bulkTexts }, (_, i) => ({ id: 'i' + i, text: pick() }));
    const res = await call('POST', '/v1/jobs', { items });
    if (!res || res.status !== 202) { if (res) await res.arrayBuffer(); await sleep(1000); continue; }
    const { job_id } = await res.json();
    stats.bulk_jobs++;
    stats.bulk_texts += items.length;
    let finished = false;
    while (!finished) {
      if (stop && Date.now() - stoppedAt > 60000) break;
      await sleep(200);
      const s = await call('GET', '/v1/jobs/' + job_id);
      if (!s) continue;
      const body = await s.json();
      finished = body.state === 'completed' || body.state === 'cancelled';
    }
    if (!finished) { stats.bulk_missing_lines += items.length; break; }
    const r = await call('GET', '/v1/jobs/' + job_id + '/results');
    if (r) {
      const lines = (await r.text()).split('\n').filter((l) => l.length > 0).length;
      stats.bulk_lines_read += lines;
      stats.bulk_missing_lines += items.length - lines;
    }
    await sleep(cfg.bulkPauseMs);
  }
}
const report = (final) => process.stdout.write(JSON.stringify({ t: Date.now(), ...stats, ...(final ? { final: true } : {}) }) + '\n');
const timer = setInterval(() => report(false), 1000);
report(false);
await Promise.all([...Array.from({ length: cfg.classifyLanes }, classifyLane), bulkLane()]);
clearInterval(timer);
report(true);
`;
