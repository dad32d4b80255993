// Every rendered manifest validates against the Kubernetes (1.27 OpenAPI) and KEDA schemas shipped
// by kubernetes-models / @kubernetes-models/keda, and the fleet's own rules hold: probes on the
// right ports, requests, non-root, grace period ≥ drain, GPU scheduling, autoscaling on the
// backlog metric the API really exports, settings the config schema accepts (with the environment
// the kubelet would build: envFrom, Secrets, $(VAR) expansion), Redis auth from a Secret, and the
// NetworkPolicies evaluated for the connections that must and must not work.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@emo/config';
import { renderKustomization, type Manifest } from './support/kustomize-lite';
import { k8sDir, OVERLAYS, repoRoot } from './support/deploy-paths';
import { MODELS } from './support/manifest-models';
import { container, envOf, find, REAL_SECRETS, secretsOf, type Container, type Workload } from './support/manifest-query';

const render = (overlay: string) => renderKustomization(resolve(k8sDir, 'overlays', overlay));
const configData = (ms: Manifest[]) => find<Manifest & { data: Record<string, string> }>(ms, 'ConfigMap', 'emo-config').data;

describe.each(OVERLAYS)('deploy/k8s overlay %s', (overlay) => {
  const manifests = render(overlay);

  it('validates every manifest against its Kubernetes or KEDA schema', () => {
    for (const m of manifests) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      expect(Model, `a schema for ${m.apiVersion} ${m.kind}`).toBeDefined();
      expect(() => new Model(m as never).validate(), `${m.kind}/${m.metadata.name}`).not.toThrow();
    }
  });

  it('rejects a manifest that breaks its schema (the check is live)', () => {
    const broken = structuredClone(find<Workload>(manifests, 'Deployment', 'emo-worker')) as Workload;
    (broken.spec.template.spec.containers[0].ports as unknown[])[0] = { containerPort: 'metrics' };
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort must be integer/);
    const so = structuredClone(find(manifests, 'ScaledObject', 'emo-worker')) as Manifest & { spec: Record<string, unknown> };
    delete so.spec.triggers;
    expect(() => new ScaledObject(so as never).validate()).toThrow(/triggers/);
  });

  it('selects the pods of each workload with its Service, PDB, HPA and ScaledObject', () => {
    const api = find<Workload>(manifests, 'Deployment', 'emo-api');
    const worker = find<Workload>(manifests, 'Deployment', 'emo-worker');
    for (const w of [api, worker]) expect(w.spec.template.metadata.labels).toMatchObject(w.spec.selector.matchLabels);
    const matches = (selector: Record<string, string>, w: Workload) =>
      Object.entries(selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v);
    expect(
      matches(find<Manifest & { spec: { selector: Record<string, string> } }>(manifests, 'Service', 'emo-api').spec.selector, api),
    ).toBe(true);
    expect(
      matches(
        find<Manifest & { spec: { selector: { matchLabels: Record<string, string> } } }>(manifests, 'PodDisruptionBudget', 'emo-api').spec
          .selector.matchLabels,
        api,
      ),
    ).toBe(true);
    expect(
      matches(
        find<Manifest & { spec: { selector: { matchLabels: Record<string, string> } } }>(manifests, 'PodDisruptionBudget', 'emo-worker')
          .spec.selector.matchLabels,
        worker,
      ),
    ).toBe(true);
    expect(matches(api.spec.selector.matchLabels, worker)).toBe(false);
    expect(
      find<Manifest & { spec: { scaleTargetRef: { name: string } } }>(manifests, 'HorizontalPodAutoscaler', 'emo-api').spec.scaleTargetRef
        .name,
    ).toBe('emo-api');
    expect(
      find<Manifest & { spec: { scaleTargetRef: { name: string } } }>(manifests, 'ScaledObject', 'emo-worker').spec.scaleTargetRef.name,
    ).toBe('emo-worker');
  });

  it('probes the routes each process serves, on a port it declares, and requests CPU and memory', () => {
    const probes = {
      'emo-api': { readiness: '/readyz', liveness: '/healthz', port: 'PORT' },
      'emo-worker': { readiness: '/healthz', liveness: '/metrics', port: 'METRICS_PORT' },
    } as const;
    for (const [name, want] of Object.entries(probes)) {
      const c = container(manifests, name);
      expect(c.readinessProbe?.httpGet?.path).toBe(want.readiness);
      expect(c.livenessProbe?.httpGet?.path).toBe(want.liveness);
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        const port = c.ports?.find((p) => p.name === probe?.httpGet?.port || p.containerPort === probe?.httpGet?.port);
        expect(port, `${name} probe port`).toBeDefined();
        expect(String(port?.containerPort)).toBe(envOf(manifests, c)[want.port]);
      }
      expect(c.resources?.requests?.cpu).toBeDefined();
      expect(c.resources?.requests?.memory).toBeDefined();
      expect(c.resources?.limits?.memory).toBeDefined();
    }
  });

  it("scrapes the API's /metrics on its own port (API_METRICS_PORT), which the Service does not expose", () => {
    const api = find<Workload & { spec: { template: { metadata: { annotations?: Record<string, string> } } } }>(
      manifests,
      'Deployment',
      'emo-api',
    );
    const c = container(manifests, 'emo-api');
    const metricsPort = c.ports?.find((p) => p.name === 'metrics')?.containerPort;
    const config = loadConfig(envOf(manifests, c));
    expect(config.api.apiMetricsPort).toBeDefined();
    expect(metricsPort).toBe(config.api.apiMetricsPort);
    expect(metricsPort).not.toBe(config.api.port);
    expect(api.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(metricsPort),
      'prometheus.io/path': '/metrics',
    });
    const service = find<Manifest & { spec: { ports: { name?: string; port: number; targetPort?: string | number }[] } }>(
      manifests,
      'Service',
      'emo-api',
    );
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('runs every pod as non-root', () => {
    for (const w of manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet') as Workload[]) {
      expect(w.spec.template.spec.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      expect(w.spec.template.spec.securityContext?.runAsUser, w.metadata.name).toBeGreaterThan(0);
    }
  });

  it('gives workers a grace period longer than the drain timeout plus the longest batch', () => {
    const drainS = Number(configData(manifests).WORKER_SHUTDOWN_TIMEOUT_MS) / 1000;
    const grace = find<Workload>(manifests, 'Deployment', 'emo-worker').spec.template.spec.terminationGracePeriodSeconds ?? 30;
    expect(drainS).toBeGreaterThan(0);
    expect(grace).toBeGreaterThanOrEqual(drainS + 15);
  });

  it('configures api and worker with settings the config schema accepts (once API_KEYS is set)', () => {
    const api = container(manifests, 'emo-api');
    // The shipped key is a deliberately invalid placeholder: the API must refuse to start with it.
    expect(() => loadConfig(envOf(manifests, api, secretsOf(manifests)))).toThrow(/API_KEYS/);
    const apiConfig = loadConfig(envOf(manifests, api));
    expect(apiConfig.api.port).toBe(8080);
    const password = REAL_SECRETS['emo-redis-auth'].REDIS_PASSWORD;
    for (const name of ['emo-api', 'emo-worker']) {
      const config = loadConfig(envOf(manifests, container(manifests, name)));
      expect(config.runtime.redisUrl, name).toBe(`redis://:${password}@redis-queue:6379`);
      expect(config.runtime.cacheRedisUrl, name).toBe(`redis://:${password}@redis-cache:6379`);
    }
  });

  it('scales workers with KEDA on the backlog gauge the API exports, and the API with an HPA on CPU', () => {
    const so = find<
      Manifest & {
        spec: {
          triggers: { type: string; metricType?: string; metadata: Record<string, string> }[];
          minReplicaCount: number;
          maxReplicaCount: number;
        };
      }
    >(manifests, 'ScaledObject', 'emo-worker');
    const [trigger] = so.spec.triggers;
    expect(so.spec.triggers).toHaveLength(1);
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metricType).toBe('AverageValue');
    expect(trigger.metadata.query).toMatch(/max by \(queue\) \(emo_queue_backlog\{/);
    expect(trigger.metadata.query).not.toMatch(/llen|_wait\b/i);
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
    expect(so.spec.maxReplicaCount).toBeGreaterThan(so.spec.minReplicaCount);
    const apiMetrics = readFileSync(resolve(repoRoot, 'apps/api/src/metrics/api-metrics.ts'), 'utf8');
    expect(apiMetrics).toMatch(/name: 'emo_queue_backlog'/);
    const hpa = find<Manifest & { spec: { metrics: { resource?: { name: string } }[] } }>(manifests, 'HorizontalPodAutoscaler', 'emo-api');
    expect(hpa.spec.metrics.map((m) => m.resource?.name)).toEqual(['cpu']);
  });

  it('keeps the two Redis roles apart: queue never evicts and persists, cache evicts by LFU within maxmemory', () => {
    const args = (kind: string, name: string) =>
      (find<Workload>(manifests, kind, name).spec.template.spec.containers[0] as Container & { args: string[] }).args.join(' ');
    expect(args('StatefulSet', 'redis-queue')).toMatch(/--appendonly yes --appendfsync everysec --maxmemory-policy noeviction/);
    // Bounded below the container's memory limit (an AOF rewrite forks): writes are refused at maxmemory.
    const queueMax = /--maxmemory (\d+)mb\b/.exec(args('StatefulSet', 'redis-queue'))?.[1];
    const queueLimit =
      find<Workload>(manifests, 'StatefulSet', 'redis-queue').spec.template.spec.containers[0].resources?.limits?.memory ?? '';
    expect(Number(queueMax) * 2 ** 20).toBeLessThanOrEqual(0.75 * Number(/^(\d+)Gi$/.exec(queueLimit)?.[1]) * 2 ** 30);
    expect(args('Deployment', 'redis-cache')).toMatch(/--maxmemory \d+mb --maxmemory-policy allkeys-lfu/);
  });
});

describe('deploy/k8s GPU and CPU overlays', () => {
  it('gpu: one nvidia.com/gpu per worker, GPU nodes only, tolerates their taint, CUDA first and no CPU fallback', () => {
    const ms = render('gpu');
    const worker = find<Workload>(ms, 'Deployment', 'emo-worker').spec.template.spec;
    const c = worker.containers[0];
    expect(c.resources?.limits?.['nvidia.com/gpu']).toBe('1');
    expect(worker.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(worker.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(c.image).toMatch(/^emo-fleet\/worker-gpu:/);
    const config = loadConfig(envOf(ms, c));
    expect(config.engine.executionProviders).toEqual(['cuda', 'cpu']);
    // Explicit, not the default: a GPU worker whose CUDA provider does not load must not serve on the CPU.
    expect(c.env).toContainEqual({ name: 'ALLOW_CPU_FALLBACK', value: 'false' });
    expect(config.engine.allowCpuFallback).toBe(false);
    expect(container(ms, 'emo-api').resources?.limits?.['nvidia.com/gpu']).toBeUndefined();
  });

  it('cpu: no GPU requests, the CPU image and the CPU provider', () => {
    const ms = render('cpu');
    const worker = find<Workload>(ms, 'Deployment', 'emo-worker').spec.template.spec;
    expect(JSON.stringify(ms)).not.toContain('nvidia.com/gpu');
    expect(worker.containers[0].image).toMatch(/^emo-fleet\/worker:/);
    expect(loadConfig(envOf(ms, worker.containers[0])).engine.executionProviders).toEqual(['cpu']);
  });
});
