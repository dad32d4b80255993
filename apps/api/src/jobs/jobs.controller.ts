// /v1/jobs: submit (202), status, results (NDJSON in input order, streamed, ?offset=), cancel.
import { Readable } from 'node:stream';
import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AppConfig } from '@emo/config';
import type { ProfilingRuntime } from '@emo/profiler';
import { jobState, type FleetClient, type JobStatus } from '@emo/queue';
import type { FastifyReply } from 'fastify';
import { parseBody } from '../http/parse-body';
import { checkCount, checkTextLengths, rawLength } from '../http/text-limits';
import { APP_CONFIG, BACKLOG_GATE, FLEET_CLIENT, PROFILING } from '../tokens';
import type { BacklogGate } from './backlog-gate';
import { JobCreatedDto, JobRequestDto, JobStatusDto, jobRequestSchema, resultsQuerySchema } from './jobs.dto';

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobsController {
  constructor(
    @Inject(FLEET_CLIENT) private readonly fleet: FleetClient,
    @Inject(BACKLOG_GATE) private readonly gate: BacklogGate,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROFILING) private readonly profiling: ProfilingRuntime,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Submit a job; poll its status, then read its results' })
  @ApiBody({ type: JobRequestDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same as idempotency_key in the body' })
  @ApiAcceptedResponse({ type: JobCreatedDto })
  async submit(@Body() body: unknown, @Headers('idempotency-key') headerKey?: string): Promise<JobCreatedDto> {
    const timer = this.profiling.profiler;
    const endValidation = timer.start('validation');
    checkCount(rawLength(body, 'items'), this.config.api.jobMaxItems, 'items');
    const req = parseBody(jobRequestSchema, body);
    checkTextLengths(req.items.map((i) => i.text), this.config);
    endValidation(req.items.length);
    await this.gate.admit(req.priority);
    const endEnqueue = timer.start('enqueue', { labels: { priority: req.priority } });
    const { jobId, created } = await this.fleet.producer.submit({
      items: req.items,
      priority: req.priority,
      idempotencyKey: req.idempotency_key ?? (headerKey || undefined),
      includeScores: req.include_scores,
    });
    endEnqueue(req.items.length);
    const status = await this.fleet.producer.status(jobId);
    return { ...status, created, status_url: `/v1/jobs/${jobId}`, results_url: `/v1/jobs/${jobId}/results` };
  }

  @Get(':id')
  @ApiOperation({ summary: 'State, counts and timings of a job' })
  @ApiOkResponse({ type: JobStatusDto })
  status(@Param('id') id: string): Promise<JobStatus> {
    return this.fleet.producer.status(id);
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
  async results(@Param('id') id: string, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const { offset } = parseBody(resultsQuerySchema, query);
    const meta = await this.fleet.store.requireRecord(id);
    const lines = this.fleet.store.readLines(meta, offset);
    async function* ndjson() {
      for await (const line of lines) yield `${line}\n`;
    }
    await reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('x-job-state', jobState(meta))
      .header('x-results-complete', String(meta.finishedAt !== undefined))
      .header('x-total-count', String(meta.total))
      .send(Readable.from(ndjson()));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Cancel what has not run yet; chunks already running still finish' })
  @ApiOkResponse({ type: JobStatusDto })
  cancel(@Param('id') id: string): Promise<JobStatus> {
    return this.fleet.producer.cancel(id);
  }
}
