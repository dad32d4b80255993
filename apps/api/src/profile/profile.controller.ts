// GET /v1/profile: the fleet's bottleneck report (every api/worker window published to Redis in
// the last few intervals). GET /v1/jobs/{id}/trace: the span records of one job, kept in Redis
// for TRACE_RETENTION_SECONDS when TRACING_ENABLED is on. The answers come from ProfileService.
// Both are operator views of the whole fleet: they need the admin scope.
import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@emo/contracts';
import type { JobTrace, ProfileReport } from '@emo/profiler';
import { ApiErrors, AUTH_ERRORS, QUEUE_ERRORS } from '../http/error-body.dto';
import { CurrentTenant } from '../tenancy/current-tenant.decorator';
import { RequireScope } from '../tenancy/require-scope.decorator';
import { ProfileService } from './profile.service';

@ApiTags('profile')
@ApiBearerAuth()
@RequireScope('admin')
@Controller('v1')
export class ProfileController {
  constructor(@Inject(ProfileService) private readonly service: ProfileService) {}

  @Get('profile')
  @ApiOperation({
    summary: 'Per-stage latency, throughput, cache, device and queue figures of the fleet over the recent window, with recommendations',
  })
  @ApiOkResponse({ description: 'A profile report (docs/observability.md)' })
  @ApiErrors(...AUTH_ERRORS, ...QUEUE_ERRORS)
  profile(): Promise<ProfileReport> {
    return this.service.report();
  }

  @Get('jobs/:id/trace')
  @ApiOperation({ summary: 'Span records of one job (TRACING_ENABLED=true; kept TRACE_RETENTION_SECONDS)' })
  @ApiOkResponse({ description: 'The spans of the job with per-stage totals (none while TRACING_ENABLED is off)' })
  @ApiErrors(...AUTH_ERRORS, 'JOB_NOT_FOUND', 'URI_TOO_LONG', ...QUEUE_ERRORS)
  trace(@CurrentTenant() tenant: Tenant, @Param('id') id: string): Promise<JobTrace> {
    return this.service.trace(tenant, id);
  }
}
