// A pod's required node affinity, as component-helpers/scheduling/corev1/nodeaffinity reads it
// (pure): spec.nodeSelector AND any one of the required nodeSelectorTerms; within a term every
// matchExpression (on the node's labels) and matchField (on metadata.name) must hold. An empty
// term selects nothing, and a term that cannot be parsed (Gt with a non-integer, In without
// values) is skipped, as kube skips it "for backwards compatibility". Also the DaemonSet
// helpers of pkg/controller/daemon/util: the node a daemon pod is meant for, and the affinity
// that pins it there.
import type { Affinity, Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../api/types.js';
import { isQualifiedName, isValidLabelValue } from '../api/names.js';

const NAME_FIELD = 'metadata.name';
const INT = /^[+-]?\d+$/;

/** One labels requirement (labels.Requirement.Matches); undefined when it does not parse. */
function labelRequirement(r: NodeSelectorRequirement): ((labels: Record<string, string>) => boolean) | undefined {
  if (isQualifiedName(r.key).length) return undefined;
  const values = r.values ?? [];
  const has = (l: Record<string, string>) => Object.hasOwn(l, r.key);
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (!values.length || values.some((v) => isValidLabelValue(v).length)) return undefined;
      return r.operator === 'In' ? (l) => has(l) && values.includes(l[r.key]) : (l) => !has(l) || !values.includes(l[r.key]);
    case 'Exists':
      return values.length ? undefined : has;
    case 'DoesNotExist':
      return values.length ? undefined : (l) => !has(l);
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1 || !INT.test(values[0])) return undefined;
      const bound = BigInt(values[0]);
      return (l) => {
        if (!has(l) || !INT.test(l[r.key])) return false;
        const n = BigInt(l[r.key]);
        return r.operator === 'Gt' ? n > bound : n < bound;
      };
    }
    default:
      return undefined;
  }
}

/** nodeSelectorRequirementsAsFieldSelector: In/NotIn with exactly one value, on the node's fields. */
function fieldRequirement(r: NodeSelectorRequirement): ((fields: Record<string, string>) => boolean) | undefined {
  const values = r.values ?? [];
  if ((r.operator !== 'In' && r.operator !== 'NotIn') || values.length !== 1) return undefined;
  return r.operator === 'In' ? (f) => (f[r.key] ?? '') === values[0] : (f) => (f[r.key] ?? '') !== values[0];
}

/** Whether a node matches one term; undefined for a term kube skips (empty, or one that does not parse). */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean | undefined {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return undefined;
  const labelReqs = exprs.map(labelRequirement);
  const fieldReqs = fields.map(fieldRequirement);
  if (labelReqs.includes(undefined) || fieldReqs.includes(undefined)) return undefined;
  const labels = node.metadata.labels ?? {};
  const nodeFields = { [NAME_FIELD]: node.metadata.name };
  return labelReqs.every((m) => m!(labels)) && fieldReqs.every((m) => m!(nodeFields));
}

/** NodeSelector.Match: the terms are ORed. */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  return terms.some((t) => termMatches(t, node) === true);
}

/** RequiredNodeAffinity.Match: spec.nodeSelector and the required node affinity. */
export function matchesRequiredNodeAffinity(pod: Pick<Pod, 'spec'>, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !required || nodeSelectorTermsMatch(required.nodeSelectorTerms ?? [], node);
}

/**
 * NodeAffinity's PreFilter: the nodes the required terms name through `metadata.name In`, or
 * undefined when some term names none (any node may do). An empty set means the terms conflict.
 */
export function nodeNamesOfAffinity(pod: Pick<Pod, 'spec'>): Set<string> | undefined {
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (!terms.length) return undefined;
  const names = new Set<string>();
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key !== NAME_FIELD || r.operator !== 'In') continue;
      // the requirements of a term are ANDed: the names they share
      const s = new Set(r.values ?? []);
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    // a term that names no node lets every node through, the terms being ORed
    if (!termNames) return undefined;
    for (const n of termNames) names.add(n);
  }
  return names;
}

/**
 * GetTargetNodeName: the node a daemon pod is for, spec.nodeName once bound, else the one
 * `metadata.name In [node]` of its required node affinity; undefined for neither.
 */
export function targetNodeName(pod: Pick<Pod, 'spec'>): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const r of t.matchFields ?? []) {
      if (r.key === NAME_FIELD && r.operator === 'In' && r.values?.length === 1) return r.values[0];
    }
  }
  return undefined;
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the one term
 * `metadata.name In [node]` (the controller has already checked that the node fits the rest);
 * preferred terms and pod (anti-)affinity stay.
 */
export function withDaemonNodeAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const out: Affinity = structuredClone(affinity ?? {});
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: NAME_FIELD, operator: 'In', values: [nodeName] }] }] };
  out.nodeAffinity = { ...out.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: required };
  return out;
}
