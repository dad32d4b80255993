// Process-wide settings: logging, Redis endpoints, HTTP ports and limits.
import { z } from 'zod';
import { csv, int, setting } from '../setting';

const redisUrl = z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://');

export const runtimeSettings = {
  logLevel: setting('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'pino log level.'),
  redisUrl: setting('REDIS_URL', redisUrl.default('redis://127.0.0.1:6379'), 'Queue Redis (BullMQ; must be maxmemory-policy noeviction).'),
  cacheRedisUrl: setting('CACHE_REDIS_URL', redisUrl.optional(), 'Cache Redis (L2; should be allkeys-lfu). Default: REDIS_URL.'),
  queuePrefix: setting('QUEUE_PREFIX', z.string().regex(/^[A-Za-z0-9_.-]+$/).default('emo'), 'Namespace of every queue and key: lets several fleets or test runs share a Redis.'),
  apiKeys: setting('API_KEYS', csv(z.string().min(8)).default([]), 'Comma-separated API keys (Bearer). Empty: authentication off.'),
  host: setting('HOST', z.string().default('0.0.0.0'), 'API listen address.'),
  port: setting('PORT', int(0, 65535).default(8080), 'API port.'),
  metricsPort: setting('METRICS_PORT', int(0, 65535).default(9464), 'Worker /metrics and /healthz port.'),
} as const;
