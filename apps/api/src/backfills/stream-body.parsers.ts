// Lets NDJSON/CSV/TSV request bodies through as a stream (never buffered): the backfill route reads
// them record by record. The body is bounded by BACKFILL_MAX_BODY_BYTES: 413 PAYLOAD_TOO_LARGE at
// once when Content-Length says so, else as soon as the streamed bytes pass it. Registered on the
// Fastify instance when the module starts, before the server listens.
import { Transform, type TransformCallback } from 'node:stream';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AppConfig } from '@emo/config';
import { AppError } from '@emo/contracts';
import type { FastifyInstance } from 'fastify';
import { APP_CONFIG } from '../tokens';
import { STREAMED_TYPES } from './backfills.dto';

const tooLarge = (limit: number) =>
  new AppError(
    'PAYLOAD_TOO_LARGE',
    `A backfill body is at most ${limit} bytes (BACKFILL_MAX_BODY_BYTES); split the file into several backfills`,
    { limit },
  );

/** Passes bytes through and fails the stream with PAYLOAD_TOO_LARGE once more than `limit` went by. */
export class BodyLimit extends Transform {
  private seen = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) done(tooLarge(this.limit));
    else done(null, chunk);
  }
}

@Injectable()
export class StreamBodyParsers implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    const limit = this.config.backfill.backfillMaxBodyBytes;
    for (const type of Object.keys(STREAMED_TYPES)) {
      if (fastify.hasContentTypeParser(type)) continue;
      fastify.addContentTypeParser(type, (req, payload, done) => {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) return done(tooLarge(limit), undefined);
        // A body over the limit fails `body` and stops reading (the request itself is left alone, so the
        // 413 still goes out); a body cut short (client gone) fails it instead of leaving it open.
        const body = new BodyLimit(limit);
        // The route reads the error from the stream (for await throws it), possibly after it happened.
        body.on('error', () => undefined);
        payload.once('error', (e) => body.destroy(e));
        payload.once('close', () => {
          if (!payload.readableEnded)
            body.destroy(new AppError('REQUEST_INVALID', 'The upload was cut short; send the file again with the same id to resume'));
        });
        done(null, payload.pipe(body));
      });
    }
  }
}
