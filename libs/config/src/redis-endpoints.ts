// Where the queue Redis and the cache Redis are: one server (a URL) or a Redis Cluster (seed nodes).
// REDIS_CLUSTER_NODES replaces REDIS_URL, CACHE_REDIS_CLUSTER_NODES replaces CACHE_REDIS_URL; the
// cache defaults to the queue's endpoint when neither cache setting is given.
import type { RuntimeConfig } from './config.schema';

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

export type RedisEndpoint =
  { readonly kind: 'single'; readonly url: string } | { readonly kind: 'cluster'; readonly nodes: readonly ClusterNode[] };

type EndpointSettings = Pick<RuntimeConfig, 'redisUrl'> &
  Partial<Pick<RuntimeConfig, 'redisClusterNodes' | 'cacheRedisUrl' | 'cacheRedisClusterNodes'>>;

/** `host:port` → a node (the config schema checked the shape). */
export function parseClusterNode(spec: string): ClusterNode {
  const at = spec.lastIndexOf(':');
  return { host: spec.slice(0, at), port: Number(spec.slice(at + 1)) };
}

const endpoint = (url: string, nodes: readonly string[] | undefined): RedisEndpoint =>
  nodes && nodes.length > 0 ? { kind: 'cluster', nodes: nodes.map(parseClusterNode) } : { kind: 'single', url };

/** The queue Redis: REDIS_CLUSTER_NODES when set, else REDIS_URL. */
export function queueRedisEndpoint(runtime: EndpointSettings): RedisEndpoint {
  return endpoint(runtime.redisUrl, runtime.redisClusterNodes);
}

/** The cache Redis: CACHE_REDIS_CLUSTER_NODES, else CACHE_REDIS_URL, else the queue's endpoint. */
export function cacheRedisEndpoint(runtime: EndpointSettings): RedisEndpoint {
  if (runtime.cacheRedisClusterNodes?.length || runtime.cacheRedisUrl !== undefined)
    return endpoint(runtime.cacheRedisUrl ?? runtime.redisUrl, runtime.cacheRedisClusterNodes);
  return queueRedisEndpoint(runtime);
}

/** For logs and messages: the URL, or `cluster host:port,…`. */
export function describeEndpoint(e: RedisEndpoint): string {
  return e.kind === 'single' ? e.url : `cluster ${e.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}
