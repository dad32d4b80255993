// A worker's graceful stop keeps what its batch controller learned: closing the engine saves the
// learned batching parameters through the fleet's Redis, so the engine must close before the
// fleet's connections do (before the fix the save failed with "Connection is closed" and only the
// periodic save every 50 batches ever reached Redis). Real Redis, tiny model, one small job; then
// the same through SIGTERM to a real `emo serve worker` process (issue 17, 11).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { loadConfig } from '@emo/config';
import { DEFAULT_TENANT_ID } from '@emo/contracts';
import { createLogger } from '@emo/profiler';
import { FleetClient } from '@emo/queue';
import { describe, expect, inject, it } from 'vitest';
import { startWorker } from './worker-app';

const TINY_MODEL = resolve(__dirname, '../../../test/fixtures/models/tiny-softmax');

describe.skipIf(!inject('redisAvailable'))('worker shutdown', () => {
  it('saves the learned batching parameters when it closes', async () => {
    const prefix = `test-worker-close-${randomUUID().slice(0, 8)}`;
    const config = loadConfig({
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      MODEL_DIR: TINY_MODEL,
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      INFERENCE_THREADS: '1',
      CACHE_ENABLED: 'false',
      PROFILER_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    });
    const warnings: string[] = [];
    const logger = createLogger({ level: 'warn', name: 'test-worker' });
    const warn = logger.warn.bind(logger);
    logger.warn = ((...args: unknown[]) => {
      warnings.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      return (warn as (...a: unknown[]) => void)(...args);
    }) as typeof logger.warn;
    const client = new FleetClient(config);
    try {
      const worker = await startWorker(config, { logger });
      const { jobId } = await client.producer.submit({
        tenant: DEFAULT_TENANT_ID,
        items: Array.from({ length: 3000 }, (_, i) => ({ id: `i${i}`, text: `so happy ${'very '.repeat(i % 20)}${i}` })),
        priority: 'bulk',
      });
      for (let i = 0; (await client.producer.status(jobId, DEFAULT_TENANT_ID)).state !== 'completed'; i++) {
        if (i > 600) throw new Error('job did not complete');
        await new Promise((r) => setTimeout(r, 50));
      }
      await worker.close();
      expect(warnings.filter((w) => w.includes('could not save learned batching parameters'))).toEqual([]);
      const keys = await client.redis.keys(`${prefix}:batching:params:*`);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      await client.purge();
      await client.close();
    }
  }, 60_000);

  it('emo serve worker on SIGTERM: exits 0 with the parameters saved and no "could not save" warning', async () => {
    const prefix = `test-worker-sigterm-${randomUUID().slice(0, 8)}`;
    const env = {
      PATH: process.env.PATH,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      MODEL_DIR: TINY_MODEL,
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      INFERENCE_THREADS: '1',
      CACHE_ENABLED: 'false',
      PROFILER_ENABLED: 'false',
      LOG_LEVEL: 'info',
    };
    const client = new FleetClient(loadConfig(env));
    const child = spawn(process.execPath, [resolve(__dirname, '../../../bin/emo.js'), 'serve', 'worker'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      for (let i = 0; !stderr.includes('worker ready'); i++) {
        if (i > 1200 || child.exitCode !== null) throw new Error(`worker did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const { jobId } = await client.producer.submit({
        tenant: DEFAULT_TENANT_ID,
        items: Array.from({ length: 300 }, (_, i) => ({ id: `i${i}`, text: `so happy ${i}` })),
        priority: 'bulk',
      });
      for (let i = 0; (await client.producer.status(jobId, DEFAULT_TENANT_ID)).state !== 'completed'; i++) {
        if (i > 1200) throw new Error('job did not complete');
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('"msg":"stopped"');
      expect(stderr).not.toContain('could not save learned batching parameters');
      expect(await client.redis.keys(`${prefix}:batching:params:*`)).toHaveLength(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await client.purge();
      await client.close();
    }
  }, 120_000);
});
