// kube-scheduler's InterPodAffinity and PodTopologySpread filters (v1.32), for k1s's one node, pure.
// Topology is the node's labels: a term's domain is the node's value of its topologyKey, and
// with one node every pod on it shares that domain. A node without the key is no match.
//
// InterPodAffinity, in kube's order:
//  - the pod's required affinity: for every term the node has the topologyKey and some pod there
//    matches ALL the terms; or no pod matches, and the pod matches its own terms (the first pod
//    of a self-affine group);
//  - the pod's required anti-affinity: no pod on the node matches a term whose key the node has;
//  - symmetry: no pod on the node has a required anti-affinity term that matches this pod.
// PodTopologySpread, DoNotSchedule constraints only (ScheduleAnyway only scores): the node must
// have every topologyKey; the pods matching the selector, the pod included, less the smallest
// domain's count (0 when there are fewer domains than minDomains) must stay within maxSkew.
import type { LabelSelector, Node, Pod, PodAffinityTerm } from '../api/types.js';
import { fromLabelSelector, matches, type Selector } from '../api/labels.js';
import type { FitFailure } from './scheduler-fit.js';

/** The labels of a namespace, for namespaceSelector; undefined when it is not known. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

/** A term of `owner`, compiled (framework.AffinityTerm): the namespaces and selectors it matches pods by. */
interface AffinityTerm {
  topologyKey: string;
  namespaces: Set<string>;
  /** undefined: nothing (no namespaceSelector) */
  namespaceSelector?: Selector;
  /** undefined: nothing (no labelSelector) */
  selector?: Selector;
}

const compile = (owner: Pod, t: PodAffinityTerm): AffinityTerm => ({
  topologyKey: t.topologyKey ?? '',
  // no namespaces and no namespaceSelector: the owner's own namespace
  namespaces: new Set(t.namespaces?.length || t.namespaceSelector ? (t.namespaces ?? []) : [owner.metadata.namespace ?? 'default']),
  namespaceSelector: t.namespaceSelector ? fromLabelSelector(t.namespaceSelector) : undefined,
  selector: t.labelSelector ? fromLabelSelector(t.labelSelector) : undefined,
});

/** AffinityTerm.Matches: the pod is in one of the term's namespaces and its labels fit the selector. */
function termMatches(term: AffinityTerm, pod: Pod, nsLabels: NamespaceLabels): boolean {
  const ns = pod.metadata.namespace ?? 'default';
  const inNamespace = term.namespaces.has(ns) || (!!term.namespaceSelector && matches(term.namespaceSelector, nsLabels(ns) ?? {}));
  return inNamespace && !!term.selector && matches(term.selector, pod.metadata.labels);
}

const requiredAffinity = (p: Pod) => (p.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compile(p, t));
const requiredAntiAffinity = (p: Pod) => (p.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compile(p, t));

/** podMatchesAllAffinityTerms: false for no terms. */
function matchesAll(terms: readonly AffinityTerm[], pod: Pod, nsLabels: NamespaceLabels): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, pod, nsLabels));
}

export const AFFINITY_REASON = "node(s) didn't match pod affinity rules";
export const ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules";
export const EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules";

/** InterPodAffinity's Filter for `pod` on `node`, where `onNode` are the pods already there. */
export function interPodAffinityFailure(pod: Pod, node: Node, onNode: readonly Pod[], nsLabels: NamespaceLabels): FitFailure | undefined {
  const labels = node.metadata.labels ?? {};
  const hasKey = (t: AffinityTerm) => Object.hasOwn(labels, t.topologyKey);

  const affinity = requiredAffinity(pod);
  if (affinity.length) {
    // every term's key must be on the node; the counts are per topology pair, all of this node's
    if (!affinity.every(hasKey)) return { reasons: [AFFINITY_REASON], resolvable: false };
    const matched = onNode.filter((p) => matchesAll(affinity, p, nsLabels)).length;
    if (!matched && !matchesAll(affinity, pod, nsLabels)) return { reasons: [AFFINITY_REASON], resolvable: false };
  }

  const anti = requiredAntiAffinity(pod).filter(hasKey);
  if (anti.some((t) => onNode.some((p) => termMatches(t, p, nsLabels)))) return { reasons: [ANTI_AFFINITY_REASON], resolvable: true };

  const existing = onNode.some((p) => requiredAntiAffinity(p).some((t) => hasKey(t) && termMatches(t, pod, nsLabels)));
  if (existing) return { reasons: [EXISTING_ANTI_AFFINITY_REASON], resolvable: true };
  return undefined;
}

export const SPREAD_REASON = "node(s) didn't match pod topology spread constraints";
export const SPREAD_LABEL_REASON = `${SPREAD_REASON} (missing required label)`;

/** The constraint's selector with matchLabelKeys folded in: each key the pod has must carry the pod's value. */
function spreadSelector(pod: Pod, labelSelector: LabelSelector | undefined, matchLabelKeys: readonly string[] | undefined): Selector | undefined {
  if (!labelSelector) return undefined;
  const own = pod.metadata.labels ?? {};
  const extra = (matchLabelKeys ?? []).filter((k) => Object.hasOwn(own, k)).map((k) => ({ key: k, operator: 'In' as const, values: [own[k]] }));
  return [...fromLabelSelector(labelSelector), ...extra];
}

/** PodTopologySpread's Filter for `pod` on `node`. */
export function topologySpreadFailure(pod: Pod, node: Node, onNode: readonly Pod[]): FitFailure | undefined {
  const constraints = (pod.spec.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
  if (!constraints.length) return undefined;
  const labels = node.metadata.labels ?? {};
  const ns = pod.metadata.namespace ?? 'default';
  for (const c of constraints) {
    if (!Object.hasOwn(labels, c.topologyKey ?? '')) return { reasons: [SPREAD_LABEL_REASON], resolvable: false };
    const selector = spreadSelector(pod, c.labelSelector, c.matchLabelKeys);
    // countPodsMatchSelector: an empty selector counts nothing, and terminating pods are passed over
    const count = (p: Pod) => !!selector && selector.length > 0 && !p.metadata.deletionTimestamp && (p.metadata.namespace ?? 'default') === ns && matches(selector, p.metadata.labels);
    const matchNum = onNode.filter(count).length;
    const selfMatch = selector && matches(selector, pod.metadata.labels) ? 1 : 0;
    // one node: one domain, the smallest itself, unless minDomains asks for more than there are
    const minMatch = (c.minDomains ?? 1) > 1 ? 0 : matchNum;
    if (matchNum + selfMatch - minMatch > (c.maxSkew ?? 1)) return { reasons: [SPREAD_REASON], resolvable: true };
  }
  return undefined;
}
