// GET /v1/profile and GET /v1/jobs/{id}/trace on the real Redis: the report includes this API
// pod's own published window, an unknown job's trace is 404 JOB_NOT_FOUND, and a job's spans (as a
// worker leaves them in the trace store) come back with per-stage totals.
import { RedisProfileStore, type SpanRecord } from '@emo/profiler';
import { describe, expect, inject, it } from 'vitest';
import { testAdminEnv, testAuth, useApiTestHarness } from '../testing/api-test-harness';

describe.skipIf(!inject('redisAvailable'))('GET /v1/profile and /v1/jobs/{id}/trace', () => {
  const harness = useApiTestHarness('profile', { TRACING_ENABLED: 'true', GPU_POLL_INTERVAL_MS: '0', ...testAdminEnv });

  it("reports the fleet's window, this API pod included", async () => {
    await harness.start();
    const res = await harness.request({ method: 'GET', url: '/v1/profile', headers: testAuth });
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.sources).toEqual({ workers: 0, apis: 1, cli: 0 });
    expect(report.p95_target_ms).toBe(1000);
    expect(Array.isArray(report.recommendations)).toBe(true);
  });

  it('answers 404 JOB_NOT_FOUND for the trace of an unknown job', async () => {
    await harness.start();
    const res = await harness.request({ method: 'GET', url: '/v1/jobs/no-such-job/trace', headers: testAuth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('JOB_NOT_FOUND');
  });

  it("returns a job's spans with per-stage totals", async () => {
    const api = await harness.start();
    const submitted = await harness.request({
      method: 'POST',
      url: '/v1/jobs',
      headers: testAuth,
      payload: {
        items: [
          { id: 'a', text: 'hello' },
          { id: 'b', text: 'there' },
        ],
      },
    });
    expect(submitted.statusCode).toBe(202);
    const jobId = submitted.json().job_id as string;
    // What a worker's tracer leaves for the job's one chunk.
    const spans: SpanRecord[] = [
      { stage: 'queue_wait', start: 1000, ms: 12.5, count: 2, source: 'worker:h:1' },
      { stage: 'inference', start: 1013, ms: 30.25, count: 2, source: 'worker:h:1' },
      { stage: 'result_write', start: 1044, ms: 1.75, count: 2, source: 'worker:h:1' },
    ];
    await new RedisProfileStore(api.fleet.redis, harness.prefix).appendSpans(jobId, spans, 60);

    const res = await harness.request({ method: 'GET', url: `/v1/jobs/${jobId}/trace`, headers: testAuth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      job_id: jobId,
      tracing: true,
      stages: {
        queue_wait: { spans: 1, total_ms: 12.5, texts: 2 },
        inference: { spans: 1, total_ms: 30.25, texts: 2 },
        result_write: { spans: 1, total_ms: 1.75, texts: 2 },
      },
      spans,
    });
  });
});
