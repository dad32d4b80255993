// What the profile e2e specs stage their verdicts with, so that each verdict holds by
// construction on any CPU and under any load rather than by winning a race with the clock:
//  - texts that fill MAX_SEQUENCE_LENGTH: every text costs the shipped model 128 tokens of work
//    (~4 MFLOP a token), while the host's work per text (cache lookups, tokenization, result
//    write) stays a few percent of that; both slow down alike when other processes take the CPU,
//    so the share of time the inference thread waits for the host does not depend on the machine;
//  - work that never runs out (keepJobsOpen): jobs are posted as others complete, so the amount
//    waiting stays the same on a fast machine and a slow one, and a small job arrives at a fixed
//    pace whatever completes, so each window sees new work arrive;
//  - a window that lies wholly inside the loaded period (windowSettleMs);
//  - a report read while the staging goes on (profileCli runs the CLI without blocking the
//    feeders), and only once its window holds what was staged (readStagedReport): a report
//    that lacks it (a shared Redis or host stalled the whole fleet for a window) is read again.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { ProfileReport } from '@emo/profiler';
import { ROOT } from '../support/run-emo';

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
  'really',
  'today',
  'honestly',
  'believe',
  'thoughtful',
  'gift',
  'remember',
  'service',
  'never',
  'coming',
  'back',
  'explain',
  'happened',
  'proud',
  'marathon',
  'trained',
  'months',
  'paid',
];
/** Words per text: at least one token each, so well past MAX_SEQUENCE_LENGTH (128) once tokenized. */
const WORDS_PER_TEXT = 130;

/** `n` distinct texts (distinct from every other call's: the cache never hits) that each fill MAX_SEQUENCE_LENGTH. */
export function fullLengthTexts(n: number): string[] {
  return Array.from({ length: n }, () => {
    const i = serial++;
    const words = Array.from({ length: WORDS_PER_TEXT }, (_, j) => WORDS[(i * 7 + j * 13 + ((j * j) % 11)) % WORDS.length]);
    return `${words.join(' ')} ${process.pid}-${i}`;
  });
}
let serial = 0;

/** ProfileWindow's ring: the window is kept in six slots (docs/observability.md). */
const WINDOW_SLOTS = 6;

/**
 * How long to wait, from a moment after which the device is known to be continuously loaded,
 * until every slot of each process's window (PROFILER_WINDOW_SECONDS plus the slot still being
 * dropped) starts after that moment and two windows have been published since.
 */
export function windowSettleMs(windowSeconds: number, publishIntervalMs: number): number {
  const windowMs = windowSeconds * 1000;
  return windowMs + Math.ceil(windowMs / WINDOW_SLOTS) + 2 * publishIntervalMs;
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Polls GET /v1/jobs/{id} until the job is completed. */
export async function waitForJob(base: string, headers: Record<string, string>, jobId: string, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; ;) {
    const s = (await (await fetch(`${base}/v1/jobs/${jobId}`, { headers })).json()) as { state: string };
    if (s.state === 'completed') return;
    if (Date.now() > end) throw new Error(`job ${jobId} not completed in ${timeoutMs} ms: ${JSON.stringify(s)}`);
    await sleep(100);
  }
}

export interface OpenJobs {
  /** When the first of the kept-open jobs completed (ms since the epoch). */
  readonly firstCompleted: Promise<number>;
  /** Stops posting; resolves once the feeding loop has ended (rejects with its error, if any). */
  stop(): Promise<void>;
}

export interface OpenJobsOptions {
  /** Jobs kept unfinished: a new one is posted as soon as one completes. */
  readonly jobs: number;
  /** Full-length texts per job. */
  readonly texts: number;
  /**
   * Besides, a job of this many texts every `everyMs` whatever completes, so that every window,
   * however slow the machine, sees new work arrive (cache lookups in the worker's window,
   * validation and enqueue in the API's).
   */
  readonly heartbeat: { readonly texts: number; readonly everyMs: number };
}

/** Keeps work coming (see OpenJobsOptions); polls the open jobs' state every 100 ms. */
export function keepJobsOpen(base: string, headers: Record<string, string>, opts: OpenJobsOptions): OpenJobs {
  let feeding = true;
  let firstDone: (at: number) => void = () => undefined;
  const firstCompleted = new Promise<number>((done) => (firstDone = done));
  const open = new Set<string>();
  const post = async (texts: number) => {
    const res = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ items: fullLengthTexts(texts).map((text, i) => ({ id: String(i), text })) }),
    });
    if (res.status !== 202) throw new Error(`POST /v1/jobs: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { job_id: string }).job_id;
  };
  const loop = (async () => {
    while (feeding) {
      while (open.size < opts.jobs) open.add(await post(opts.texts));
      for (const id of [...open]) {
        const s = (await (await fetch(`${base}/v1/jobs/${id}`, { headers })).json()) as { state: string };
        if (s.state === 'completed') {
          open.delete(id);
          firstDone(Date.now());
        }
      }
      await sleep(100);
    }
  })();
  // On its own loop: a slow poll above does not hold it back.
  const heartbeat = (async () => {
    while (feeding) {
      const next = Date.now() + opts.heartbeat.everyMs;
      await post(opts.heartbeat.texts);
      await sleep(next - Date.now());
    }
  })();
  const both = Promise.all([loop, heartbeat]).then(() => undefined);
  const first = Promise.race([firstCompleted, both.then(() => Promise.reject(new Error('stopped before a job completed')))]);
  first.catch(() => undefined); // reported to whoever awaits it, not as unhandled
  return {
    firstCompleted: first,
    stop: () => {
      feeding = false;
      return both;
    },
  };
}

/** `emo profile --url BASE [--json]`, run without blocking this process's event loop (the feeders keep going). */
export function profileCli(base: string, apiKey: string, json: boolean): Promise<{ status: number; stdout: string; stderr: string }> {
  const args = [resolve(ROOT, 'bin/emo.js'), 'profile', '--url', base, '--api-key', apiKey, ...(json ? ['--json'] : [])];
  return new Promise((done) => {
    execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ status, stdout, stderr });
      },
    );
  });
}

/**
 * The report of `emo profile --url BASE --json` once its window holds what the test staged:
 * `unmet(report)` names what is missing (undefined when nothing is); read again a second later
 * while it is, at most `tries` times. Returns the last report and what it still lacks.
 */
export async function readStagedReport(
  base: string,
  apiKey: string,
  unmet: (r: ProfileReport) => string | undefined,
  tries = 5,
): Promise<{ report: ProfileReport; stderr: string; missing?: string }> {
  for (let i = 1; ; i++) {
    const run = await profileCli(base, apiKey, true);
    if (run.status !== 0) throw new Error(`emo profile --json exited ${run.status}: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as ProfileReport;
    const missing = unmet(report);
    if (!missing || i >= tries) return { report, stderr: run.stderr, ...(missing ? { missing } : {}) };
    await sleep(1000);
  }
}
