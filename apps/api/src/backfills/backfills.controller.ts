// /v1/backfills: streamed upload of a chat export (NDJSON/CSV/TSV body, resumable by id), status,
// results (NDJSON in input order with passthrough fields, ?offset=), per-line errors, progress
// as server-sent events, and label roll-ups per value of a field (conversation, user).
import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AppError, parseTaxonomy, TAXONOMIES, type Tenant } from '@emo/contracts';
import type { BackfillStatus } from '@emo/queue';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Accepts } from '../http/accepts.decorator';
import { ApiErrors, AUTH_ERRORS, QUEUE_ERRORS } from '../http/error-body.dto';
import { sendNdjson } from '../http/ndjson-stream';
import { parseBody } from '../http/parse-body';
import { CurrentTenant } from '../tenancy/current-tenant.decorator';
import { RequireScope } from '../tenancy/require-scope.decorator';
import {
  BackfillCreatedDto,
  BackfillStatusDto,
  STREAMED_TYPES,
  offsetQuerySchema,
  rollupQuerySchema,
  uploadQuerySchema,
} from './backfills.dto';
import { BackfillsService, type BackfillLines } from './backfills.service';

/** What every read of one backfill may answer. */
const BACKFILL_READ_ERRORS = [...AUTH_ERRORS, 'BACKFILL_NOT_FOUND', 'BACKFILL_ID_INVALID', 'URI_TOO_LONG', ...QUEUE_ERRORS] as const;

@ApiTags('backfills')
@ApiBearerAuth()
@RequireScope('backfills')
@Controller('v1/backfills')
export class BackfillsController {
  constructor(@Inject(BackfillsService) private readonly backfills: BackfillsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Upload a chat export as a streamed body; the same id resumes an interrupted upload',
    description:
      'Body: NDJSON (`application/x-ndjson`), CSV (`text/csv`) or TSV (`text/tab-separated-values`), read record by record. ' +
      'Answers once the whole body is read and queued. Sending the same file again with the same `id` skips chunks already done.',
  })
  @Accepts(...Object.keys(STREAMED_TYPES))
  @ApiQuery({ name: 'id', required: false, description: 'Backfill id (letters, digits, - and _); default: a new UUID' })
  @ApiQuery({ name: 'format', required: false, enum: ['ndjson', 'csv', 'tsv'], description: 'Default: from the content type' })
  @ApiQuery({ name: 'text_field', required: false, description: 'Field or column of the text (default "text")' })
  @ApiQuery({ name: 'id_field', required: false, description: 'Field or column of the message id, echoed as id (default: id)' })
  @ApiQuery({
    name: 'passthrough',
    required: false,
    description: 'Comma-separated fields copied to each result (default: all but text and id)',
  })
  @ApiQuery({ name: 'columns', required: false, description: 'Comma-separated column names for CSV/TSV without a header row' })
  @ApiQuery({ name: 'include_scores', required: false, enum: ['true', 'false'] })
  @ApiQuery({
    name: 'taxonomy',
    required: false,
    enum: [...TAXONOMIES],
    description:
      "goemotions (default, the model's labels), ekman or sentiment (as in POST /v1/classify); another value: 422 TAXONOMY_UNKNOWN",
  })
  @ApiAcceptedResponse({ type: BackfillCreatedDto })
  @ApiErrors(
    ...AUTH_ERRORS,
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'REQUEST_INVALID',
    'TAXONOMY_UNKNOWN',
    'BACKFILL_ID_INVALID',
    'BACKFILL_CONFLICT',
    'OVERLOADED',
    ...QUEUE_ERRORS,
  )
  async upload(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Query() query: unknown): Promise<BackfillCreatedDto> {
    const q = parseBody(uploadQuerySchema, query);
    const taxonomy = parseTaxonomy(q.taxonomy);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const body = req.body as Readable | undefined;
    if (!STREAMED_TYPES[type] || !(body instanceof Readable)) {
      throw new AppError(
        'REQUEST_INVALID',
        `Send the file as the request body with content-type ${Object.keys(STREAMED_TYPES).join(', ')}`,
      );
    }
    const mapping = {
      format: q.format ?? STREAMED_TYPES[type],
      textField: q.text_field,
      idField: q.id_field,
      passthrough: q.passthrough,
      columns: q.columns,
      includeScores: q.include_scores,
      ...(taxonomy !== 'goemotions' ? { taxonomy } : {}),
    };
    const { id, status, created, queued, skipped } = await this.backfills.upload(tenant, { id: q.id, mapping, body });
    const base = `/v1/backfills/${id}`;
    return {
      ...status,
      created,
      queued_chunks: queued,
      skipped_chunks: skipped,
      status_url: base,
      results_url: `${base}/results`,
      errors_url: `${base}/errors`,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Progress: lines done/total/failed, rate, ETA' })
  @ApiOkResponse({ type: BackfillStatusDto })
  @ApiErrors(...BACKFILL_READ_ERRORS)
  status(@CurrentTenant() tenant: Tenant, @Param('id') id: string): Promise<BackfillStatus> {
    return this.backfills.status(tenant, id);
  }

  @Get(':id/results')
  @ApiOperation({
    summary: 'Result lines (NDJSON) in input order from ?offset=, with the passthrough fields',
    description:
      'One line per input line: `{"line","id"?,…passthrough,"labels","model"}` or `{"line","id"?,"error"}`. While running, the lines available in order so far (`x-results-complete: false`).',
  })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiProduces('application/x-ndjson')
  @ApiErrors(...BACKFILL_READ_ERRORS, 'REQUEST_INVALID', 'BACKFILL_RESULTS_MISSING')
  async results(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Query() query: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { offset } = parseBody(offsetQuerySchema, query);
    await sendLines(reply, await this.backfills.results(tenant, id, offset));
  }

  @Get(':id/errors')
  @ApiOperation({
    summary: 'Only the lines that failed (bad line, missing field, non-string or empty text, failed chunk), with line numbers',
  })
  @ApiProduces('application/x-ndjson')
  @ApiErrors(...BACKFILL_READ_ERRORS, 'BACKFILL_RESULTS_MISSING')
  async errors(@CurrentTenant() tenant: Tenant, @Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    await sendLines(reply, await this.backfills.errors(tenant, id));
  }

  @Get(':id/rollups')
  @ApiOperation({
    summary: 'Label distribution per value of a passthrough field (?by=conversation_id, ?by=user), NDJSON, one line per value',
  })
  @ApiQuery({ name: 'by', required: true })
  @ApiProduces('application/x-ndjson')
  @ApiErrors(...BACKFILL_READ_ERRORS, 'REQUEST_INVALID', 'BACKFILL_RESULTS_MISSING')
  async rollups(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Query() query: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { complete, rows } = await this.backfills.rollups(tenant, id, parseBody(rollupQuerySchema, query).by);
    // One row per value of the field: few enough to send whole (with a content-length) rather than stream.
    await reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('x-results-complete', String(complete))
      .send(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'Progress as server-sent events: `progress` (the status) every second, then `done`' })
  @ApiProduces('text/event-stream')
  @ApiErrors(...BACKFILL_READ_ERRORS)
  async events(
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const closed = new AbortController();
    const events = await this.backfills.events(tenant, id, closed.signal);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    req.raw.once('close', () => closed.abort());
    for await (const { event, data } of events) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    raw.end();
  }
}

/** Result or error lines of a backfill as NDJSON; x-total-count once the upload is complete. */
async function sendLines(reply: FastifyReply, lines: BackfillLines): Promise<void> {
  await sendNdjson(reply, lines.lines, {
    'x-backfill-state': lines.state,
    'x-results-complete': String(lines.complete),
    ...(lines.total === undefined ? {} : { 'x-total-count': String(lines.total) }),
  });
}
