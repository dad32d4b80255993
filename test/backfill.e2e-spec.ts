// Backfills end to end: one API and two worker processes (tiny model) on a unique QUEUE_PREFIX,
// files sent with `emo backfill --fleet`. Faults: the API is killed in the middle of an upload and
// restarted, and the client resumes with the same backfill id; one worker gets SIGKILL in the
// middle of a backfill (its chunks come back through BullMQ's stalled-job check). Either way every
// input line has exactly one result line, in order, and no text is classified twice.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fleetEnv, freePort, ROOT, spawnServe, startFleet, stopFleet, TINY_MODEL, type FleetProcess } from './fleet/fleet-processes';

const KEY = 'e2e-backfill-key-0123';
const WORDS = ['love', 'hate', 'so', 'happy', 'sad', 'this', 'is', 'great', 'awful', 'thanks', 'why', 'not', 'wow', 'ok', 'meh', 'fine'];

/** A chat log of n lines; every 500th line is malformed and every 777th has an empty text. */
function chatLog(tag: string, n: number): { text: string; valid: number } {
  let valid = 0;
  const lines = Array.from({ length: n }, (_, i) => {
    if (i % 500 === 499) return '{"id": broken';
    const text =
      i % 777 === 776
        ? ' '
        : `${Array.from({ length: 3 + (i % 9) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ')} ${tag}${i}`;
    if (text.trim()) valid++;
    return JSON.stringify({ id: `${tag}${i}`, conversation_id: `c${Math.floor(i / 40)}`, user: `u${i % 13}`, text });
  });
  return { text: `${lines.join('\n')}\n`, valid };
}

function runEmoAsync(args: string[]): { done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/emo.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { done: new Promise((r) => child.once('exit', (code) => r({ code, stderr }))) };
}

describe.skipIf(!inject('redisAvailable'))('backfill e2e', () => {
  const prefix = `e2e-backfill-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'emo-e2e-backfill-'));
  let port = 0;
  let base = '';
  let env: Record<string, string> = {};
  let api: FleetProcess | undefined;
  const workers: FleetProcess[] = [];
  const headers = { authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Short locks so the chunks of a killed worker are picked up again within seconds.
    env = {
      ...fleetEnv({ prefix, redisUrl: inject('redisUrl'), port, model: TINY_MODEL, apiKey: KEY }),
      JOB_CHUNK_SIZE: '64',
      WORKER_CONCURRENCY: '16',
      WORKER_LOCK_DURATION_MS: '2000',
      CACHE_ENABLED: 'false',
    };
    const started = await startFleet(env, 2);
    api = started.api;
    workers.push(...started.workers);
  }, 60_000);

  afterAll(async () => {
    await stopFleet([api, ...workers], inject('redisUrl'), prefix);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** Polls `read` until `done` holds; fails with the last value and the API's log tail instead of hanging. */
  const pollUntil = async <T>(
    read: () => Promise<T>,
    done: (v: T) => boolean,
    what: string,
    timeoutMs = 30_000,
    everyMs = 20,
  ): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (done(v)) return v;
      if (Date.now() > end) throw new Error(`${what}: last ${JSON.stringify(v)}\napi: ${api?.logs.slice(-10).join('\n')}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  const status = async (id: string) =>
    (await (await fetch(`${base}/v1/backfills/${id}`, { headers })).json()) as {
      state: string;
      done: number;
      total: number | null;
      upload: { lines: number };
    };
  const storedTexts = async () => {
    let sum = 0;
    for (const w of workers.filter((p) => p.child.exitCode === null && p.child.signalCode === null)) {
      const ready = w.logs.find((l) => l.includes('"msg":"worker ready"')) as string;
      const metrics = await (await fetch(`http://127.0.0.1:${JSON.parse(ready).metricsPort}/metrics`)).text();
      sum += Number(/emo_worker_texts_total\{queue="bulk",outcome="stored"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    }
    return sum;
  };
  /** Every input line exactly once across results and errors, in order within each file. */
  const expectEveryLineOnce = (out: string, n: number, tag: string) => {
    const ok = readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: number; id: string; labels: unknown[]; conversation_id: string });
    const bad = readFileSync(`${out}.errors.ndjson`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: number; error: { code: string } });
    expect(ok.every((l) => Array.isArray(l.labels) && l.conversation_id.startsWith('c'))).toBe(true);
    expect(ok.map((l) => l.id)).toEqual(ok.map((l) => `${tag}${l.line - 1}`));
    const all = [...ok.map((l) => l.line), ...bad.map((l) => l.line)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    return { ok: ok.length, bad };
  };

  it('resumes with the same backfill id after the API is killed in the middle of an upload', async () => {
    const n = 6000;
    const log = chatLog('r', n);
    const input = join(dir, 'restart.ndjson');
    writeFileSync(input, log.text);
    const storedBefore = await storedTexts();
    // A slow upload: half the file, then the API dies while the request is still open.
    const half = log.text.slice(0, log.text.indexOf('\n', log.text.length / 2) + 1);
    const req = request(`${base}/v1/backfills?id=restart1&id_field=id`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-ndjson' },
    });
    req.on('error', () => undefined);
    req.write(half);
    await pollUntil(
      () => status('restart1').catch((e: Error) => e.message),
      (s) => typeof s === 'object' && s.upload?.lines > 0,
      'upload under way',
    );
    api!.child.kill('SIGKILL');
    await api!.exited;
    req.destroy(); // the connection may already be gone with the API
    api = await spawnServe('api', env, 'api listening');
    expect((await status('restart1')).state).toBe('uploading');
    const out = join(dir, 'restart.out.ndjson');
    const cli = await runEmoAsync([
      'backfill',
      input,
      '--fleet',
      base,
      '--api-key',
      KEY,
      '--backfill-id',
      'restart1',
      '--id-field',
      'id',
      '--out',
      out,
      '--no-progress',
    ]).done;
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('resumed backfill restart1');
    const { ok, bad } = expectEveryLineOnce(out, n, 'r');
    expect(ok).toBe(log.valid);
    expect(bad.map((b) => b.error.code)).toContain('LINE_MALFORMED');
    expect(bad.map((b) => b.error.code)).toContain('TEXT_EMPTY');
    // Nothing classified twice: the workers stored exactly one result per valid text.
    expect((await storedTexts()) - storedBefore).toBe(log.valid);
  }, 90_000);

  it('completes with every line exactly once when a worker is SIGKILLed in the middle of a backfill', async () => {
    const n = 8000;
    const log = chatLog('k', n);
    const input = join(dir, 'kill.ndjson');
    writeFileSync(input, log.text);
    const out = join(dir, 'kill.out.ndjson');
    const cli = runEmoAsync([
      'backfill',
      input,
      '--fleet',
      base,
      '--api-key',
      KEY,
      '--backfill-id',
      'kill1',
      '--id-field',
      'id',
      '--out',
      out,
      '--no-progress',
    ]);
    const s = (await pollUntil(
      () => status('kill1').catch((e: Error) => e.message),
      (v) => typeof v === 'object' && v.done > 0,
      'first chunks done',
      30_000,
      10,
    )) as Awaited<ReturnType<typeof status>>;
    const [victim] = workers;
    victim.child.kill('SIGKILL');
    expect(s.total === null || s.done < s.total, JSON.stringify(s)).toBe(true); // the kill really lands mid-backfill
    await victim.exited;
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const { ok } = expectEveryLineOnce(out, n, 'k');
    expect(ok).toBe(log.valid);
    expect(await status('kill1')).toMatchObject({ state: 'completed', total: n, done: n });
  }, 90_000);
});
