// The scheduler's Filter plugins for k1s's one node, as pure functions, in the order of kube-
// scheduler's default profile (v1.32): NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector only), NodePorts,
// NodeResourcesFit. As in kube, the first plugin that rejects the node gives the reasons, and the
// FailedScheduling message is built from them by fitErrorMessage.
import type { Node, Pod, Toleration } from '../api/types.js';
import { amounts, podRequests, type ResourceAmounts } from '../api/podspec/resources.js';

/** Why the node was rejected; `resolvable` is false where evicting pods could not help (UnschedulableAndUnresolvable). */
export interface FitFailure {
  reasons: string[];
  resolvable: boolean;
}

type Taint = NonNullable<NonNullable<Node['spec']>['taints']>[number];

function tolerationsOf(pod: Pod): Toleration[] {
  return pod.spec.tolerations ?? [];
}

/** NodeAffinity's nodeSelector half: every label the pod asks for is on the node. */
export function matchesNodeSelector(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  return Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
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

/**
 * Runs the filters for one pod on the node; undefined when the pod fits. onNode: the pods that
 * occupy the node (see occupies), not including the pod itself.
 */
export function filterNode(pod: Pod, node: Node, onNode: readonly Pod[]): FitFailure | undefined {
  const tolerations = tolerationsOf(pod);
  if (node.spec?.unschedulable && !tolerations.some((t) => tolerates(t, UNSCHEDULABLE_TAINT))) {
    return { reasons: ["node(s) were unschedulable"], resolvable: false };
  }
  const untolerated = (node.spec?.taints ?? []).find((taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)));
  if (untolerated) return { reasons: [`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`], resolvable: false };
  if (!matchesNodeSelector(pod, node)) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false };
  const wanted = hostPortsOf(pod);
  if (wanted.length) {
    const taken = onNode.flatMap(hostPortsOf);
    if (wanted.some((w) => taken.some((t) => portsConflict(w, t)))) return { reasons: ["node(s) didn't have free ports for the requested pod ports"], resolvable: true };
  }
  const insufficient = insufficientResources(pod, node, onNode);
  return insufficient.length ? { reasons: insufficient, resolvable: true } : undefined;
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
