// Process-wide settings: logging, the Redis endpoints and the namespace of every key.
import { z } from 'zod';
import { csv, setting } from '../setting';

const redisUrl = z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://');
/** Seed nodes of a Redis Cluster, `host:port,host:port,…` (any of its masters; the client learns the rest). */
const clusterNodes = csv(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'must be host:port'));

export const runtimeSettings = {
  logLevel: setting('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'pino log level.'),
  logFormat: setting(
    'LOG_FORMAT',
    z.enum(['auto', 'plain', 'json']).default('auto'),
    'Log lines on stderr: plain (`emo: warning: …`), or pino JSON. auto: plain for the CLI commands, JSON for `emo serve` (the fleet).',
  ),
  redisUrl: setting('REDIS_URL', redisUrl.default('redis://127.0.0.1:6379'), 'Queue Redis (BullMQ; must be maxmemory-policy noeviction).'),
  cacheRedisUrl: setting('CACHE_REDIS_URL', redisUrl.optional(), 'Cache Redis (L2; should be allkeys-lfu). Default: REDIS_URL.'),
  redisClusterNodes: setting(
    'REDIS_CLUSTER_NODES',
    clusterNodes.optional(),
    'Queue Redis as a Redis Cluster: seed nodes `host:port,…`; when set it replaces REDIS_URL and keys are hash-tagged per slot (docs/fleet.md, Redis Cluster).',
  ),
  cacheRedisClusterNodes: setting(
    'CACHE_REDIS_CLUSTER_NODES',
    clusterNodes.optional(),
    'Cache Redis (L2) as a Redis Cluster: seed nodes `host:port,…`; when set it replaces CACHE_REDIS_URL (L2 reads are split by slot).',
  ),
  redisClusterUsername: setting(
    'REDIS_CLUSTER_USERNAME',
    z.string().min(1).optional(),
    "ACL user for every node of REDIS_CLUSTER_NODES (default: the `default` user). Also the cache cluster's, unless CACHE_REDIS_CLUSTER_USERNAME is set.",
  ),
  redisClusterPassword: setting(
    'REDIS_CLUSTER_PASSWORD',
    z.string().min(1).optional(),
    "Password (AUTH) for every node of REDIS_CLUSTER_NODES (a secret; on one Redis the password goes in REDIS_URL). Also the cache cluster's, unless CACHE_REDIS_CLUSTER_PASSWORD is set.",
  ),
  cacheRedisClusterUsername: setting(
    'CACHE_REDIS_CLUSTER_USERNAME',
    z.string().min(1).optional(),
    'ACL user for every node of CACHE_REDIS_CLUSTER_NODES. Default: REDIS_CLUSTER_USERNAME.',
  ),
  cacheRedisClusterPassword: setting(
    'CACHE_REDIS_CLUSTER_PASSWORD',
    z.string().min(1).optional(),
    'Password (AUTH) for every node of CACHE_REDIS_CLUSTER_NODES (a secret). Default: REDIS_CLUSTER_PASSWORD.',
  ),
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
