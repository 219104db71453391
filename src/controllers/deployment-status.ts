// A Deployment's status from its ReplicaSets, and the Available and Progressing conditions with
// kube's reasons and messages (sync.go calculateStatus, progress.go syncRolloutStatus,
// deployment_util.go DeploymentComplete/DeploymentProgressing/DeploymentTimedOut). Pure: the
// clock is a parameter.
import type { Deployment, DeploymentCondition, ReplicaSet } from '../api/types.js';
import { rfc3339 } from '../api/time.js';
import { actualReplicas, availableReplicas, maxUnavailable, readyReplicas, specReplicas } from './rollout-math.js';

type Status = NonNullable<Deployment['status']>;
type ConditionType = DeploymentCondition['type'];

export const REASON = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
} as const;

/** progressDeadlineSeconds is set (kube's "no deadline" is MaxInt32). */
export const hasProgressDeadline = (d: Deployment) => d.spec.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2147483647;

export function getCondition(status: Deployment['status'], type: ConditionType): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(type: ConditionType, status: DeploymentCondition['status'], reason: string, message: string, now: Date): DeploymentCondition {
  const ts = rfc3339(now);
  return { type, status, lastUpdateTime: ts, lastTransitionTime: ts, reason, message };
}

/** SetDeploymentCondition: same status and reason is no change; same status keeps the transition time. */
export function setCondition(status: Status, c: DeploymentCondition): void {
  const current = getCondition(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  const next = current && current.status === c.status ? { ...c, lastTransitionTime: current.lastTransitionTime } : c;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: Status, type: ConditionType): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (!status.conditions.length) delete status.conditions;
}

/** The counts and the Available condition (calculateStatus); the other conditions are carried over. */
export function calculateStatus(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, now: Date): Status {
  const available = availableReplicas(allRSs);
  const status: Status = {
    observedGeneration: d.metadata.generation,
    replicas: actualReplicas(allRSs),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(specReplicas(allRSs) - available, 0),
  };
  if (d.status?.conditions) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= (d.spec.replicas ?? 1) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', REASON.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', REASON.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Every pod updated and available, and the status is of this generation (DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: Status): boolean {
  const desired = d.spec.replicas ?? 1;
  return s.updatedReplicas === desired && s.replicas === desired && s.availableReplicas === desired && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Something moved since the last status: more updated, fewer old, more ready or available (DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: Status): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** No progress for progressDeadlineSeconds since the Progressing condition last moved (DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, s: Status, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === REASON.newRSAvailable) return false;
  if (c.reason === REASON.timedOut) return true;
  return Date.parse(c.lastUpdateTime ?? '') + d.spec.progressDeadlineSeconds! * 1000 < now.getTime();
}

/**
 * The status after a rollout step (syncRolloutStatus without the write): counts, Available, and
 * Progressing moved on progress, set to NewReplicaSetAvailable once complete, and to
 * ProgressDeadlineExceeded once stalled past the deadline.
 */
export function rolloutStatus(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, now: Date): Status {
  const s = calculateStatus(d, allRSs, newRS, now);
  if (!hasProgressDeadline(d)) removeCondition(s, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const isComplete = s.replicas === s.updatedReplicas && current?.reason === REASON.newRSAvailable;
  if (hasProgressDeadline(d) && !isComplete) {
    const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, s)) {
      setCondition(s, newCondition('Progressing', 'True', REASON.newRSAvailable, `${what} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, s)) {
      // Progress moves lastUpdateTime even with the same reason: the deadline counts from it.
      const c = newCondition('Progressing', 'True', REASON.rsUpdated, `${what} is progressing.`, now);
      if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
      s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== 'Progressing'), c];
    } else if (deploymentTimedOut(d, s, now)) {
      setCondition(s, newCondition('Progressing', 'False', REASON.timedOut, `${what} has timed out progressing.`, now));
    }
  }
  return s;
}

/**
 * When to look again at a rollout that made no progress, so the deadline is noticed without any
 * other event (requeueStuckDeployment); undefined when there is nothing to wait for.
 */
export function stuckRequeueAfterMs(d: Deployment, s: Status, now: Date): number | undefined {
  const c = getCondition(s, 'Progressing');
  if (!hasProgressDeadline(d) || !c || c.reason === REASON.timedOut || deploymentComplete(d, s)) return undefined;
  const after = Date.parse(c.lastUpdateTime ?? '') + d.spec.progressDeadlineSeconds! * 1000 - now.getTime();
  // one second past the deadline, so the check sees it passed
  return Math.max(after, 0) + 1000;
}

/** Progressing Unknown with DeploymentPaused/DeploymentResumed as `paused` flips (checkPausedConditions); undefined: no change. */
export function pausedCondition(d: Deployment, now: Date): DeploymentCondition | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const c = getCondition(d.status, 'Progressing');
  if (c?.reason === REASON.timedOut) return undefined; // a reported stall is not overwritten
  const pausedShown = c?.reason === REASON.paused;
  if (d.spec.paused && !pausedShown) return newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused', now);
  if (!d.spec.paused && pausedShown) return newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed', now);
  return undefined;
}
