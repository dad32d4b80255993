// GET /v1/profile: the fleet's bottleneck report (every api/worker window published to Redis in
// the last few intervals). GET /v1/jobs/{id}/trace: the span records of one job, kept in Redis
// for TRACE_RETENTION_SECONDS when TRACING_ENABLED is on.
import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ProfileReport, ProfilingRuntime, SpanRecord } from '@emo/profiler';
import type { FleetClient } from '@emo/queue';
import { FLEET_CLIENT, PROFILING } from '../tokens';

export interface JobTrace {
  readonly job_id: string;
  readonly tracing: boolean;
  /** Total ms per stage over the job's spans (stages run per chunk and per call, often concurrently). */
  readonly stages: Record<string, { spans: number; total_ms: number; texts: number }>;
  readonly spans: readonly SpanRecord[];
}

@ApiTags('profile')
@ApiBearerAuth()
@Controller('v1')
export class ProfileController {
  constructor(
    @Inject(PROFILING) private readonly profiling: ProfilingRuntime,
    @Inject(FLEET_CLIENT) private readonly fleet: FleetClient,
  ) {}

  @Get('profile')
  @ApiOperation({ summary: 'Per-stage latency, throughput, cache, device and queue figures of the fleet over the recent window, with recommendations' })
  @ApiOkResponse({ description: 'A profile report (docs/observability.md)' })
  profile(): Promise<ProfileReport> {
    return this.profiling.report();
  }

  @Get('jobs/:id/trace')
  @ApiOperation({ summary: 'Span records of one job (TRACING_ENABLED=true; kept TRACE_RETENTION_SECONDS)' })
  async trace(@Param('id') id: string): Promise<JobTrace> {
    await this.fleet.producer.status(id); // 404 JOB_NOT_FOUND for an unknown job
    const spans = await this.profiling.trace(id);
    const stages: JobTrace['stages'] = {};
    for (const s of spans) {
      const row = (stages[s.stage] ??= { spans: 0, total_ms: 0, texts: 0 });
      row.spans++;
      row.total_ms = Math.round((row.total_ms + s.ms) * 1000) / 1000;
      row.texts += s.count;
    }
    return { job_id: id, tracing: this.profiling.tracing, stages, spans };
  }
}
