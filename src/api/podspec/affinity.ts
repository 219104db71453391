// The pod spec's scheduling constraints as core/v1 has them: `affinity` (node affinity, pod
// affinity and anti-affinity) and `topologySpreadConstraints`. Operators, topology keys and weights
// are plain strings and numbers here, optional where Go would decode a missing one as its zero
// value, so that a bad or missing one gets kube's validation message (affinity-validation.ts)
// rather than a decoding error. matchLabelKeys/mismatchLabelKeys of a pod affinity term are left
// out: the field catalog refuses them as "not supported by k1s yet" (kube-apiserver folds them
// into the term's labelSelector when the pod is created; k1s does not do that yet).
import { z } from 'zod';
import { int, labelSelector, str, stringList } from '../fields.js';

const nodeSelectorRequirement = z.strictObject({ key: str, operator: str, values: stringList.optional() });

export const nodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(nodeSelectorRequirement).optional(),
  matchFields: z.array(nodeSelectorRequirement).optional(),
});

export const nodeSelector = z.strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).optional() });

const nodeAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: nodeSelector.optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight: int.optional(), preference: nodeSelectorTerm })).optional(),
});

export const podAffinityTerm = z.strictObject({
  labelSelector: labelSelector.optional(),
  namespaces: stringList.optional(),
  topologyKey: str.optional(),
  namespaceSelector: labelSelector.optional(),
});

const podAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight: int.optional(), podAffinityTerm })).optional(),
});

export const affinity = z.strictObject({
  nodeAffinity: nodeAffinity.optional(),
  podAffinity: podAffinity.optional(),
  podAntiAffinity: podAffinity.optional(),
});

export const topologySpreadConstraint = z.strictObject({
  maxSkew: int.optional(),
  topologyKey: str.optional(),
  whenUnsatisfiable: str.optional(),
  labelSelector: labelSelector.optional(),
  minDomains: int.optional(),
  nodeAffinityPolicy: str.optional(),
  nodeTaintsPolicy: str.optional(),
  matchLabelKeys: stringList.optional(),
});

export type NodeSelectorRequirement = z.output<typeof nodeSelectorRequirement>;
export type NodeSelectorTerm = z.output<typeof nodeSelectorTerm>;
export type NodeSelector = z.output<typeof nodeSelector>;
export type PodAffinityTerm = z.output<typeof podAffinityTerm>;
export type Affinity = z.output<typeof affinity>;
export type TopologySpreadConstraint = z.output<typeof topologySpreadConstraint>;
