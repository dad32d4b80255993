// GET /healthz (the process answers) and GET /readyz (Redis answers, takes a write — not out of
// memory — and the fleet queues can be counted), open without an API key. Readiness failures
// answer 503 QUEUE_UNAVAILABLE with the terminus report (and the reason) in details.
import { hostname } from 'node:os';
import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { AppError } from '@emo/contracts';
import { redisFailureOf, type FleetClient } from '@emo/queue';
import { ApiErrors, ANY_ROUTE_ERRORS, QUEUE_ERRORS } from '../http/error-body.dto';
import { Public } from '../http/public.decorator';
import { FLEET_CLIENT } from '../tokens';

const CHECK_TIMEOUT_MS = 2000;
/** This process's readiness probe key (a few bytes, expires by itself). */
const PROBE_MEMBER = `${hostname()}-${process.pid}`;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(FLEET_CLIENT) private readonly fleet: FleetClient,
  ) {}

  @Public()
  @Get('healthz')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The API process is up' })
  @ApiErrors(...ANY_ROUTE_ERRORS)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('readyz')
  @ApiOkResponse({ description: 'Redis and the fleet queues are reachable' })
  @ApiErrors(...ANY_ROUTE_ERRORS, ...QUEUE_ERRORS)
  async readyz(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.redis(), () => this.queues()]);
    } catch (e) {
      if (e instanceof ServiceUnavailableException)
        throw new AppError('QUEUE_UNAVAILABLE', 'Not ready: Redis or the queues do not answer', e.getResponse());
      throw e;
    }
  }

  private async redis() {
    const check = this.indicators.check('redis');
    try {
      const started = performance.now();
      await withTimeout(this.fleet.ping(), CHECK_TIMEOUT_MS);
      const latency = Math.round((performance.now() - started) * 100) / 100;
      // PING still answers at maxmemory with noeviction; a write does not (OOM): no work can be accepted then.
      await withTimeout(this.fleet.probeWrite(PROBE_MEMBER), CHECK_TIMEOUT_MS);
      return check.up({ latency_ms: latency });
    } catch (e) {
      const failure = redisFailureOf(e);
      return check.down({ message: (e as Error).message, reason: failure === 'oom' ? 'redis_oom' : 'redis_unavailable' });
    }
  }

  private async queues() {
    const check = this.indicators.check('queue');
    try {
      const counts = await withTimeout(this.fleet.queues.allCounts(), CHECK_TIMEOUT_MS);
      return check.up({ backlog: { interactive: counts.interactive.backlog, bulk: counts.bulk.backlog } });
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }
}
