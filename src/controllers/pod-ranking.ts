// Which pods a ReplicaSet deletes first when it scales down, and when a ready pod counts as
// available: kube's controller_utils.go ActivePodsWithRanks (with the PodDeletionCost and
// LogarithmicScaleDown gates on, their v1.32 defaults) and podutil.IsPodAvailable. Pure; `now` is
// a parameter.
import type { Pod } from '../api/types.js';
import { isPodReady } from './context.js';

export const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

const readyCondition = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
const readySince = (p: Pod) => {
  const t = Date.parse(readyCondition(p)?.lastTransitionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
};
const createdAt = (p: Pod) => {
  const t = Date.parse(p.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? undefined : t;
};
const deletionCost = (p: Pod) => {
  const v = p.metadata.annotations?.[DELETION_COST];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : 0;
};
const maxRestarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));

/** Ready for minReadySeconds (IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now.getTime();
}

/** Milliseconds until a ready pod becomes available (for a requeue); undefined if not ready or already available. */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number | undefined {
  if (!isPodReady(pod) || !minReadySeconds) return undefined;
  const since = readySince(pod);
  if (since === undefined) return undefined;
  const left = since + minReadySeconds * 1000 - now.getTime();
  return left > 0 ? left : undefined;
}

/** floor(log2(age in ns)), -1 for no age: pods of about the same age rank the same (logarithmicRankDiff). */
const logRank = (t: number, now: number) => {
  const ns = (now - t) * 1e6;
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
};

/**
 * Negative when a should be deleted before b: unassigned, then Pending < Unknown < Running, not
 * ready, lower deletion cost, more pods of the owner on the same node, ready more recently (by
 * powers of two of the time), more restarts, created more recently.
 */
export function compareForDeletion(a: Pod, b: Pod, rank: (p: Pod) => number, now: Date): number {
  const na = a.spec.nodeName ?? '';
  const nb = b.spec.nodeName ?? '';
  if (na !== nb && (!na || !nb)) return !na ? -1 : 1;
  const pa = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  if (deletionCost(a) !== deletionCost(b)) return deletionCost(a) - deletionCost(b);
  if (rank(a) !== rank(b)) return rank(b) - rank(a);
  const byAge = (ta: number | undefined, tb: number | undefined, uidTie: boolean): number => {
    if (ta === tb) return 0;
    // an unknown time counts as newest (afterOrZero)
    if (ta === undefined || tb === undefined) return ta === undefined ? -1 : 1;
    const d = logRank(ta, now.getTime()) - logRank(tb, now.getTime());
    if (d !== 0) return d;
    return uidTie ? (a.metadata.uid ?? '').localeCompare(b.metadata.uid ?? '') : 0;
  };
  if (ra && rb) {
    const r = byAge(readySince(a), readySince(b), true);
    if (r !== 0) return r;
  }
  if (maxRestarts(a) !== maxRestarts(b)) return maxRestarts(b) - maxRestarts(a);
  return byAge(createdAt(a), createdAt(b), true);
}

/**
 * The `count` pods to delete (getPodsToDelete): ranked by how many active pods of the same
 * owner family (relatedPods) share their node, then compareForDeletion.
 */
export function podsToDelete(pods: Pod[], relatedPods: Pod[], count: number, now: Date): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of relatedPods) onNode.set(p.spec.nodeName ?? '', (onNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
  const rank = (p: Pod) => onNode.get(p.spec.nodeName ?? '') ?? 0;
  return [...pods].sort((a, b) => compareForDeletion(a, b, rank, now)).slice(0, count);
}
