// The NetworkPolicies of deploy/k8s, evaluated on the rendered overlays for the connections that
// must work and those that must not: API and workers reach both Redis instances, nothing else
// does; clients reach the API's HTTP port; only Prometheus (namespace `monitoring`, the one the
// KEDA ScaledObject queries) reaches the API's metrics port (API_METRICS_PORT) and the workers'.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { k8sDir, OVERLAYS } from './support/deploy-paths';
import { renderKustomization, type Manifest } from './support/kustomize-lite';
import { container, envOf, find, type Workload } from './support/manifest-query';
import { ingressAllowed, selects, type NetworkPolicy, type PodRef } from './support/network-policy';

const NS = 'emo-fleet';
const pod = (namespace: string, labels: Record<string, string>): PodRef => ({ namespace, labels });

describe.each(OVERLAYS)('deploy/k8s overlay %s: NetworkPolicies', (overlay) => {
  const ms = renderKustomization(resolve(k8sDir, 'overlays', overlay));
  const policies = ms.filter((m) => m.kind === 'NetworkPolicy') as NetworkPolicy[];
  /** A workload's pod as a connection target: its template labels and its named container ports. */
  const target = (kind: string, name: string): PodRef => {
    const w = find<Workload>(ms, kind, name);
    const namedPorts: Record<string, number> = {};
    for (const c of w.spec.template.spec.containers) for (const p of c.ports ?? []) if (p.name) namedPorts[p.name] = p.containerPort;
    return { namespace: w.metadata.namespace ?? '', labels: w.spec.template.metadata.labels, namedPorts };
  };
  const api = target('Deployment', 'emo-api');
  const worker = target('Deployment', 'emo-worker');
  const redisQueue = target('StatefulSet', 'redis-queue');
  const redisCache = target('Deployment', 'redis-cache');
  const apiConfig = loadConfig(envOf(ms, container(ms, 'emo-api')));
  const workerConfig = loadConfig(envOf(ms, container(ms, 'emo-worker')));
  const httpPort = apiConfig.api.port;
  const apiMetricsPort = apiConfig.api.apiMetricsPort as number;
  const workerMetricsPort = workerConfig.worker.metricsPort;
  const prometheus = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
  const stranger = pod(NS, { app: 'debug-shell' });
  const elsewhere = pod('default', { app: 'curl' });
  // Labels copied onto a pod in another namespace must not open Redis (podSelector alone = own namespace).
  const impostor = pod('default', api.labels);
  const prometheusLabelsHere = pod(NS, prometheus.labels);

  it('has a policy for every pod that listens: API, workers, both Redis instances', () => {
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(['emo-api', 'emo-worker', 'redis']);
    expect(policies.every((p) => p.metadata.namespace === NS)).toBe(true);
    for (const t of [api, worker, redisQueue, redisCache])
      expect(
        policies.filter((p) => p.spec.policyTypes?.includes('Ingress') && selects(p.spec.podSelector, t.labels)),
        JSON.stringify(t.labels),
      ).toHaveLength(1);
  });

  it('lets the API and the workers reach both Redis instances, and nobody else', () => {
    for (const redis of [redisQueue, redisCache]) {
      expect(ingressAllowed(policies, api, redis, 6379)).toBe(true);
      expect(ingressAllowed(policies, worker, redis, 6379)).toBe(true);
      for (const other of [stranger, elsewhere, impostor, prometheus]) expect(ingressAllowed(policies, other, redis, 6379)).toBe(false);
    }
    // The API and workers connect to the ports their Redis URLs name.
    expect(new URL(apiConfig.runtime.redisUrl).port).toBe(String(redisQueue.namedPorts?.redis));
    expect(new URL(workerConfig.runtime.cacheRedisUrl ?? '').port).toBe(String(redisCache.namedPorts?.redis));
  });

  it("opens the API's HTTP port to clients and its metrics port (API_METRICS_PORT) only to Prometheus", () => {
    expect(apiMetricsPort).toBe(api.namedPorts?.metrics);
    for (const client of [stranger, elsewhere, worker]) expect(ingressAllowed(policies, client, api, httpPort)).toBe(true);
    expect(ingressAllowed(policies, prometheus, api, apiMetricsPort)).toBe(true);
    for (const other of [stranger, elsewhere, worker, prometheusLabelsHere])
      expect(ingressAllowed(policies, other, api, apiMetricsPort), JSON.stringify(other)).toBe(false);
    // Nothing else listens on the API pods for anyone.
    expect(ingressAllowed(policies, stranger, api, 9229)).toBe(false);
  });

  it("opens the workers' metrics port (METRICS_PORT) to Prometheus only", () => {
    expect(workerMetricsPort).toBe(worker.namedPorts?.metrics);
    expect(ingressAllowed(policies, prometheus, worker, workerMetricsPort)).toBe(true);
    for (const other of [stranger, elsewhere, api]) expect(ingressAllowed(policies, other, worker, workerMetricsPort)).toBe(false);
  });

  it('names the Prometheus namespace that the KEDA ScaledObject queries', () => {
    const so = find<Manifest & { spec: { triggers: { metadata: { serverAddress: string } }[] } }>(ms, 'ScaledObject', 'emo-worker');
    const namespace = /^https?:\/\/[^.]+\.([^.]+)\.svc\b/.exec(so.spec.triggers[0].metadata.serverAddress)?.[1];
    expect(namespace).toBe(prometheus.namespace);
  });

  it('is a live check: without the policies everything is reachable', () => {
    expect(ingressAllowed([], stranger, redisQueue, 6379)).toBe(true);
    expect(ingressAllowed([], stranger, api, apiMetricsPort)).toBe(true);
  });
});
