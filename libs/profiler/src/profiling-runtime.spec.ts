import { loadConfig } from '@emo/config';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ProfilingRuntime } from './profiling-runtime';

const config = loadConfig({
  GPU_POLL_INTERVAL_MS: '0',
  PROFILER_WINDOW_SECONDS: '60',
  PROFILER_P95_TARGET_MS: '200',
  INFERENCE_THREADS: '2',
}).profiler;

/** One slot's worth of inference: 1 s batches back to back over the whole 60 s window. */
function runOneSlotBusy(sut: ProfilingRuntime, clock: { now: number }): void {
  sut.profiler.setModel('tiny@abc');
  for (let end = 1000; end <= 60_000; end += 1000) {
    clock.now = end;
    sut.profiler.observeScheduledBatch(
      { texts: 10, paddedTokens: 640, realTokens: 500, latencyMs: 1000, inferMs: 1000, waitMs: 5, urgent: false },
      4096,
    );
  }
}

describe(ProfilingRuntime.name, () => {
  describe('report', () => {
    it('judges busy against the inference slots its caller runs, not INFERENCE_THREADS', async () => {
      const clock = { now: 0 };
      const sut = await ProfilingRuntime.start(config, {
        role: 'worker',
        capacity: { inferenceSlots: 1, maxBudgetTokens: 4096, chunkSlots: 4 },
        registry: new Registry(),
        now: () => clock.now,
      });
      runOneSlotBusy(sut, clock);
      const report = await sut.report();
      await sut.close();
      expect(report.device.busy_ratio).toBe(1);
      expect(report.recommendations[0]).toMatchObject({ code: 'MODEL_BOUND', severity: 'critical' });
      expect(report.recommendations[0].message).toMatch(/the inference threads are 100 % busy/);
    });

    it('reads the same work on two slots as half busy', async () => {
      const clock = { now: 0 };
      const sut = await ProfilingRuntime.start(config, {
        role: 'cli',
        capacity: { inferenceSlots: 2, maxBudgetTokens: 4096 },
        registry: new Registry(),
        now: () => clock.now,
      });
      runOneSlotBusy(sut, clock);
      const report = await sut.report();
      await sut.close();
      expect(report.device.busy_ratio).toBe(0.5);
      expect(report.recommendations.map((r) => r.code)).not.toContain('MODEL_BOUND');
    });
  });
});
