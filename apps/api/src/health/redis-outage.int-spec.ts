// issue 14 (3): the queue Redis goes away under a running API (a real redis-server of the test's
// own, stopped and started again on the same port). The API answers 503 QUEUE_UNAVAILABLE with
// Retry-After at once instead of 500 after reconnect attempts, stays live (/healthz) but not ready
// (/readyz), keeps /metrics answering, and logs one line when Redis goes and one when it is back.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '@emo/config';
import { createApiApp, type ApiApp } from '../api-app';

const KEY = 'test-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => finish(d.toString().startsWith('+PONG')));
  });
}

/** A redis-server of this test's own (the shared one must never be stopped). */
class OwnRedis {
  private proc?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    proc.on('error', () => undefined); // a missing binary shows up as a Redis that never answers
    this.proc = proc;
    for (let tries = 0; !(await answersPing(this.port)); tries++) {
      if (tries > 200) throw new Error(`redis-server on port ${this.port} does not answer`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** redis-cli against this server (admin commands the test needs). */
  cli(...args: string[]): string {
    return execFileSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' }).trim();
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }
}

describe.skipIf(!inject('redisAvailable'))('API with the queue Redis down', () => {
  let redis: OwnRedis;
  let api: ApiApp | undefined;
  const lines: { level: number; msg?: string; req?: unknown }[] = [];
  const consoleErrors = vi.spyOn(console, 'error');

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
  });

  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  afterAll(async () => {
    await redis.stop();
    consoleErrors.mockRestore();
  });

  const request = (opts: Parameters<ApiApp['app']['inject']>[0]) => api!.app.inject(opts as never);
  const appLines = () => lines.filter((l) => l.req === undefined); // not the per-request access lines
  const count = (msg: string) => appLines().filter((l) => l.msg === msg).length;

  it('answers 503 QUEUE_UNAVAILABLE with Retry-After at once, stays live, keeps /metrics, logs each change once', async () => {
    const prefix = `test-outage-${randomUUID().slice(0, 8)}`;
    const config = loadConfig({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      API_KEYS: KEY,
      LOG_LEVEL: 'info',
      PROFILER_PUBLISH_INTERVAL_MS: '250',
    });
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    api = await createApiApp(config, { logger });
    expect((await request({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    consoleErrors.mockClear();

    await redis.stop();
    // Several reconnect attempts fail (per-attempt logging would show), and the API has noticed.
    let reconnects = 0;
    api.fleet.redis.on('reconnecting', () => reconnects++);
    await expect.poll(() => reconnects, { timeout: 15_000, interval: 20 }).toBeGreaterThanOrEqual(3);
    await expect
      .poll(async () => (await request({ method: 'GET', url: '/readyz' })).statusCode, { timeout: 10_000, interval: 50 })
      .toBe(503);

    const started = performance.now();
    const answers = {
      classify: await request({ method: 'POST', url: '/v1/classify', payload: { texts: ['hello'] }, headers: auth }),
      submit: await request({ method: 'POST', url: '/v1/jobs', payload: { items: [{ text: 'hello' }] }, headers: auth }),
      status: await request({ method: 'GET', url: '/v1/jobs/some-job', headers: auth }),
      backfill: await request({
        method: 'POST',
        url: '/v1/backfills',
        payload: '{"text":"hello"}\n',
        headers: { ...auth, 'content-type': 'application/x-ndjson' },
      }),
    };
    // Fail fast: the old code waited on reconnect attempts for 3-6 s and then answered 500. The bound is
    // far above what failing at once takes (milliseconds), not a race with the clock.
    expect(performance.now() - started).toBeLessThan(4 * 1500);
    for (const [route, res] of Object.entries(answers)) {
      expect([route, res.statusCode, res.json().error.code]).toEqual([route, 503, 'QUEUE_UNAVAILABLE']);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }

    const ready = await request({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json().error.code]).toEqual([503, 'QUEUE_UNAVAILABLE']);
    expect(Number(ready.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const metrics = await request({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
    expect(metrics.body).toMatch(/^emo_queue_redis_up 0$/m);
    expect(metrics.body).not.toMatch(/^emo_queue_backlog\{/m); // absent, not a stale figure

    expect(count('queue Redis unavailable')).toBe(1);
    const warnings = appLines().filter((l) => l.level >= 40);
    const repeated = [...new Set(warnings.map((l) => l.msg))].filter((m) => warnings.filter((l) => l.msg === m).length > 1);
    expect(repeated).toEqual([]); // one line per change, not one per attempt or per request
    expect(consoleErrors.mock.calls.map((c) => String(c[0]))).toEqual([]); // no "[ioredis] Unhandled error event"

    await redis.start();
    await expect
      .poll(async () => (await request({ method: 'GET', url: '/readyz' })).statusCode, { timeout: 15_000, interval: 50 })
      .toBe(200);
    expect((await request({ method: 'POST', url: '/v1/jobs', payload: { items: [{ text: 'hello' }] }, headers: auth })).statusCode).toBe(
      202,
    );
    expect(count('queue Redis unavailable')).toBe(1);
    expect(count('queue Redis available again')).toBe(1);
    expect((await request({ method: 'GET', url: '/metrics' })).body).toMatch(/^emo_queue_redis_up 1$/m);
    await api.fleet.purge();
  }, 90_000);

  it('is not ready while the queue Redis refuses writes at maxmemory (OOM), and answers 503 with the reason', async () => {
    const prefix = `test-oom-${randomUUID().slice(0, 8)}`;
    api = await createApiApp(loadConfig({ REDIS_URL: redis.url, QUEUE_PREFIX: prefix, API_KEYS: KEY, LOG_LEVEL: 'silent' }), {
      logger: pino({ level: 'silent' }),
    });
    expect((await request({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    // noeviction at a maxmemory below what is used: PING and reads work, every write is refused with OOM.
    redis.cli('config', 'set', 'maxmemory-policy', 'noeviction');
    redis.cli('config', 'set', 'maxmemory', '1');
    try {
      const ready = await request({ method: 'GET', url: '/readyz' });
      expect([ready.statusCode, ready.json().error.code]).toEqual([503, 'QUEUE_UNAVAILABLE']);
      expect(ready.json().error.details).toMatchObject({ error: { redis: { status: 'down', reason: 'redis_oom' } } });
      const submit = await request({ method: 'POST', url: '/v1/jobs', payload: { items: [{ text: 'hello' }] }, headers: auth });
      expect([submit.statusCode, submit.json().error]).toEqual([
        503,
        expect.objectContaining({ code: 'QUEUE_UNAVAILABLE', details: { reason: 'redis_oom' } }),
      ]);
      expect(Number(submit.headers['retry-after'])).toBeGreaterThan(0);
      const metrics = (await request({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^emo_queue_redis_memory_max_bytes 1$/m);
      expect(metrics).toMatch(/^emo_queue_redis_memory_used_bytes \d+$/m);
    } finally {
      redis.cli('config', 'set', 'maxmemory', '0');
    }
    expect((await request({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await api.fleet.purge();
  });
});
