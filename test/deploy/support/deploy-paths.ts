// Paths and small helpers shared by the deployment checks (test/deploy).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from './kustomize-lite';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const k8sDir = resolve(repoRoot, 'deploy/k8s');
export const OVERLAYS = ['cpu', 'gpu'] as const;
/** The overlays with the queue on a Redis Cluster (components/redis-cluster on top of cpu or gpu). */
export const CLUSTER_OVERLAYS = ['cpu-redis-cluster', 'gpu-redis-cluster'] as const;

/** `kubectl kustomize DIR` as parsed manifests, or undefined when kubectl is not installed. */
export function kubectlKustomize(dir: string): Manifest[] | undefined {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseAllDocuments(out).map((d) => d.toJS() as Manifest);
}

export const idOf = (m: Manifest): string => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;

/** Sorted by kind/namespace/name, for comparing renderings that order resources differently. */
export const sortedById = (ms: readonly Manifest[]): Manifest[] => [...ms].sort((a, b) => idOf(a).localeCompare(idOf(b)));
