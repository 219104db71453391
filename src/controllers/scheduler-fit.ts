// The scheduler's Filter plugins for k1s's one node, as pure functions, in the order of kube-
// scheduler's default profile (v1.32): NodeUnschedulable, TaintToleration, NodeAffinity
// (node-affinity.ts), NodePorts, NodeResourcesFit, PodTopologySpread and InterPodAffinity
// (inter-pod-affinity.ts); VolumeBinding is scheduler-volumes.ts. As in kube, the first plugin
// that rejects the node gives the reasons, and the FailedScheduling message is built from them by
// fitErrorMessage.
import type { Node, Pod, Toleration } from '../api/types.js';
import { amounts, podRequests, type ResourceAmounts } from '../api/podspec/resources.js';
import { interPodAffinityFailure, topologySpreadFailure, type NamespaceLabels } from './inter-pod-affinity.js';
import { matchesRequiredNodeAffinity, nodeNamesOfAffinity } from './node-affinity.js';

/** Why the node was rejected; `resolvable` is false where evicting pods could not help (UnschedulableAndUnresolvable). */
export interface FitFailure {
  reasons: string[];
  resolvable: boolean;
}

type Taint = NonNullable<NonNullable<Node['spec']>['taints']>[number];

function tolerationsOf(pod: Pod): Toleration[] {
  return pod.spec.tolerations ?? [];
}

/** v1.Toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  // Equal is the default operator; an empty key only goes with Exists
  return !!t.key && (t.value ?? '') === (taint.value ?? '');
}

const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const };

/** Pods that occupy the node: bound to it and not finished (the scheduler's informer leaves out Succeeded and Failed). */
export function occupies(pod: Pod, nodeName: string): boolean {
  return pod.spec.nodeName === nodeName && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

interface HostPort {
  protocol: string;
  ip: string;
  port: number;
}

function hostPortsOf(pod: Pod): HostPort[] {
  const init = (pod.spec as { initContainers?: Pod['spec']['containers'] }).initContainers ?? [];
  const out: HostPort[] = [];
  for (const c of [...init, ...pod.spec.containers]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push({ protocol: p.protocol ?? 'TCP', ip: p.hostIP || '0.0.0.0', port: p.hostPort });
    }
  }
  return out;
}

/** HostPortInfo.CheckConflict: same protocol and port, and the same address or either one the wildcard. */
function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.protocol === b.protocol && a.port === b.port && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');
}

/** schedutil.IsScalarResourceName: resources the fit compares besides cpu, memory, ephemeral-storage and pods. */
function isScalar(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  return name.includes('/') && !name.startsWith('requests.');
}

/** cpu in millicores and everything else in whole units, rounded up as Quantity.MilliValue and Value do. */
function units(name: string, v: number): number {
  return Math.ceil((name === 'cpu' ? v * 1000 : v) - 1e-6);
}

/** What the pods on the node request between them, in the units the fit compares. */
export function requestedOn(pods: readonly Pod[]): ResourceAmounts {
  const total: ResourceAmounts = {};
  for (const p of pods) {
    for (const [name, v] of Object.entries(podRequests(p.spec))) total[name] = (total[name] ?? 0) + units(name, v);
  }
  return total;
}

/** NodeResourcesFit's fitsRequest: the pod's requests against allocatable minus what the node's pods request. */
export function insufficientResources(pod: Pod, node: Node, onNode: readonly Pod[]): string[] {
  const reasons: string[] = [];
  const allocatable = amounts(node.status?.allocatable);
  const allowedPods = Math.floor(allocatable.pods ?? 0);
  if (onNode.length + 1 > allowedPods) reasons.push('Too many pods');
  const want: ResourceAmounts = {};
  for (const [name, v] of Object.entries(podRequests(pod.spec))) want[name] = units(name, v);
  const used = requestedOn(onNode);
  const free = (name: string) => units(name, allocatable[name] ?? 0) - (used[name] ?? 0);
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    if ((want[name] ?? 0) > 0 && want[name] > free(name)) reasons.push(`Insufficient ${name}`);
  }
  for (const name of Object.keys(want).filter(isScalar).sort()) {
    if (want[name] > 0 && want[name] > free(name)) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

/** The status kube gives a node its NodeAffinity PreFilter left out (the pod's matchFields name other nodes). */
export const NOT_NAMED_REASON = "node(s) didn't satisfy plugin(s) [NodeAffinity]";

/**
 * Runs the filters for one pod on the node; undefined when the pod fits. onNode: the pods that
 * occupy the node (see occupies), not including the pod itself; nsLabels: the labels of a
 * namespace, for pod affinity terms' namespaceSelector.
 */
export function filterNode(pod: Pod, node: Node, onNode: readonly Pod[], nsLabels: NamespaceLabels = () => undefined): FitFailure | undefined {
  const named = nodeNamesOfAffinity(pod);
  if (named && !named.has(node.metadata.name)) return { reasons: [NOT_NAMED_REASON], resolvable: false };
  const tolerations = tolerationsOf(pod);
  if (node.spec?.unschedulable && !tolerations.some((t) => tolerates(t, UNSCHEDULABLE_TAINT))) {
    return { reasons: ["node(s) were unschedulable"], resolvable: false };
  }
  const untolerated = (node.spec?.taints ?? []).find((taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)));
  if (untolerated) return { reasons: [`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`], resolvable: false };
  if (!matchesRequiredNodeAffinity(pod, node)) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false };
  const wanted = hostPortsOf(pod);
  if (wanted.length) {
    const taken = onNode.flatMap(hostPortsOf);
    if (wanted.some((w) => taken.some((t) => portsConflict(w, t)))) return { reasons: ["node(s) didn't have free ports for the requested pod ports"], resolvable: true };
  }
  const insufficient = insufficientResources(pod, node, onNode);
  if (insufficient.length) return { reasons: insufficient, resolvable: true };
  return topologySpreadFailure(pod, node, onNode) ?? interPodAffinityFailure(pod, node, onNode, nsLabels);
}

/**
 * The PreFilter failures that stop a pod before any node is looked at: NodeAffinity's, when every
 * required term names nodes by metadata.name and no name is left (the terms conflict). The
 * message as FitError words a PreFilter's, with the preemption that could not help.
 */
export function preFilterMessage(pod: Pod, numNodes = 1): string | undefined {
  const named = nodeNamesOfAffinity(pod);
  if (named && named.size === 0) return `0/${numNodes} nodes are available: pod affinity terms conflict. preemption: 0/${numNodes} nodes are available: ${numNodes} Preemption is not helpful for scheduling.`;
  return undefined;
}

/** "1 Insufficient cpu, 1 Insufficient memory": each reason with the number of nodes that gave it, sorted (sortReasonsHistogram). */
function histogram(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}

/**
 * FitError.Error() followed by the DefaultPreemption PostFilter's message, for a cluster of
 * numNodes nodes of which each failure is one node's. Every k1s pod has priority 0, so preemption
 * never finds a victim; where evicting could not help it says so.
 */
export function fitErrorMessage(failures: readonly FitFailure[], numNodes = failures.length): string {
  const preemption = failures.map((f) => (f.resolvable ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling'));
  return `0/${numNodes} nodes are available: ${histogram(failures.flatMap((f) => f.reasons))}. preemption: 0/${numNodes} nodes are available: ${histogram(preemption)}.`;
}

/** schedulePod's ErrNoNodesAvailable: before the node agent has registered the Node. */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';
