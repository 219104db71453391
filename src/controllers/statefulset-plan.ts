// The StatefulSet controller's decisions (stateful_set_control.go updateStatefulSet), as a pure
// function of the set, its pods and the time: which pods to create, which to delete, and what to
// wait for. OrderedReady handles one ordinal at a time, in order, scaling down in reverse;
// Parallel does everything it can at once. A rolling update replaces pods from the highest
// ordinal down to the partition, at most maxUnavailable (default 1) unavailable at a time.
import { scaledValue } from '../api/intstr.js';
import type { Pod, StatefulSet } from '../api/types.js';
import { isPodReady } from './context.js';
import { REVISION_HASH_LABEL } from './history.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** "web-2" → 2 for set "web"; undefined when the name is not one of the set's. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

export const podName = (setName: string, ordinal: number) => `${setName}-${ordinal}`;

export interface PlanInput {
  set: StatefulSet;
  /** the set's pods (owned, matching its selector) */
  pods: readonly Pod[];
  /** names of the current and update ControllerRevisions */
  currentRevision: string;
  updateRevision: string;
  now: Date;
}

export interface Plan {
  /** ordinals to create, each with the revision to make it from */
  create: { ordinal: number; revision: 'current' | 'update' }[];
  /** pods to delete, with why: a failed pod is replaced, a condemned one is scaled away, an old one updated */
  remove: { pod: Pod; why: 'failed' | 'condemned' | 'update' }[];
  /** what the set waits for, when it does: "Pod web-0 to be Running and Ready" */
  waiting?: string;
}

const isTerminating = (p: Pod) => !!p.metadata.deletionTimestamp;
const isFailed = (p: Pod) => p.status?.phase === 'Failed';
const isSucceeded = (p: Pod) => p.status?.phase === 'Succeeded';
const isRunningAndReady = (p: Pod) => p.status?.phase === 'Running' && isPodReady(p);

/** Running, Ready, and Ready for minReadySeconds (podutil.IsPodAvailable). */
export function isAvailable(p: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isRunningAndReady(p)) return false;
  if (!minReadySeconds) return true;
  const since = p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
  return !!since && Date.parse(since) + minReadySeconds * 1000 <= now.getTime();
}

const isHealthy = (p: Pod) => isRunningAndReady(p) && !isTerminating(p);

export function plan({ set, pods, updateRevision, now }: PlanInput): Plan {
  const name = set.metadata.name;
  const start = set.spec.ordinals?.start ?? 0;
  const replicas = set.spec.replicas ?? 1;
  const monotonic = (set.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const minReady = set.spec.minReadySeconds ?? 0;
  const strategy = set.spec.updateStrategy;
  const partition = strategy?.rollingUpdate?.partition;
  const out: Plan = { create: [], remove: [] };

  const byOrdinal = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const p of pods) {
    const ord = ordinalOf(name, p.metadata.name);
    if (ord === undefined) continue;
    if (ord >= start && ord < start + replicas) byOrdinal.set(ord, p);
    else condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(name, b.metadata.name)! - ordinalOf(name, a.metadata.name)!);

  // Pods below the partition are made from the current revision (newVersionedStatefulSetPod).
  const revisionFor = (ord: number): 'current' | 'update' =>
    strategy?.type !== 'OnDelete' && partition !== undefined && ord < start + partition ? 'current' : 'update';

  // 1. the replicas, in ordinal order
  for (let ord = start; ord < start + replicas; ord++) {
    const pod = byOrdinal.get(ord);
    if (pod && (isFailed(pod) || isSucceeded(pod)) && !isTerminating(pod)) {
      // a pod that has stopped for good is deleted and made anew, with the same name
      out.remove.push({ pod, why: 'failed' });
      if (monotonic) return { ...out, waiting: `Pod ${pod.metadata.name} to be deleted and recreated` };
      continue;
    }
    if (!pod) {
      out.create.push({ ordinal: ord, revision: revisionFor(ord) });
      if (monotonic) return { ...out, waiting: `Pod ${podName(name, ord)} to be Running and Ready` };
      continue;
    }
    if (!monotonic) continue;
    if (isTerminating(pod)) return { ...out, waiting: `Pod ${pod.metadata.name} to terminate prior to scale up` };
    if (!isRunningAndReady(pod)) return { ...out, waiting: `Pod ${pod.metadata.name} to be Running and Ready` };
    if (!isAvailable(pod, minReady, now)) return { ...out, waiting: `Pod ${pod.metadata.name} to be Available` };
  }

  // 2. scale down, from the highest ordinal; OrderedReady one at a time, once the rest are healthy
  const firstUnhealthy = [...byOrdinal.values(), ...condemned].find((p) => !isHealthy(p));
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return { ...out, waiting: `Pod ${pod.metadata.name} to terminate prior to scale down` };
      continue;
    }
    if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) {
      return { ...out, waiting: `Pod ${firstUnhealthy?.metadata.name} to be Running and Ready prior to scale down` };
    }
    out.remove.push({ pod, why: 'condemned' });
    if (monotonic) return out;
  }
  if (monotonic && condemned.length) return out;

  // 3. rolling update, from the highest ordinal down to the partition
  if (strategy?.type === 'OnDelete') return out;
  const maxUnavailable = Math.max(1, scaledValue(strategy?.rollingUpdate?.maxUnavailable ?? 1, replicas, true));
  let unavailable = 0;
  for (let ord = start; ord < start + replicas; ord++) {
    const pod = byOrdinal.get(ord);
    if (!pod || isTerminating(pod) || !isAvailable(pod, minReady, now) || out.remove.some((r) => r.pod === pod)) unavailable++;
  }
  for (let ord = start + replicas - 1; ord >= start + (partition ?? 0); ord--) {
    const pod = byOrdinal.get(ord);
    if (!pod || isTerminating(pod)) continue;
    if (pod.metadata.labels?.[REVISION_HASH_LABEL] === updateRevision) {
      // an updated pod that is not yet available holds the update back (it counts as unavailable)
      continue;
    }
    const podAvailable = isAvailable(pod, minReady, now);
    if (podAvailable && unavailable >= maxUnavailable) {
      return { ...out, waiting: `${unavailable} unavailable Pod(s) to become available before updating ${pod.metadata.name}` };
    }
    out.remove.push({ pod, why: 'update' });
    if (podAvailable) unavailable++;
  }
  return out;
}

export interface SetStatusCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

/** The counts of the status, over the set's pods that exist and are not being deleted. */
export function statusCounts(pods: readonly Pod[], currentRevision: string, updateRevision: string, minReadySeconds: number, now: Date): SetStatusCounts {
  const c: SetStatusCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const p of pods) {
    if (isTerminating(p)) continue;
    c.replicas++;
    if (isRunningAndReady(p)) c.readyReplicas++;
    if (isAvailable(p, minReadySeconds, now)) c.availableReplicas++;
    const rev = p.metadata.labels?.[REVISION_HASH_LABEL];
    if (rev === currentRevision) c.currentReplicas++;
    if (rev === updateRevision) c.updatedReplicas++;
  }
  return c;
}
