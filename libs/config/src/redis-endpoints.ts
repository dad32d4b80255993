// Where the queue Redis and the cache Redis are: one server (a URL) or a Redis Cluster (seed nodes).
// REDIS_CLUSTER_NODES replaces REDIS_URL, CACHE_REDIS_CLUSTER_NODES replaces CACHE_REDIS_URL; the
// cache defaults to the queue's endpoint when neither cache setting is given.
import type { RuntimeConfig } from './config.schema';

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

/** AUTH for every node of a cluster (on one server the credentials are part of the URL). */
export interface ClusterAuth {
  readonly username?: string;
  readonly password?: string;
}

export type RedisEndpoint =
  | { readonly kind: 'single'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly ClusterNode[]; readonly auth?: ClusterAuth };

type EndpointSettings = Pick<RuntimeConfig, 'redisUrl'> &
  Partial<
    Pick<
      RuntimeConfig,
      | 'redisClusterNodes'
      | 'cacheRedisUrl'
      | 'cacheRedisClusterNodes'
      | 'redisClusterUsername'
      | 'redisClusterPassword'
      | 'cacheRedisClusterUsername'
      | 'cacheRedisClusterPassword'
    >
  >;

/** `host:port` → a node (the config schema checked the shape). */
export function parseClusterNode(spec: string): ClusterNode {
  const at = spec.lastIndexOf(':');
  return { host: spec.slice(0, at), port: Number(spec.slice(at + 1)) };
}

function endpoint(url: string, nodes: readonly string[] | undefined, auth: ClusterAuth): RedisEndpoint {
  if (!nodes || nodes.length === 0) return { kind: 'single', url };
  const given = auth.username !== undefined || auth.password !== undefined;
  return { kind: 'cluster', nodes: nodes.map(parseClusterNode), ...(given ? { auth } : {}) };
}

const queueAuth = (r: EndpointSettings): ClusterAuth => ({
  ...(r.redisClusterUsername !== undefined ? { username: r.redisClusterUsername } : {}),
  ...(r.redisClusterPassword !== undefined ? { password: r.redisClusterPassword } : {}),
});

/** The cache cluster's own credentials, each falling back to the queue cluster's. */
const cacheAuth = (r: EndpointSettings): ClusterAuth => {
  const queue = queueAuth(r);
  const username = r.cacheRedisClusterUsername ?? queue.username;
  const password = r.cacheRedisClusterPassword ?? queue.password;
  return { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
};

/** The queue Redis: REDIS_CLUSTER_NODES (with REDIS_CLUSTER_USERNAME/PASSWORD) when set, else REDIS_URL. */
export function queueRedisEndpoint(runtime: EndpointSettings): RedisEndpoint {
  return endpoint(runtime.redisUrl, runtime.redisClusterNodes, queueAuth(runtime));
}

/** The cache Redis: CACHE_REDIS_CLUSTER_NODES, else CACHE_REDIS_URL, else the queue's endpoint. */
export function cacheRedisEndpoint(runtime: EndpointSettings): RedisEndpoint {
  if (runtime.cacheRedisClusterNodes?.length || runtime.cacheRedisUrl !== undefined)
    return endpoint(runtime.cacheRedisUrl ?? runtime.redisUrl, runtime.cacheRedisClusterNodes, cacheAuth(runtime));
  return queueRedisEndpoint(runtime);
}

/** ioredis options for every node of a cluster endpoint: its AUTH, if any. */
export function clusterNodeAuth(e: RedisEndpoint): { username?: string; password?: string } {
  return e.kind === 'cluster' ? { ...e.auth } : {};
}

/** For logs and messages: the URL, or `cluster host:port,…` (never a password). */
export function describeEndpoint(e: RedisEndpoint): string {
  return e.kind === 'single' ? e.url : `cluster ${e.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}
