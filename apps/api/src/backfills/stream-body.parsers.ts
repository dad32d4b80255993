// Lets NDJSON/CSV/TSV request bodies through as the raw request stream (never buffered, so no body
// size limit applies): the backfill route reads them record by record. Registered on the Fastify
// instance when the module starts, before the server listens.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { STREAMED_TYPES } from './backfills.dto';

@Injectable()
export class StreamBodyParsers implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    for (const type of Object.keys(STREAMED_TYPES)) {
      if (!fastify.hasContentTypeParser(type)) fastify.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    }
  }
}
