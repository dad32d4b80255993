// Rules for a dominant stage outside the model: cache lookups, queue Redis writes, validation.
import type { BottleneckRule } from './bottleneck-rule';
import { dominant, pressure, PRESSURE, uniq } from './report-facts';

export const IO_STAGE_RULES: readonly BottleneckRule[] = [
  {
    code: 'SLOW_CACHE',
    severity: 'warning',
    when: 'l1 or l2 dominates under pressure',
    thresholds: ['SATURATED_BUSY'],
    evidence: uniq(['dominant_stage', ...PRESSURE]),
    condition: (r) => dominant(r, 'l1', 'l2') && pressure(r),
    says: '{lead}: cache lookups are slow; check the cache Redis (CACHE_REDIS_URL) latency, or lower CACHE_L2_TIMEOUT_MS',
    setting: 'CACHE_REDIS_URL',
    why: 'A lookup that should take a Redis round trip dominates: the cache Redis (or the network to it) is slow.',
  },
  {
    code: 'SLOW_QUEUE_REDIS',
    severity: 'warning',
    when: 'result_write or enqueue dominates under pressure',
    thresholds: ['SATURATED_BUSY'],
    evidence: uniq(['dominant_stage', ...PRESSURE]),
    condition: (r) => dominant(r, 'result_write', 'enqueue') && pressure(r),
    says: '{lead}: the queue Redis is slow; check its latency and memory (REDIS_URL)',
    setting: 'REDIS_URL',
    why: 'Writing chunks or results is a few Redis commands: when that dominates, the queue Redis is slow or short of memory.',
  },
  {
    code: 'LARGE_REQUESTS',
    severity: 'info',
    when: 'validation dominates under pressure',
    thresholds: ['SATURATED_BUSY'],
    evidence: uniq(['dominant_stage', ...PRESSURE]),
    condition: (r) => dominant(r, 'validation') && pressure(r),
    says: '{lead}: requests are large; send bulk work as jobs (POST /v1/jobs) rather than sync classify',
    why: 'Validation is linear in the request: when it dominates, the requests are big enough to belong in jobs.',
  },
];
