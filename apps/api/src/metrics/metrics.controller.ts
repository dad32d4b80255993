// GET /metrics: Prometheus text format (open, like health).
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../http/public.decorator';
import { API_METRICS } from '../tokens';
import type { ApiMetrics } from './api-metrics';

@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(@Inject(API_METRICS) private readonly metrics: ApiMetrics) {}

  @Public()
  @Get('metrics')
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    const body = await this.metrics.registry.metrics();
    await reply.type(this.metrics.registry.contentType).send(body);
  }
}
