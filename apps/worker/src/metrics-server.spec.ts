import { AppError } from '@emo/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer } from './metrics-server';
import { WorkerMetrics } from './worker-metrics';

describe(MetricsServer.name, () => {
  let sut: MetricsServer | undefined;

  afterEach(async () => {
    await sut?.close();
  });

  async function start(): Promise<{ base: string; metrics: WorkerMetrics }> {
    const metrics = new WorkerMetrics(() => 3);
    sut = new MetricsServer(metrics.registry);
    const port = await sut.listen(0, '127.0.0.1');
    return { base: `http://127.0.0.1:${port}`, metrics };
  }

  describe('GET /metrics', () => {
    it('exports chunk counters, durations and chunks in flight', async () => {
      const { base, metrics } = await start();
      metrics.record({ queue: 'bulk', outcome: 'stored', texts: 64, durationMs: 120 });
      metrics.record({ queue: 'bulk', outcome: 'duplicate', texts: 64, durationMs: 2 });
      const body = await (await fetch(`${base}/metrics`)).text();
      expect(body).toContain('emo_worker_chunks_total{queue="bulk",outcome="stored"} 1');
      expect(body).toContain('emo_worker_texts_total{queue="bulk",outcome="duplicate"} 64');
      expect(body).toContain('emo_worker_chunk_duration_seconds_count{queue="bulk"} 2');
      expect(body).toContain('emo_worker_active_chunks 3');
    });
  });

  describe('GET /healthz', () => {
    it('answers 200 while taking work and 503 while draining', async () => {
      const { base } = await start();
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      sut!.draining = true;
      expect((await fetch(`${base}/healthz`)).status).toBe(503);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    });

    it('names the provider it runs on, and a fallback the operator allowed', async () => {
      const { base } = await start();
      sut!.serving = { provider: 'cpu', requestedProviders: ['cuda', 'cpu'], providerFailures: ['cuda: no library'] };
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'ok',
        provider: 'cpu',
        requested_providers: ['cuda', 'cpu'],
        fallback: { allowed_by: 'ALLOW_CPU_FALLBACK', failures: ['cuda: no library'] },
      });
    });

    it('answers 503 with the error code and reason when the worker refuses to take work', async () => {
      const { base } = await start();
      sut!.notReady = new AppError('PROVIDER_FALLBACK_REFUSED', 'cuda did not load');
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'not_ready', error: { code: 'PROVIDER_FALLBACK_REFUSED', message: 'cuda did not load' } });
    });
  });
});
