// GET /v1/cache/stats: the API's result cache — hits and misses per level, hit rate, L1 size and
// evictions, L2 state and latency, the cache Redis eviction-policy check (libs/cache CacheStats).
// Admin only: the counters are every tenant's traffic together, so they would tell one tenant
// about the others' activity (and whether a text was classified before).
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, AUTH_ERRORS } from '../http/error-body.dto';
import { RequireScope } from '../tenancy/require-scope.decorator';
import { CACHE_STATS } from '../tokens';

@ApiTags('cache')
@ApiBearerAuth()
@RequireScope('admin')
@Controller('v1/cache')
export class CacheStatsController {
  constructor(@Inject(CACHE_STATS) private readonly stats: () => unknown) {}

  @Get('stats')
  @ApiOperation({ summary: 'Result cache statistics of this API process (L1) and the shared L2 it reads' })
  @ApiOkResponse({
    description: 'CacheStats (docs/cache.md), or { enabled: false, reason } when the cache is off or no worker has advertised its model',
  })
  @ApiErrors(...AUTH_ERRORS)
  get(): unknown {
    return this.stats();
  }
}
