// Evaluates Kubernetes NetworkPolicies (ingress only, what deploy/k8s uses) for one connection:
// may a pod with these labels in this namespace reach that pod's port? The semantics of
// networking.k8s.io/v1: a pod no policy selects accepts everything; a selected pod accepts what
// any ingress rule of any selecting policy allows (peers OR-ed, podSelector + namespaceSelector in
// one peer AND-ed, a podSelector alone meaning the policy's namespace, named ports resolved on the
// target's containers, protocol TCP by default). ipBlock peers never match a pod here.
import type { Manifest } from './kustomize-lite';

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface Peer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: unknown;
}
interface PolicyPort {
  readonly protocol?: string;
  readonly port?: number | string;
}
export type NetworkPolicy = Manifest & {
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: { from?: Peer[]; ports?: PolicyPort[] }[];
  };
};

export interface PodRef {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The target's named container ports (name → number), for policies that name ports. */
  readonly namedPorts?: Readonly<Record<string, number>>;
}

export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key])
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(labels[e.key])
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

const namespaceLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });

function peerMatches(peer: Peer, policyNamespace: string, source: PodRef): boolean {
  if (peer.ipBlock) return false;
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(source.namespace))
    : source.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, source.labels) : true;
  return nsOk && podOk;
}

function portMatches(p: PolicyPort, target: PodRef, port: number): boolean {
  if ((p.protocol ?? 'TCP') !== 'TCP') return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'number') return p.port === port;
  return target.namedPorts?.[p.port] === port;
}

/** Whether `source` may open a TCP connection to `target` on `port` under `policies`. */
export function ingressAllowed(policies: readonly NetworkPolicy[], source: PodRef, target: PodRef, port: number): boolean {
  const selecting = policies.filter(
    (p) =>
      p.metadata.namespace === target.namespace &&
      (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') &&
      selects(p.spec.podSelector, target.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (rule.from === undefined ||
          rule.from.length === 0 ||
          rule.from.some((peer) => peerMatches(peer, p.metadata.namespace ?? '', source))) &&
        (rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((pp) => portMatches(pp, target, port))),
    ),
  );
}
