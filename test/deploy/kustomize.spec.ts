// The kustomize overlays render, with our renderer everywhere and with `kubectl kustomize` where
// kubectl is installed, which CI requires (the two must agree, which keeps the renderer honest).
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { renderKustomization, strategicMerge } from './support/kustomize-lite';
import { CLUSTER_OVERLAYS, k8sDir, kubectlKustomize, OVERLAYS, sortedById } from './support/deploy-paths';

describe('kustomize-lite', () => {
  describe('strategicMerge', () => {
    it('merges containers and env by name and keeps what the patch does not mention', () => {
      const target = {
        containers: [
          {
            name: 'a',
            image: 'x',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'b', image: 'y' },
        ],
      };
      const patch = {
        containers: [
          {
            name: 'a',
            env: [
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
            ],
          },
        ],
      };
      const sut = strategicMerge(target, patch, true);
      // kustomize's order: the patch's items first, then the originals it did not mention.
      expect(sut).toEqual({
        containers: [
          {
            name: 'a',
            image: 'x',
            env: [
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
              { name: 'A', value: '1' },
            ],
          },
          { name: 'b', image: 'y' },
        ],
      });
    });

    it('replaces lists without a merge key (tolerations) and every list of a custom resource', () => {
      expect(strategicMerge({ tolerations: [{ key: 'a' }] }, { tolerations: [{ key: 'b' }] }, true)).toEqual({
        tolerations: [{ key: 'b' }],
      });
      expect(strategicMerge({ triggers: [{ type: 'a', x: 1 }] }, { triggers: [{ type: 'b' }] }, false)).toEqual({
        triggers: [{ type: 'b' }],
      });
      expect(strategicMerge({ containers: [{ name: 'a', x: 1 }] }, { containers: [{ name: 'a' }] }, false)).toEqual({
        containers: [{ name: 'a' }],
      });
    });

    it('deletes a key patched to null', () => {
      expect(strategicMerge({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null } }, true)).toEqual({ a: 1, b: { d: 3 } });
    });

    it('deletes a list item patched with $patch: delete, by its merge key', () => {
      const target = {
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
          { name: 'C', value: '3' },
        ],
      };
      const patch = {
        env: [
          { name: 'A', $patch: 'delete' },
          { name: 'D', value: '4' },
        ],
      };
      expect(strategicMerge(target, patch, true)).toEqual({
        env: [
          { name: 'D', value: '4' },
          { name: 'B', value: '2' },
          { name: 'C', value: '3' },
        ],
      });
    });
  });

  describe('renderKustomization', () => {
    it('refuses kustomize fields it does not implement', () => {
      const dir = mkdtempSync(join(tmpdir(), 'kustomize-lite-'));
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: []\nconfigMapGenerator:\n  - name: x\n');
      expect(() => renderKustomization(dir)).toThrow(/unsupported kustomize fields configMapGenerator/);
    });

    it('applies namespace, images and a patch to a nested base', () => {
      const dir = mkdtempSync(join(tmpdir(), 'kustomize-lite-'));
      mkdirSync(join(dir, 'base'));
      writeFileSync(join(dir, 'base/kustomization.yaml'), 'resources: [d.yaml]\n');
      writeFileSync(
        join(dir, 'base/d.yaml'),
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: c, image: "reg/app:1"}]}}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n',
      );
      writeFileSync(join(dir, 'p.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 3}\n');
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        'namespace: ns\nresources: [base]\nimages: [{name: reg/app, newName: reg/app-gpu, newTag: "2"}]\npatches: [{path: p.yaml}]\n',
      );
      const [deployment, namespace] = renderKustomization(dir);
      expect(deployment).toMatchObject({
        metadata: { name: 'd', namespace: 'ns' },
        spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'reg/app-gpu:2' }] } } },
      });
      expect(namespace.metadata.namespace).toBeUndefined();
    });

    it("applies a component after the resources and before the including kustomization's patches; $patch: delete removes a resource", () => {
      const dir = mkdtempSync(join(tmpdir(), 'kustomize-lite-'));
      mkdirSync(join(dir, 'comp'));
      writeFileSync(
        join(dir, 'r.yaml'),
        'apiVersion: v1\nkind: Service\nmetadata: {name: gone}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n',
      );
      writeFileSync(
        join(dir, 'comp/kustomization.yaml'),
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamespace: ns\nresources: [x.yaml]\npatches: [{path: del.yaml}, {path: c.yaml}]\n',
      );
      writeFileSync(join(dir, 'comp/x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
      writeFileSync(join(dir, 'comp/del.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: gone}\n$patch: delete\n');
      writeFileSync(join(dir, 'comp/c.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "2", b: "2"}\n');
      writeFileSync(join(dir, 'c.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "3"}\n');
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [r.yaml]\ncomponents: [comp]\npatches: [{path: c.yaml}]\n');
      const sut = renderKustomization(dir);
      expect(sut.map((m) => `${m.kind}/${m.metadata.name}/${m.metadata.namespace}`).sort()).toEqual(['ConfigMap/c/ns', 'ConfigMap/x/ns']);
      expect(sut.find((m) => m.metadata.name === 'c')).toMatchObject({ data: { a: '3', b: '2' } });
    });

    it('refuses a component listed as a resource, and a $patch: delete among other documents (kubectl 1.32 panics on it)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'kustomize-lite-'));
      mkdirSync(join(dir, 'comp'));
      writeFileSync(join(dir, 'comp/kustomization.yaml'), 'kind: Component\nresources: []\n');
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [comp]\n');
      expect(() => renderKustomization(dir)).toThrow(/expected kind Kustomization, found Component/);
      writeFileSync(
        join(dir, 'r.yaml'),
        'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n',
      );
      writeFileSync(
        join(dir, 'p.yaml'),
        'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n$patch: delete\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {}\n',
      );
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [r.yaml]\npatches: [{path: p.yaml}]\n');
      expect(() => renderKustomization(dir)).toThrow(/needs a file of its own/);
    });

    it('fails on a patch whose target does not exist', () => {
      const dir = mkdtempSync(join(tmpdir(), 'kustomize-lite-'));
      writeFileSync(join(dir, 'p.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: missing}\n');
      writeFileSync(join(dir, 'kustomization.yaml'), 'resources: []\npatches: [{path: p.yaml}]\n');
      expect(() => renderKustomization(dir)).toThrow(/no Deployment\/missing to patch/);
    });
  });
});

describe('deploy/k8s overlays', () => {
  it.each(OVERLAYS)('%s renders the API, the workers, their autoscalers, Secrets, NetworkPolicies and Redis', (overlay) => {
    const sut = renderKustomization(resolve(k8sDir, 'overlays', overlay));
    const ids = sut.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(ids).toEqual(
      [
        'ConfigMap/emo-config',
        'Deployment/emo-api',
        'Deployment/emo-worker',
        'Deployment/redis-cache',
        'HorizontalPodAutoscaler/emo-api',
        'Namespace/emo-fleet',
        'NetworkPolicy/emo-api',
        'NetworkPolicy/emo-worker',
        'NetworkPolicy/redis',
        'PodDisruptionBudget/emo-api',
        'PodDisruptionBudget/emo-worker',
        'ScaledObject/emo-worker',
        'Secret/emo-api-keys',
        'Secret/emo-redis-auth',
        'Service/emo-api',
        'Service/redis-cache',
        'Service/redis-queue',
        'StatefulSet/redis-queue',
      ].sort(),
    );
    expect(sut.filter((m) => m.kind !== 'Namespace').every((m) => m.metadata.namespace === 'emo-fleet')).toBe(true);
  });

  it.each(CLUSTER_OVERLAYS)('%s: the same, with the Redis Cluster (its Job, PDB, NetworkPolicy) in place of redis-queue', (overlay) => {
    const ids = (o: string) =>
      renderKustomization(resolve(k8sDir, 'overlays', o)).map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`);
    const base = ids(overlay.replace('-redis-cluster', '')).filter((id) => !/\/redis-queue$/.test(id));
    const cluster = [
      'Service/emo-fleet/redis-cluster',
      'StatefulSet/emo-fleet/redis-cluster',
      'PodDisruptionBudget/emo-fleet/redis-cluster',
      'Job/emo-fleet/redis-cluster-init',
      'NetworkPolicy/emo-fleet/redis-cluster',
    ];
    expect(ids(overlay).sort()).toEqual([...base, ...cluster].sort());
  });

  // Skips only where kubectl is missing and REQUIRE_KUBECTL is not set (CI sets it: the run fails there).
  it.runIf(inject('kubectlAvailable')).each([...OVERLAYS, ...CLUSTER_OVERLAYS])(
    '%s: our rendering equals `kubectl kustomize`',
    (overlay) => {
      const dir = resolve(k8sDir, 'overlays', overlay);
      expect(sortedById(renderKustomization(dir))).toEqual(sortedById(kubectlKustomize(dir) ?? []));
    },
  );
});
