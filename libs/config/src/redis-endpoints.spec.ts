import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { cacheRedisEndpoint, describeEndpoint, queueRedisEndpoint } from './redis-endpoints';

const runtime = (env: Record<string, string>) => loadConfig(env).runtime;

describe('Redis endpoints', () => {
  it('uses REDIS_URL for both when no cluster is named', () => {
    const r = runtime({ REDIS_URL: 'redis://q:1' });
    expect([queueRedisEndpoint(r), cacheRedisEndpoint(r)]).toEqual([
      { kind: 'single', url: 'redis://q:1' },
      { kind: 'single', url: 'redis://q:1' },
    ]);
  });

  it('replaces REDIS_URL with REDIS_CLUSTER_NODES, and the cache follows the queue unless it is named', () => {
    const r = runtime({ REDIS_URL: 'redis://q:1', REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001' });
    const cluster = {
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
    };
    expect([queueRedisEndpoint(r), cacheRedisEndpoint(r)]).toEqual([cluster, cluster]);
    expect(cacheRedisEndpoint(runtime({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', CACHE_REDIS_URL: 'redis://c:2' }))).toEqual({
      kind: 'single',
      url: 'redis://c:2',
    });
    const own = runtime({ REDIS_URL: 'redis://q:1', CACHE_REDIS_URL: 'redis://c:2', CACHE_REDIS_CLUSTER_NODES: 'cache-0:6379' });
    expect([queueRedisEndpoint(own), describeEndpoint(cacheRedisEndpoint(own))]).toEqual([
      { kind: 'single', url: 'redis://q:1' },
      'cluster cache-0:6379',
    ]);
  });

  it('refuses a node that is not host:port', () => {
    expect(() => runtime({ REDIS_CLUSTER_NODES: '10.0.0.1' })).toThrow(/REDIS_CLUSTER_NODES/);
  });
});
