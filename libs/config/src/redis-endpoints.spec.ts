import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { cacheRedisEndpoint, clusterNodeAuth, describeEndpoint, queueRedisEndpoint } from './redis-endpoints';

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

  it("gives every cluster node REDIS_CLUSTER_USERNAME/PASSWORD; the cache cluster its own, else the queue cluster's", () => {
    const r = runtime({ REDIS_CLUSTER_NODES: 'q-0:6379', REDIS_CLUSTER_PASSWORD: 'pw-q', CACHE_REDIS_CLUSTER_NODES: 'c-0:6379' });
    expect(clusterNodeAuth(queueRedisEndpoint(r))).toEqual({ password: 'pw-q' });
    expect(clusterNodeAuth(cacheRedisEndpoint(r))).toEqual({ password: 'pw-q' });
    const own = runtime({
      REDIS_CLUSTER_NODES: 'q-0:6379',
      REDIS_CLUSTER_USERNAME: 'fleet',
      REDIS_CLUSTER_PASSWORD: 'pw-q',
      CACHE_REDIS_CLUSTER_NODES: 'c-0:6379',
      CACHE_REDIS_CLUSTER_PASSWORD: 'pw-c',
    });
    expect(clusterNodeAuth(cacheRedisEndpoint(own))).toEqual({ username: 'fleet', password: 'pw-c' });
    // No credentials: no auth field at all (the endpoint compares equal to the plain one above).
    expect(queueRedisEndpoint(runtime({ REDIS_CLUSTER_NODES: 'q-0:6379' }))).not.toHaveProperty('auth');
    // A single server takes its password in the URL; the cluster settings change nothing there.
    expect(clusterNodeAuth(queueRedisEndpoint(runtime({ REDIS_URL: 'redis://:pw@q:1', REDIS_CLUSTER_PASSWORD: 'x' })))).toEqual({});
    expect(describeEndpoint(queueRedisEndpoint(r))).not.toContain('pw-q');
  });

  it('refuses a node that is not host:port', () => {
    expect(() => runtime({ REDIS_CLUSTER_NODES: '10.0.0.1' })).toThrow(/REDIS_CLUSTER_NODES/);
  });
});
