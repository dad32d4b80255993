// What GET /v1/profile and GET /v1/jobs/{id}/trace answer: the fleet's bottleneck report, and one
// job's spans with per-stage totals (an unknown job, or another tenant's, is 404 JOB_NOT_FOUND,
// tracing on or off).
import { Inject, Injectable } from '@nestjs/common';
import type { Tenant } from '@emo/contracts';
import { summarizeTrace, type JobTrace, type ProfileReport, type ProfilingRuntime } from '@emo/profiler';
import { FLEET_CLIENT, PROFILING } from '../tokens';

/** What the service reads of this process's profiler. */
export type ProfileSource = Pick<ProfilingRuntime, 'report' | 'trace' | 'tracing'>;

/** The fleet's job lookup: rejects with AppError JOB_NOT_FOUND for an unknown job or another tenant's (FleetClient.producer). */
export interface JobLookup {
  readonly producer: { status(jobId: string, tenant: string): Promise<unknown> };
}

@Injectable()
export class ProfileService {
  constructor(
    @Inject(PROFILING) private readonly profiling: ProfileSource,
    @Inject(FLEET_CLIENT) private readonly jobs: JobLookup,
  ) {}

  report(): Promise<ProfileReport> {
    return this.profiling.report();
  }

  /** The spans of one of the tenant's jobs (spans are kept per job id: the owner check comes first). */
  async trace(tenant: Tenant, jobId: string): Promise<JobTrace> {
    await this.jobs.producer.status(jobId, tenant.id);
    return summarizeTrace(jobId, await this.profiling.trace(jobId), this.profiling.tracing);
  }
}
