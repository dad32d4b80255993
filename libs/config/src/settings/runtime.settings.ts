// Process-wide settings: logging, the Redis endpoints and the namespace of every key.
import { z } from 'zod';
import { setting } from '../setting';

const redisUrl = z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://');

export const runtimeSettings = {
  logLevel: setting('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'pino log level.'),
  logFormat: setting(
    'LOG_FORMAT',
    z.enum(['auto', 'plain', 'json']).default('auto'),
    'Log lines on stderr: plain (`emo: warning: …`), or pino JSON. auto: plain for the CLI commands, JSON for `emo serve` (the fleet).',
  ),
  redisUrl: setting('REDIS_URL', redisUrl.default('redis://127.0.0.1:6379'), 'Queue Redis (BullMQ; must be maxmemory-policy noeviction).'),
  cacheRedisUrl: setting('CACHE_REDIS_URL', redisUrl.optional(), 'Cache Redis (L2; should be allkeys-lfu). Default: REDIS_URL.'),
  cliApiKey: setting(
    'EMO_API_KEY',
    z.string().min(1).optional(),
    'API key the CLI sends (Authorization header) to a fleet API: `emo backfill --fleet`, `emo cache stats --url`, `emo profile --url`; --api-key wins.',
  ),
  queuePrefix: setting(
    'QUEUE_PREFIX',
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default('emo'),
    'Namespace of every queue and key: lets several fleets or test runs share a Redis.',
  ),
} as const;
