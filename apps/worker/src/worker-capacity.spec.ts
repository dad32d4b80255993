import { loadConfig } from '@emo/config';
import { ProfilingRuntime } from '@emo/profiler';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { workerCapacity } from './worker-capacity';

describe('workerCapacity', () => {
  const config = loadConfig({
    INFERENCE_THREADS: '2',
    WORKER_INFERENCE_THREADS: '1',
    WORKER_CONCURRENCY: '4',
    BATCH_MAX_TOKENS: '4096',
    GPU_POLL_INTERVAL_MS: '0',
    PROFILER_P95_TARGET_MS: '200',
  });

  it('counts the inference threads the worker runs (WORKER_INFERENCE_THREADS over INFERENCE_THREADS)', () => {
    expect(workerCapacity(config)).toEqual({ inferenceSlots: 1, maxBudgetTokens: 4096, chunkSlots: 4 });
  });

  it("gives the worker's profiler one slot: its one thread busy all window reads 100 % busy and model-bound", async () => {
    // The worker's wiring (worker-app.ts): the profiler takes the worker's capacity.
    let now = 0;
    const sut = await ProfilingRuntime.start(config.profiler, {
      role: 'worker',
      capacity: workerCapacity(config),
      registry: new Registry(),
      now: () => now,
    });
    sut.profiler.setModel('tiny@abc');
    for (now = 1000; now <= 60_000; now += 1000) {
      sut.profiler.observeScheduledBatch(
        { texts: 10, paddedTokens: 640, realTokens: 500, latencyMs: 1000, inferMs: 1000, waitMs: 5, urgent: false },
        4096,
      );
    }
    now = 60_000;
    const report = await sut.report();
    await sut.close();
    expect(report.device.busy_ratio).toBe(1);
    expect(report.recommendations[0]).toMatchObject({ code: 'MODEL_BOUND', severity: 'critical' });
    expect(report.recommendations[0].message).toMatch(/the inference threads are 100 % busy/);
  });
});
