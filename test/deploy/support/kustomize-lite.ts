// A small kustomize renderer for CI machines without kustomize/kubectl: exactly the features that
// deploy/k8s uses (resources as files or directories, components, namespace, images, patches by
// path as strategic-merge patches, `$patch: delete` of a resource or of a list item). Anything else in a kustomization.yaml is refused, so the manifests
// cannot silently grow a feature this renderer gets wrong. Where kubectl is installed, the specs
// compare its output with `kubectl kustomize`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string } & Record<string, unknown>;
};

interface ImageRule {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'images', 'patches']);
/** Kinds that are not namespaced among those we might render. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
]);
/** Strategic-merge keys of the built-in list fields we patch (from the Kubernetes OpenAPI x-kubernetes-patch-merge-key). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  ports: 'containerPort',
};
/** API groups whose objects follow strategic-merge semantics; others (CRDs) get JSON merge patch (lists replaced). */
const BUILT_IN_GROUPS = new Set([
  'v1',
  'apps/v1',
  'batch/v1',
  'policy/v1',
  'autoscaling/v2',
  'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
]);

export function renderKustomization(dir: string): Manifest[] {
  return build(dir, 'Kustomization', []);
}

/**
 * One kustomization (or component) on top of `accumulated`: its resources, then its components (each
 * applied to everything so far), then its patches, images and namespace, as kustomize orders them.
 */
function build(dir: string, kind: 'Kustomization' | 'Component', accumulated: readonly Manifest[]): Manifest[] {
  const path = join(dir, 'kustomization.yaml');
  if (!existsSync(path)) throw new Error(`${dir}: no kustomization.yaml`);
  const k = readYamlDocs(path)[0] as Record<string, unknown>;
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${path}: unsupported kustomize fields ${unknown.join(', ')}`);
  if ((k.kind ?? 'Kustomization') !== kind) throw new Error(`${path}: expected kind ${kind}, found ${String(k.kind)}`);
  let out: Manifest[] = [...accumulated];
  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const target = resolve(dir, entry);
    out.push(...(statSync(target).isDirectory() ? build(target, 'Kustomization', []) : (readYamlDocs(target) as Manifest[])));
  }
  assertUnique(out, path);
  for (const entry of (k.components as string[] | undefined) ?? []) out = build(resolve(dir, entry), 'Component', out);
  for (const patch of (k.patches as { path?: string }[] | undefined) ?? []) {
    if (!patch.path || Object.keys(patch).length !== 1) throw new Error(`${path}: only patches with a path are supported`);
    const docs = readYamlDocs(resolve(dir, patch.path)) as Manifest[];
    // kubectl 1.32's kustomize panics on a `$patch: delete` document among others in one file.
    if (docs.length > 1 && docs.some((d) => d.$patch === 'delete'))
      throw new Error(`${patch.path}: a $patch: delete needs a file of its own`);
    for (const doc of docs) {
      const i = out.findIndex((m) => m.kind === doc.kind && m.metadata.name === doc.metadata.name);
      if (i < 0) throw new Error(`${patch.path}: no ${doc.kind}/${doc.metadata.name} to patch`);
      if (doc.$patch === 'delete') out.splice(i, 1);
      else out[i] = strategicMerge(out[i], doc, BUILT_IN_GROUPS.has(out[i].apiVersion)) as Manifest;
    }
  }
  if (k.images) out = out.map((m) => setImages(m, k.images as ImageRule[]));
  if (typeof k.namespace === 'string') {
    const ns = k.namespace;
    out = out.map((m) => (CLUSTER_SCOPED.has(m.kind) ? m : { ...m, metadata: { ...m.metadata, namespace: ns } }));
  }
  return out;
}

/**
 * Strategic merge of `patch` into `target`: maps merge, null deletes, lists merge by key (built-in
 * kinds; an item `{<key>: x, $patch: delete}` removes x) or are replaced.
 */
export function strategicMerge(target: unknown, patch: unknown, builtIn: boolean, field = ''): unknown {
  if (patch === null) return undefined;
  if (Array.isArray(patch)) {
    const key = builtIn ? MERGE_KEYS[field] : undefined;
    if (!key || !Array.isArray(target)) return structuredClone(patch);
    // Like kustomize: the patch's items first (merged with their originals), then the untouched originals.
    const originals = target as Record<string, unknown>[];
    const items = patch as Record<string, unknown>[];
    const deleted = new Set(items.filter((item) => item.$patch === 'delete').map((item) => item[key]));
    const patched = items
      .filter((item) => item.$patch !== 'delete')
      .map((item) => {
        const original = originals.find((t) => t[key] === item[key]);
        return original ? (strategicMerge(original, item, builtIn) as Record<string, unknown>) : structuredClone(item);
      });
    const keys = new Set(patched.map((item) => item[key]));
    return [...patched, ...originals.filter((t) => !keys.has(t[key]) && !deleted.has(t[key]))];
  }
  if (isObject(patch)) {
    const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
    for (const [k, v] of Object.entries(patch)) {
      const merged = strategicMerge(out[k], v, builtIn, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return patch;
}

function setImages(m: Manifest, rules: readonly ImageRule[]): Manifest {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] =
        (k === 'containers' || k === 'initContainers') && Array.isArray(v)
          ? v.map((c) => ({ ...(rewrite(c) as object), ...imageOf(c, rules) }))
          : rewrite(v);
    }
    return out;
  };
  return rewrite(m) as Manifest;
}

function imageOf(container: unknown, rules: readonly ImageRule[]): { image?: string } {
  const image = isObject(container) ? container.image : undefined;
  if (typeof image !== 'string') return {};
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > withoutDigest.lastIndexOf('/');
  const name = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const rule = rules.find((r) => r.name === name);
  if (!rule) return {};
  const tag = rule.digest ? `@${rule.digest}` : rule.newTag ? `:${rule.newTag}` : hasTag ? withoutDigest.slice(colon) : '';
  return { image: `${rule.newName ?? name}${tag}` };
}

function readYamlDocs(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0].message}`);
      return d.toJS() as unknown;
    })
    .filter((d) => d !== null && d !== undefined);
}

function assertUnique(ms: readonly Manifest[], where: string): void {
  const seen = new Set<string>();
  for (const m of ms) {
    const id = `${m.kind}/${m.metadata.name}`;
    if (seen.has(id)) throw new Error(`${where}: ${id} defined twice`);
    seen.add(id);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
