import { AppError, type Tenant } from '@emo/contracts';
import type { ProfileReport, SpanRecord } from '@emo/profiler';
import { describe, expect, it } from 'vitest';
import { ProfileService, type JobLookup, type ProfileSource } from './profile.service';

const tenantNamed = (id: string): Tenant => ({
  id,
  scopes: new Set(['admin']),
  limits: { textsPerSecond: 0, maxQueuedTexts: 0, weight: 1 },
});
const TENANT = tenantNamed('acme');

const span = (stage: SpanRecord['stage'], ms: number, count: number): SpanRecord => ({ stage, start: 0, ms, count, source: 'worker:h:1' });

/** A fleet that knows only `known` jobs (owned by TENANT), and a profiler holding `spans` for each. */
function fakes(known: string[], spans: SpanRecord[], tracing = true) {
  const read: string[] = [];
  const profiling: ProfileSource = {
    report: async () => ({ window_s: 60 }) as ProfileReport,
    trace: async (id) => {
      read.push(id);
      return spans;
    },
    tracing,
  };
  const jobs: JobLookup = {
    producer: {
      status: async (id, tenant) => {
        if (!known.includes(id) || tenant !== TENANT.id) throw new AppError('JOB_NOT_FOUND', `no job ${id}`);
        return {};
      },
    },
  };
  return { profiling, jobs, read };
}

describe(ProfileService.name, () => {
  describe('trace', () => {
    it("answers a job's spans with per-stage totals", async () => {
      const spans = [span('queue_wait', 10, 64), span('inference', 25.5, 64), span('inference', 4.5, 16)];
      const { profiling, jobs } = fakes(['job-1'], spans);
      const sut = new ProfileService(profiling, jobs);
      expect(await sut.trace(TENANT, 'job-1')).toEqual({
        job_id: 'job-1',
        tracing: true,
        stages: { queue_wait: { spans: 1, total_ms: 10, texts: 64 }, inference: { spans: 2, total_ms: 30, texts: 80 } },
        spans,
      });
    });

    it('says whether tracing is on, so an empty trace reads as "not traced" rather than "no work"', async () => {
      const { profiling, jobs } = fakes(['job-1'], [], false);
      expect(await new ProfileService(profiling, jobs).trace(TENANT, 'job-1')).toMatchObject({ tracing: false, stages: {}, spans: [] });
    });

    it('rejects an unknown job with JOB_NOT_FOUND before reading any spans', async () => {
      const { profiling, jobs, read } = fakes([], [span('inference', 1, 1)]);
      const sut = new ProfileService(profiling, jobs);
      await expect(sut.trace(TENANT, 'no-such-job')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      expect(read).toEqual([]);
    });
  });

  describe('trace of another tenant', () => {
    it('rejects it with JOB_NOT_FOUND, as an unknown job, before reading any spans', async () => {
      const { profiling, jobs, read } = fakes(['job-1'], [span('inference', 1, 1)]);
      const sut = new ProfileService(profiling, jobs);
      await expect(sut.trace(tenantNamed('globex'), 'job-1')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
      expect(read).toEqual([]);
    });
  });

  describe('report', () => {
    it("is this process's profiler report (the fleet's, once connected to the store)", async () => {
      const { profiling, jobs } = fakes([], []);
      expect(await new ProfileService(profiling, jobs).report()).toEqual({ window_s: 60 });
    });
  });
});
