// Queries on rendered manifests shared by the deployment checks: find a resource, a workload's
// container, and the environment the kubelet would give that container (envFrom ConfigMaps and
// Secrets, secretKeyRef, $(VAR) expansion), with real values in place of the shipped placeholders.
import type { Manifest } from './kustomize-lite';

export interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
}
export type Workload = Manifest & {
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
};

export const find = <T extends Manifest>(ms: Manifest[], kind: string, name: string): T => {
  const m = ms.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind}/${name}`);
  return m as T;
};
export const container = (ms: Manifest[], name: string): Container =>
  find<Workload>(ms, 'Deployment', name).spec.template.spec.containers[0];
export type SecretValues = Record<string, Record<string, string>>;
/** The Secrets' values as rendered (stringData), with `overrides` (secret → key → value) on top. */
export const secretsOf = (ms: Manifest[], overrides: SecretValues = {}): SecretValues => {
  const out: SecretValues = {};
  for (const m of ms.filter((x) => x.kind === 'Secret') as (Manifest & { stringData?: Record<string, string> })[])
    out[m.metadata.name] = { ...m.stringData, ...overrides[m.metadata.name] };
  return out;
};
/** A real API key and Redis password in place of the shipped placeholders. */
export const REAL_SECRETS: SecretValues = {
  'emo-api-keys': { API_KEYS: 'a-real-key-0123456789' },
  'emo-redis-auth': { REDIS_PASSWORD: 'a0b1c2d3e4f5a6b7c8d9e0f1' },
};
/** The environment the kubelet gives a container: envFrom (ConfigMaps, Secrets) first, then env in
 * order (which wins), each value with $(VAR) expanded from what is defined so far ($$ escapes). */
export const envOf = (ms: Manifest[], c: Container, secrets: SecretValues = secretsOf(ms, REAL_SECRETS)): Record<string, string> => {
  const env: Record<string, string> = {};
  const secret = (name: string) => {
    const values = secrets[name];
    if (!values) throw new Error(`no Secret ${name}`);
    return values;
  };
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef)
      Object.assign(env, find<Manifest & { data: Record<string, string> }>(ms, 'ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, secret(from.secretRef.name));
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    env[e.name] = ref
      ? (secret(ref.name)[ref.key] ?? '')
      : (e.value ?? '').replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name?: string) =>
          name === undefined ? '$' : (env[name] ?? all),
        );
  }
  return env;
};
