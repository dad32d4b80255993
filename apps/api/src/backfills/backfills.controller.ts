// /v1/backfills: streamed upload of a chat export (NDJSON/CSV/TSV body, resumable by id), status,
// results (NDJSON in input order with passthrough fields, ?offset=), per-line errors, progress
// as server-sent events, and label roll-ups per value of a field (conversation, user).
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AppError, readRecords } from '@emo/contracts';
import { backfillStatusFromRecord, checkBackfillId, checkRollupField, type BackfillStatus, type JobRecord, type OutputLine } from '@emo/queue';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseBody } from '../http/parse-body';
import type { BacklogGate } from '../jobs/backlog-gate';
import { BACKLOG_GATE } from '../tokens';
import { BACKFILLS, type Backfills } from './backfills.providers';
import { BackfillCreatedDto, BackfillStatusDto, STREAMED_TYPES, offsetQuerySchema, rollupQuerySchema, uploadQuerySchema } from './backfills.dto';

const SSE_INTERVAL_MS = 1000;

@ApiTags('backfills')
@ApiBearerAuth()
@Controller('v1/backfills')
export class BackfillsController {
  constructor(
    @Inject(BACKFILLS) private readonly backfills: Backfills,
    @Inject(BACKLOG_GATE) private readonly gate: BacklogGate,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Upload a chat export as a streamed body; the same id resumes an interrupted upload',
    description:
      'Body: NDJSON (`application/x-ndjson`), CSV (`text/csv`) or TSV (`text/tab-separated-values`), read record by record. ' +
      'Answers once the whole body is read and queued. Sending the same file again with the same `id` skips chunks already done.',
  })
  @ApiConsumes(...Object.keys(STREAMED_TYPES))
  @ApiQuery({ name: 'id', required: false, description: 'Backfill id (letters, digits, - and _); default: a new UUID' })
  @ApiQuery({ name: 'format', required: false, enum: ['ndjson', 'csv', 'tsv'], description: 'Default: from the content type' })
  @ApiQuery({ name: 'text_field', required: false, description: 'Field or column of the text (default "text")' })
  @ApiQuery({ name: 'id_field', required: false, description: 'Field or column of the message id' })
  @ApiQuery({ name: 'passthrough', required: false, description: 'Comma-separated fields copied to each result (default: all but text and id)' })
  @ApiQuery({ name: 'columns', required: false, description: 'Comma-separated column names for CSV/TSV without a header row' })
  @ApiQuery({ name: 'include_scores', required: false, enum: ['true', 'false'] })
  @ApiAcceptedResponse({ type: BackfillCreatedDto })
  async upload(@Req() req: FastifyRequest, @Query() query: unknown): Promise<BackfillCreatedDto> {
    const q = parseBody(uploadQuerySchema, query);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const body = req.body as Readable | undefined;
    if (!STREAMED_TYPES[type] || !(body instanceof Readable)) {
      throw new AppError('REQUEST_INVALID', `Send the file as the request body with content-type ${Object.keys(STREAMED_TYPES).join(', ')}`);
    }
    const id = checkBackfillId(q.id ?? randomUUID());
    await this.gate.admit('bulk');
    const mapping = { format: q.format ?? STREAMED_TYPES[type], textField: q.text_field, idField: q.id_field, passthrough: q.passthrough, columns: q.columns, includeScores: q.include_scores };
    const records = readRecords(body, mapping.format, mapping, { maxLineBytes: this.backfills.maxLineBytes });
    const result = await this.backfills.ingestor.ingest(id, mapping, records, () => body.readableEnded);
    const status = await this.status(id);
    const base = `/v1/backfills/${id}`;
    return { ...status, created: result.created, queued_chunks: result.queued, skipped_chunks: result.skipped, status_url: base, results_url: `${base}/results`, errors_url: `${base}/errors` };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Progress: lines done/total/failed, rate, ETA' })
  @ApiOkResponse({ type: BackfillStatusDto })
  async status(@Param('id') id: string): Promise<BackfillStatus> {
    return backfillStatusFromRecord(await this.backfills.store.requireRecord(id));
  }

  @Get(':id/results')
  @ApiOperation({
    summary: 'Result lines (NDJSON) in input order from ?offset=, with the passthrough fields',
    description: 'One line per input line: `{"line","id"?,…passthrough,"labels","model"}` or `{"line","id"?,"error"}`. While running, the lines available in order so far (`x-results-complete: false`).',
  })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiProduces('application/x-ndjson')
  async results(@Param('id') id: string, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const { offset } = parseBody(offsetQuerySchema, query);
    const meta = await this.backfills.store.requireRecord(id);
    await this.sendLines(reply, meta, this.backfills.reader.lines(meta, offset));
  }

  @Get(':id/errors')
  @ApiOperation({ summary: 'Only the lines that failed (bad line, missing field, non-string or empty text, failed chunk), with line numbers' })
  @ApiProduces('application/x-ndjson')
  async errors(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const meta = await this.backfills.store.requireRecord(id);
    await this.sendLines(reply, meta, this.backfills.reader.errors(meta));
  }

  @Get(':id/rollups')
  @ApiOperation({ summary: 'Label distribution per value of a passthrough field (?by=conversation_id, ?by=user), NDJSON, one line per value' })
  @ApiQuery({ name: 'by', required: true })
  @ApiProduces('application/x-ndjson')
  async rollups(@Param('id') id: string, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const by = checkRollupField(parseBody(rollupQuerySchema, query).by);
    const meta = await this.backfills.store.requireRecord(id);
    const rows = await this.backfills.reader.rollup(meta, by);
    const body = rows.map((r) => `${JSON.stringify({ [by]: r.key, messages: r.messages, errors: r.errors, labels: r.labels })}\n`).join('');
    await reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('x-results-complete', String(meta.finishedAt !== undefined))
      .send(body);
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'Progress as server-sent events: `progress` (the status) every second, then `done`' })
  @ApiProduces('text/event-stream')
  async events(@Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.backfills.store.requireRecord(id);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let open = true;
    req.raw.once('close', () => {
      open = false;
    });
    while (open) {
      const meta = await this.backfills.store.record(id);
      if (!meta) {
        raw.write(`event: error\ndata: ${JSON.stringify({ code: 'BACKFILL_NOT_FOUND', message: `Backfill ${id} expired` })}\n\n`);
        break;
      }
      const status = backfillStatusFromRecord(meta);
      const finished = status.state === 'completed' || status.state === 'cancelled';
      raw.write(`event: ${finished ? 'done' : 'progress'}\ndata: ${JSON.stringify(status)}\n\n`);
      if (finished) break;
      await new Promise((r) => setTimeout(r, SSE_INTERVAL_MS));
    }
    raw.end();
  }

  private async sendLines(reply: FastifyReply, meta: JobRecord, lines: AsyncIterable<OutputLine>): Promise<void> {
    async function* ndjson() {
      let batch = '';
      let n = 0;
      for await (const line of lines) {
        batch += `${line.json}\n`;
        if (++n % 256 === 0) {
          yield batch;
          batch = '';
        }
      }
      if (batch) yield batch;
    }
    reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('x-backfill-state', backfillStatusFromRecord(meta).state)
      .header('x-results-complete', String(meta.finishedAt !== undefined));
    if (meta.total !== undefined) reply.header('x-total-count', String(meta.total));
    await reply.send(Readable.from(ndjson()));
  }
}
