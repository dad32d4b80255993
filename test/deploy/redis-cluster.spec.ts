// The overlays with the queue on a Redis Cluster (deploy/k8s/components/redis-cluster): every
// manifest valid; the fleet configured for the cluster (REDIS_CLUSTER_NODES naming the StatefulSet's
// pods, no REDIS_URL left, the cache still on redis-cache); KEDA's redis-cluster trigger on the key
// BullMQ really uses on a cluster; auth on every Redis container; the topology (masters × replicas,
// one pod per node, PDB); and the NetworkPolicies evaluated for the connections that must and must
// not work, the cluster bus included.
import { resolve } from 'node:path';
import { QueueKeys } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cacheRedisEndpoint, loadConfig, queueRedisEndpoint } from '@emo/config';
import { FleetKeys, QUEUE_NAMES } from '@emo/queue';
import { CLUSTER_OVERLAYS, k8sDir } from './support/deploy-paths';
import { renderKustomization, type Manifest } from './support/kustomize-lite';
import { MODELS } from './support/manifest-models';
import { container, envOf, find, REAL_SECRETS, type Container, type Workload } from './support/manifest-query';
import { ingressAllowed, selects, type NetworkPolicy, type PodRef } from './support/network-policy';

type ScriptContainer = Container & { command: string[]; args?: string[]; readinessProbe?: { exec?: { command: string[] } } };
type Trigger = { type: string; metricType?: string; metadata: Record<string, string> };
type StatefulSet = Workload & {
  spec: {
    replicas: number;
    serviceName: string;
    template: { spec: { affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: AntiAffinityTerm[] } } } };
  };
};
type AntiAffinityTerm = { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } };
type HeadlessService = Manifest & { spec: { clusterIP?: string; publishNotReadyAddresses?: boolean; selector: Record<string, string> } };
type Job = Manifest & { spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: ScriptContainer[] } } } };

const PASSWORD = REAL_SECRETS['emo-redis-auth'].REDIS_PASSWORD;
const render = (overlay: string) => renderKustomization(resolve(k8sDir, 'overlays', overlay));
const triggersOf = (ms: Manifest[]) => find<Manifest & { spec: { triggers: Trigger[] } }>(ms, 'ScaledObject', 'emo-worker').spec.triggers;

describe.each(CLUSTER_OVERLAYS)('deploy/k8s overlay %s: Redis Cluster', (overlay) => {
  const ms = render(overlay);
  const sts = find<StatefulSet>(ms, 'StatefulSet', 'redis-cluster');
  const ns = sts.metadata.namespace ?? '';
  const config = find<Manifest & { data: Record<string, string> }>(ms, 'ConfigMap', 'emo-config').data;
  const job = find<Job>(ms, 'Job', 'redis-cluster-init');
  const jobContainer = job.spec.template.spec.containers[0];
  const jobEnv = (name: string) => jobContainer.env?.find((e) => e.name === name);
  const replicasPerMaster = Number(jobEnv('CLUSTER_REPLICAS')?.value);

  it('validates every manifest against its Kubernetes or KEDA schema', () => {
    for (const m of ms) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      expect(Model, `a schema for ${m.apiVersion} ${m.kind}`).toBeDefined();
      expect(() => new Model(m as never).validate(), `${m.kind}/${m.metadata.name}`).not.toThrow();
    }
  });

  it('runs every pod (the init Job included) as non-root without privilege escalation', () => {
    const pods = ms.filter((m) => ['Deployment', 'StatefulSet', 'Job'].includes(m.kind)) as Workload[];
    expect(pods.map((w) => w.metadata.name)).toContain('redis-cluster-init');
    for (const w of pods) {
      expect(w.spec.template.spec.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      expect(w.spec.template.spec.securityContext?.runAsUser, w.metadata.name).toBeGreaterThan(0);
      for (const c of w.spec.template.spec.containers as (Container & { securityContext?: { allowPrivilegeEscalation?: boolean } })[])
        expect(c.securityContext?.allowPrivilegeEscalation, `${w.metadata.name}/${c.name}`).toBe(false);
    }
  });

  it('replaces redis-queue with the cluster and keeps redis-cache', () => {
    expect(ms.filter((m) => m.metadata.name === 'redis-queue')).toEqual([]);
    expect(find(ms, 'Deployment', 'redis-cache')).toBeDefined();
  });

  it('configures api and worker for the cluster: REDIS_CLUSTER_NODES naming every pod, no REDIS_URL, the cache unchanged', () => {
    const pods = Array.from({ length: sts.spec.replicas }, (_, i) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}.${ns}.svc:6379`);
    expect(config.REDIS_CLUSTER_NODES.split(',')).toEqual(pods);
    expect(Object.keys(config)).not.toContain('REDIS_QUEUE_ADDRESS');
    expect(Object.keys(config)).not.toContain('REDIS_URL');
    for (const name of ['emo-api', 'emo-worker']) {
      const c = container(ms, name);
      expect(
        c.env?.map((e) => e.name),
        name,
      ).not.toContain('REDIS_URL');
      const env = envOf(ms, c);
      expect(env.REDIS_URL, name).toBeUndefined();
      for (const [k, v] of Object.entries(env)) expect(v, `${name} ${k}: every $(VAR) resolved`).not.toMatch(/\$\(/);
      const runtime = loadConfig(env).runtime;
      // Every node is reached with the password its requirepass has (Secret emo-redis-auth).
      expect(c.env).toContainEqual({
        name: 'REDIS_CLUSTER_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'emo-redis-auth', key: 'REDIS_PASSWORD' } },
      });
      expect(queueRedisEndpoint(runtime), name).toEqual({
        kind: 'cluster',
        nodes: pods.map((p) => ({ host: p.slice(0, p.lastIndexOf(':')), port: 6379 })),
        auth: { password: PASSWORD },
      });
      expect(cacheRedisEndpoint(runtime), name).toEqual({ kind: 'single', url: `redis://:${PASSWORD}@redis-cache:6379` });
      // Acknowledged writes wait for a replica, and never for more replicas than a master has.
      const waitReplicas = loadConfig(env).fleet.redisWaitReplicas;
      expect(waitReplicas, name).toBeGreaterThanOrEqual(1);
      expect(waitReplicas, name).toBeLessThanOrEqual(replicasPerMaster);
    }
  });

  it('names pods the headless Service resolves before they are ready, on the port the containers serve', () => {
    const svc = find<HeadlessService>(ms, 'Service', sts.spec.serviceName);
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(selects({ matchLabels: svc.spec.selector }, sts.spec.template.metadata.labels)).toBe(true);
    expect(sts.spec.template.metadata.labels).toMatchObject(sts.spec.selector.matchLabels);
    const ports = sts.spec.template.spec.containers[0].ports ?? [];
    expect(ports).toContainEqual({ name: 'redis', containerPort: 6379 });
    expect(ports).toContainEqual({ name: 'bus', containerPort: 16379 });
  });

  it('forms masters with replicas from the fleet list: ≥ 3 masters, each master and its replica on different nodes, drained one at a time', () => {
    expect(jobEnv('REDIS_CLUSTER_NODES')).toEqual({
      name: 'REDIS_CLUSTER_NODES',
      valueFrom: { configMapKeyRef: { name: 'emo-config', key: 'REDIS_CLUSTER_NODES' } },
    });
    expect(replicasPerMaster).toBeGreaterThanOrEqual(1);
    expect(sts.spec.replicas % (1 + replicasPerMaster)).toBe(0);
    expect(sts.spec.replicas / (1 + replicasPerMaster)).toBeGreaterThanOrEqual(3);
    expect(jobContainer.command[2]).toMatch(/redis-cli --cluster create \$addrs --cluster-replicas "\$CLUSTER_REPLICAS" --cluster-yes/);
    // Required (not preferred) one-per-node: which pods become master and replica does not matter.
    const [term, ...more] = sts.spec.template.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(more).toEqual([]);
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    expect(selects(term.labelSelector, sts.spec.template.metadata.labels)).toBe(true);
    const pdb = find<Manifest & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } }>(
      ms,
      'PodDisruptionBudget',
      'redis-cluster',
    );
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(selects(pdb.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
  });

  it('fails a stopping master over to its replica (preStop CLUSTER FAILOVER) within the grace period', () => {
    const c = sts.spec.template.spec.containers[0] as ScriptContainer & { lifecycle?: { preStop?: { exec?: { command: string[] } } } };
    const script = c.lifecycle?.preStop?.exec?.command.join(' ') ?? '';
    expect(script).toMatch(/redis-cli -h "\$1" -p "\$2" cluster failover/);
    // It waits at most 40 × 0.5 s for the hand-over: the pod must not be killed before.
    expect(script).toMatch(/-ge 40 \]/);
    expect(script).toMatch(/sleep 0\.5/);
    expect(sts.spec.template.spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(40 * 0.5);
  });

  it('runs every node with the queue policy, cluster mode, and its cluster state on the volume', () => {
    const c = sts.spec.template.spec.containers[0] as ScriptContainer & { volumeMounts: { name: string; mountPath: string }[] };
    const args = (c.args ?? []).join(' ');
    // nodes.conf and the AOF land in the working dir: /data in the redis image, the volume.
    expect(args).toMatch(/--cluster-enabled yes --cluster-config-file nodes\.conf /);
    expect(args).not.toMatch(/--dir\b/);
    expect(args).toMatch(/--appendonly yes --appendfsync everysec --maxmemory-policy noeviction/);
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(c.resources?.requests?.cpu).toBeDefined();
    expect(c.resources?.requests?.memory).toBeDefined();
    expect(c.resources?.limits?.memory).toBeDefined();
  });

  it('authenticates every Redis container: requirepass (and masterauth on the cluster) from the Secret, never on a command line', () => {
    const fromSecret = { secretKeyRef: { name: 'emo-redis-auth', key: 'REDIS_PASSWORD' } };
    const servers = (ms.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet') as Workload[])
      .flatMap((w) => w.spec.template.spec.containers as ScriptContainer[])
      .filter((c) => c.image.startsWith('redis:'));
    expect(servers).toHaveLength(2); // redis-cluster, redis-cache
    for (const c of servers) {
      expect(c.env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: fromSecret });
      expect(c.env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: fromSecret });
      expect(c.command[2]).toMatch(/exec redis-server "\$@" - <<EOF\nrequirepass \$REDIS_PASSWORD\n/);
      expect([...c.command, ...(c.args ?? [])].join(' ')).not.toMatch(/\$\(|--requirepass|--masterauth/);
      expect(c.readinessProbe?.exec?.command.join(' ')).toMatch(/redis-cli ping \| grep -qx PONG/);
    }
    // A replica authenticates to its master with masterauth: without it, replication fails (NOAUTH).
    expect((sts.spec.template.spec.containers[0] as ScriptContainer).command[2]).toMatch(/\nmasterauth \$REDIS_PASSWORD\nEOF/);
    expect(jobContainer.env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: fromSecret });
    // The kubelet would expand a $(NAME) in the script; $(command) and $((arithmetic)) it leaves alone.
    expect(jobContainer.command.join(' ')).not.toMatch(/ -a |--pass|\$\([A-Za-z_][A-Za-z0-9_]*\)/);
  });

  it('scales workers on the backlog (Prometheus, as without the cluster) and on the interactive wait list of the cluster layout', () => {
    const triggers = triggersOf(ms);
    const plain = triggersOf(render(overlay.replace('-redis-cluster', '')));
    expect(triggers.map((t) => t.type)).toEqual(['prometheus', 'redis-cluster', 'redis-cluster']);
    expect(triggers[0]).toEqual(plain.find((t) => t.type === 'prometheus'));
    const redis = triggers[1];
    // BullMQ's own key for the interactive queue's wait list under the fleet's cluster prefix ({emo}).
    const keys = new FleetKeys(config.QUEUE_PREFIX, { cluster: true });
    expect(keys.bullPrefix).toBe(`{${config.QUEUE_PREFIX}}`);
    expect(redis.metadata.listName).toBe(new QueueKeys(keys.bullPrefix).toKey(QUEUE_NAMES.interactive, 'wait'));
    expect(redis.metadata.listName).toBe('{emo}:interactive:wait');
    // The interactive lane (ADR 020), where POST /v1/classify calls wait: the same scaler, the same per-worker length.
    const lane = triggers[2];
    expect(lane.metadata.listName).toBe(keys.laneWait);
    expect(lane.metadata.listName).toBe('{emo}:lane:interactive');
    expect({ ...lane.metadata, listName: '' }).toEqual({ ...redis.metadata, listName: '' });
    expect(redis.metadata.addresses).toBe(config.REDIS_CLUSTER_NODES);
    expect(redis.metricType).toBe('AverageValue');
    expect(Number(redis.metadata.listLength)).toBeGreaterThan(0);
    // passwordFromEnv is read from the scale target's container: the worker has it from the Secret.
    expect(envOf(ms, container(ms, 'emo-worker'))[redis.metadata.passwordFromEnv]).toBe(PASSWORD);
    expect(triggers.some((t) => t.type === 'redis')).toBe(false);
  });
});

describe.each(CLUSTER_OVERLAYS)('deploy/k8s overlay %s: Redis Cluster NetworkPolicies', (overlay) => {
  const ms = render(overlay);
  const policies = ms.filter((m) => m.kind === 'NetworkPolicy') as NetworkPolicy[];
  const podOf = (kind: string, name: string): PodRef => {
    const w = find<Workload>(ms, kind, name);
    const namedPorts: Record<string, number> = {};
    for (const c of w.spec.template.spec.containers) for (const p of c.ports ?? []) if (p.name) namedPorts[p.name] = p.containerPort;
    return { namespace: w.metadata.namespace ?? '', labels: w.spec.template.metadata.labels, namedPorts };
  };
  const node = podOf('StatefulSet', 'redis-cluster');
  const api = podOf('Deployment', 'emo-api');
  const worker = podOf('Deployment', 'emo-worker');
  const job = { namespace: node.namespace, labels: find<Job>(ms, 'Job', 'redis-cluster-init').spec.template.metadata.labels };
  const keda = { namespace: 'keda', labels: { 'app.kubernetes.io/name': 'keda-operator' } };
  const stranger = { namespace: node.namespace, labels: { app: 'debug-shell' } };
  const kedaLookalike = { namespace: node.namespace, labels: { 'app.kubernetes.io/name': 'keda-operator' } };
  const workerElsewhere = { namespace: 'default', labels: worker.labels };

  it('admits the fleet, the init Job, the other nodes and the KEDA operator on 6379', () => {
    for (const [who, source] of Object.entries({ api, worker, job, node, keda }))
      expect(ingressAllowed(policies, source, node, 6379), who).toBe(true);
  });

  it('admits the cluster bus (16379) between cluster pods only', () => {
    expect(ingressAllowed(policies, node, node, 16379)).toBe(true);
    for (const [who, source] of Object.entries({ api, worker, job, keda }))
      expect(ingressAllowed(policies, source, node, 16379), who).toBe(false);
  });

  it('refuses everyone else, lookalike labels in the wrong namespace included', () => {
    for (const [who, source] of Object.entries({ stranger, kedaLookalike, workerElsewhere }))
      for (const port of [6379, 16379]) expect(ingressAllowed(policies, source, node, port), `${who}:${port}`).toBe(false);
  });
});
