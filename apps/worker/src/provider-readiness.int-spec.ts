// A worker asked for `cuda,cpu` on a machine where CUDA does not load (this one: no GPU, the CUDA
// provider library is absent and session creation fails in a few ms, the real fault of a GPU pod on
// the wrong node) must not quietly serve on the CPU: /healthz answers 503 PROVIDER_FALLBACK_REFUSED
// with the reason and it takes no chunks. With ALLOW_CPU_FALLBACK=true it is ready and says it runs
// on the CPU. Real Redis, tiny model, the real session factory.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { loadConfig } from '@emo/config';
import { DEFAULT_TENANT_ID } from '@emo/contracts';
import { createLogger } from '@emo/profiler';
import { FleetClient } from '@emo/queue';
import { describe, expect, inject, it } from 'vitest';
import { startWorker } from './worker-app';

const TINY_MODEL = resolve(__dirname, '../../../test/fixtures/models/tiny-softmax');

describe.skipIf(!inject('redisAvailable'))('worker readiness with EXECUTION_PROVIDERS=cuda,cpu and no usable CUDA', () => {
  const configWith = (prefix: string, extra: Record<string, string>) =>
    loadConfig({
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      MODEL_DIR: TINY_MODEL,
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      INFERENCE_THREADS: '1',
      CACHE_ENABLED: 'false',
      PROFILER_ENABLED: 'false',
      LOG_LEVEL: 'silent',
      EXECUTION_PROVIDERS: 'cuda,cpu',
      ...extra,
    });
  const healthz = async (port: number) => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('is not ready, says why with PROVIDER_FALLBACK_REFUSED, and takes no chunks (ALLOW_CPU_FALLBACK unset)', async () => {
    const config = configWith(`test-provider-refused-${randomUUID().slice(0, 8)}`, {});
    expect(config.engine.allowCpuFallback).toBe(false);
    const client = new FleetClient(config);
    const worker = await startWorker(config, { logger: createLogger({ level: 'silent', name: 'test-worker' }) });
    try {
      expect(worker.ready).toBe(false);
      expect(worker.provider).toBe('cpu');
      const { status, body } = await healthz(worker.metricsPort);
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 'not_ready', error: { code: 'PROVIDER_FALLBACK_REFUSED' } });
      const error = body.error as { message: string; details: { failures: string[] } };
      expect(error.message).toMatch(/EXECUTION_PROVIDERS=cuda,cpu but cuda did not load/);
      expect(error.message).toMatch(/ALLOW_CPU_FALLBACK=true/);
      expect(error.details.failures).toEqual([expect.stringMatching(/^cuda: /)]);
      // Liveness (/metrics) still answers: the pod is kept, not ready, with the reason in /healthz and the log.
      expect((await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).status).toBe(200);
      const { jobId } = await client.producer.submit({
        tenant: DEFAULT_TENANT_ID,
        items: [{ id: 'a', text: 'so happy' }],
        priority: 'bulk',
      });
      await new Promise((r) => setTimeout(r, 1000));
      expect((await client.producer.status(jobId, DEFAULT_TENANT_ID)).state).not.toBe('completed');
    } finally {
      await worker.close();
      await client.purge();
      await client.close();
    }
  }, 60_000);

  it('is ready with ALLOW_CPU_FALLBACK=true and says it runs on the CPU after cuda failed', async () => {
    const config = configWith(`test-provider-allowed-${randomUUID().slice(0, 8)}`, { ALLOW_CPU_FALLBACK: 'true' });
    const worker = await startWorker(config, { logger: createLogger({ level: 'silent', name: 'test-worker' }) });
    try {
      expect(worker.ready).toBe(true);
      const { status, body } = await healthz(worker.metricsPort);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        status: 'ok',
        provider: 'cpu',
        requested_providers: ['cuda', 'cpu'],
        fallback: { allowed_by: 'ALLOW_CPU_FALLBACK', failures: [expect.stringMatching(/^cuda: /)] },
      });
    } finally {
      await worker.close();
      const client = new FleetClient(config);
      await client.purge();
      await client.close();
    }
  }, 60_000);
});
