// /v1/jobs: submit (202), status, results (NDJSON in input order, streamed, ?offset=), cancel.
// Parses and validates the request, calls JobsService, shapes the reply.
import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { AppConfig } from '@emo/config';
import { parseTaxonomy, type Tenant } from '@emo/contracts';
import type { ProfilingRuntime } from '@emo/profiler';
import type { JobItem, JobStatus } from '@emo/queue';
import type { FastifyReply } from 'fastify';
import { Accepts, JSON_MEDIA_TYPE } from '../http/accepts.decorator';
import { ApiErrors, AUTH_ERRORS, JSON_BODY_ERRORS, QUEUE_ERRORS } from '../http/error-body.dto';
import { sendNdjson } from '../http/ndjson-stream';
import { parseBody } from '../http/parse-body';
import { checkCount, rawLength } from '../http/text-limits';
import { CurrentTenant } from '../tenancy/current-tenant.decorator';
import { withRateLimitHeaders } from '../tenancy/rate-limit-headers';
import { RequireScope } from '../tenancy/require-scope.decorator';
import type { RateLimitSlot } from '../tenancy/tenant-quota';
import { APP_CONFIG, PROFILING } from '../tokens';
import {
  JOB_STATUS_MAX_WAIT_MS,
  JobCreatedDto,
  JobRequestDto,
  JobStatusDto,
  jobRequestSchema,
  resultsQuerySchema,
  statusQuerySchema,
} from './jobs.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@ApiBearerAuth()
@RequireScope('jobs')
@Controller('v1/jobs')
export class JobsController {
  constructor(
    @Inject(JobsService) private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROFILING) private readonly profiling: ProfilingRuntime,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Submit a job; poll its status, then read its results' })
  @ApiBody({ type: JobRequestDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same as idempotency_key in the body' })
  @ApiAcceptedResponse({ type: JobCreatedDto })
  @Accepts(JSON_MEDIA_TYPE)
  @ApiErrors(
    ...AUTH_ERRORS,
    ...JSON_BODY_ERRORS,
    'TOO_MANY_TEXTS',
    'TAXONOMY_UNKNOWN',
    'TEXT_TOO_LONG',
    'IDEMPOTENCY_CONFLICT',
    'OVERLOADED',
    'RATE_LIMITED',
    'TENANT_BACKLOG_FULL',
    ...QUEUE_ERRORS,
  )
  submit(
    @CurrentTenant() tenant: Tenant,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('idempotency-key') headerKey?: string,
  ): Promise<JobCreatedDto> {
    return withRateLimitHeaders(reply, (rateLimit) => this.create(tenant, body, headerKey, rateLimit));
  }

  private async create(tenant: Tenant, body: unknown, headerKey: string | undefined, rateLimit: RateLimitSlot): Promise<JobCreatedDto> {
    const endValidation = this.profiling.profiler.start('validation');
    // The count first, on the raw body: an oversize list fails with its own code, not a schema error per item.
    checkCount(rawLength(body, 'items'), this.config.api.jobMaxItems, 'items');
    const req = parseBody(jobRequestSchema, body);
    const taxonomy = parseTaxonomy(req.taxonomy);
    endValidation(req.items.length);
    const { status, created } = await this.jobs.submit(tenant, {
      // A non-string text travels as it is: the worker's engine (checkText, the Classifier contract
      // takes unknown values) answers it with TEXT_NOT_STRING in its place, like any other bad text.
      items: req.items as JobItem[],
      priority: req.priority,
      includeScores: req.include_scores,
      taxonomy,
      idempotencyKey: req.idempotency_key,
      idempotencyKeyHeader: headerKey,
      rateLimit,
    });
    return { ...status, created, status_url: `/v1/jobs/${status.job_id}`, results_url: `/v1/jobs/${status.job_id}/results` };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'State, counts and timings of a job',
    description:
      `With \`?wait_ms=N\` (at most ${JOB_STATUS_MAX_WAIT_MS}) the answer comes once the job has finished (completed or cancelled) or N ms ` +
      'have passed, whichever is first (a long poll); the state says which.',
  })
  @ApiQuery({ name: 'wait_ms', required: false, type: Number })
  @ApiOkResponse({ type: JobStatusDto })
  @ApiErrors(...AUTH_ERRORS, 'JOB_NOT_FOUND', 'URI_TOO_LONG', 'REQUEST_INVALID', ...QUEUE_ERRORS)
  status(@CurrentTenant() tenant: Tenant, @Param('id') id: string, @Query() query: unknown): Promise<JobStatus> {
    const { wait_ms: waitMs } = parseBody(statusQuerySchema, query);
    return this.jobs.status(tenant, id, waitMs);
  }

  @Get(':id/results')
  @ApiOperation({
    summary: 'Result lines (NDJSON) in input order from ?offset=',
    description:
      'One line per item: its result, or `{"error":{code,message}}`. While the job runs, the stream holds the lines available in order so far ' +
      '(header `x-results-complete: false`); continue later with `?offset=<lines received>`.',
  })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiProduces('application/x-ndjson')
  @ApiErrors(...AUTH_ERRORS, 'JOB_NOT_FOUND', 'URI_TOO_LONG', 'REQUEST_INVALID', ...QUEUE_ERRORS)
  async results(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Query() query: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { offset } = parseBody(resultsQuerySchema, query);
    const results = await this.jobs.results(tenant, id, offset);
    await sendNdjson(reply, results.lines, {
      'x-job-state': results.state,
      'x-results-complete': String(results.complete),
      'x-total-count': String(results.total),
    });
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Cancel what has not run yet; chunks already running still finish' })
  @ApiOkResponse({ type: JobStatusDto })
  @ApiErrors(...AUTH_ERRORS, 'JOB_NOT_FOUND', 'URI_TOO_LONG', ...QUEUE_ERRORS)
  cancel(@CurrentTenant() tenant: Tenant, @Param('id') id: string): Promise<JobStatus> {
    return this.jobs.cancel(tenant, id);
  }
}
