// Process-wide settings: logging, the Redis endpoints and the namespace of every key.
import { z } from 'zod';
import { setting } from '../setting';

const redisUrl = z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://');

export const runtimeSettings = {
  logLevel: setting('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'pino log level.'),
  redisUrl: setting('REDIS_URL', redisUrl.default('redis://127.0.0.1:6379'), 'Queue Redis (BullMQ; must be maxmemory-policy noeviction).'),
  cacheRedisUrl: setting('CACHE_REDIS_URL', redisUrl.optional(), 'Cache Redis (L2; should be allkeys-lfu). Default: REDIS_URL.'),
  queuePrefix: setting(
    'QUEUE_PREFIX',
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default('emo'),
    'Namespace of every queue and key: lets several fleets or test runs share a Redis.',
  ),
} as const;
