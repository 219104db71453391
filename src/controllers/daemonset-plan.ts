// The DaemonSet controller's decisions (pkg/controller/daemon), pure: whether a node should run
// the daemon pod (the template's nodeName, nodeSelector and required node affinity, and the node's
// taints against the pod's tolerations, with the tolerations every daemon pod gets), and per node which pods to create and delete, rolling
// updates included (maxUnavailable, or maxSurge: the new pod first, the old once it is available).
import { scaledValue } from '../api/intstr.js';
import type { DaemonSet, Node, Pod, Toleration } from '../api/types.js';
import { matchesRequiredNodeAffinity } from './node-affinity.js';
import { tolerates } from './scheduler-fit.js';
import { isAvailable } from './statefulset-plan.js';

/** AddOrUpdateDaemonPodTolerations: what a daemon pod bears whatever its template says. */
export function daemonTolerations(ds: DaemonSet): Toleration[] {
  const own = ds.spec.template.spec.tolerations ?? [];
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (ds.spec.template.spec.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const same = (a: Toleration, b: Toleration) => a.key === b.key && a.effect === b.effect && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '');
  return [...own, ...add.filter((t) => !own.some((o) => same(o, t)))];
}

/**
 * NodeShouldRunDaemonPod: a nodeName in the template is this node, the node fits the template's
 * nodeSelector and required node affinity, and every NoSchedule/NoExecute taint is tolerated.
 */
export function shouldRun(ds: DaemonSet, node: Node): boolean {
  if (node.metadata.deletionTimestamp) return false;
  const spec = ds.spec.template.spec;
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return false;
  if (!matchesRequiredNodeAffinity({ spec }, node)) return false;
  const tolerations = daemonTolerations(ds);
  const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  return taints.every((taint) => tolerations.some((t) => tolerates(t, taint)));
}

export interface NodePlan {
  create: boolean;
  remove: Pod[];
}

/**
 * What to do on one node: `pods` are the set's pods bound to it, `hash` the current template's.
 * `budget` is how many more pods the rolling update may take down (maxUnavailable) or add
 * (maxSurge) right now; the caller decrements it by what the plans use.
 */
export function planNode(ds: DaemonSet, run: boolean, pods: readonly Pod[], hash: string, budget: { unavailable: number; surge: number }, now: Date): NodePlan {
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const failed = live.filter((p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded');
  const running = live.filter((p) => !failed.includes(p));
  const out: NodePlan = { create: false, remove: [...failed] };
  if (!run) {
    out.remove.push(...running);
    return out;
  }
  const terminating = pods.some((p) => p.metadata.deletionTimestamp);
  if (!running.length) {
    // wait for a pod being deleted to go before making its replacement (kube does, for host ports)
    out.create = !terminating;
    return out;
  }
  const minReady = ds.spec.minReadySeconds ?? 0;
  const isNew = (p: Pod) => p.metadata.labels?.['controller-revision-hash'] === hash;
  const newest = running.filter(isNew);
  const old = running.filter((p) => !isNew(p));
  // more than one of a kind: keep the oldest (the one most likely running)
  const byAge = (a: Pod, b: Pod) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
  if (newest.length > 1) out.remove.push(...[...newest].sort(byAge).slice(1));
  if (!old.length) return out;
  if (newest.length) {
    // surge: the old pod goes once the new one is available
    if (isAvailable(newest[0], minReady, now)) out.remove.push(...old);
    return out;
  }
  if (old.length > 1) out.remove.push(...[...old].sort(byAge).slice(1));
  if (ds.spec.updateStrategy?.type === 'OnDelete') return out;
  const oldPod = [...old].sort(byAge)[0];
  const available = isAvailable(oldPod, minReady, now);
  if (budget.surge > 0) {
    out.create = true;
    budget.surge--;
  } else if (!available) {
    out.remove.push(oldPod); // an unavailable old pod costs nothing to replace
  } else if (budget.unavailable > 0) {
    out.remove.push(oldPod);
    budget.unavailable--;
  }
  return out;
}

/** The rolling update's budget over `desired` nodes, `unavailable` of which have no available pod now. */
export function updateBudget(ds: DaemonSet, desired: number, unavailable: number): { unavailable: number; surge: number } {
  const ru = ds.spec.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  if (!ru) return { unavailable: 0, surge: 0 };
  const maxSurge = scaledValue(ru.maxSurge ?? 0, desired, true);
  const maxUnavailable = maxSurge > 0 ? 0 : scaledValue(ru.maxUnavailable ?? 1, desired, true);
  return { unavailable: Math.max(0, maxUnavailable - unavailable), surge: maxSurge };
}
