// The Job controller's decisions, pure (kube's pkg/controller/job: syncJob, manageJob,
// trackJobStatusAndRemoveFinalizers, matchPodFailurePolicy, backoff_utils, indexed_job_utils):
// given a job, its pods and the time, what to create, delete and release, and the status to write.
// Pods carry the batch.kubernetes.io/job-tracking finalizer until they are counted: a terminated
// pod goes into status.uncountedTerminatedPods first, its finalizer comes off, and only then is
// it moved to status.succeeded/failed (settleUncounted), so a pod is never counted twice or lost.
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_TRACKING_FINALIZER, type Job } from '../api/kinds/job.js';
import { rfc3339 } from '../api/time.js';
import type { JobCondition, JobStatus, Pod, PodFailurePolicyRule } from '../api/types.js';
import { isPodReady } from './context.js';

/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export type JobEvent = { type: 'Normal' | 'Warning'; reason: string; message: string };

export interface JobPlan {
  /** pods to create: one entry per pod; `index` for an Indexed job */
  create: { index?: number; failureCount?: number }[];
  /** active pods to delete (suspended, too many, or the job is finishing); their finalizer comes off first */
  remove: Pod[];
  /** pods whose tracking finalizer may come off now: counted (in uncounted) or not to be counted */
  release: Pod[];
  /** the status to write before anything else: new terminated pods recorded as uncounted */
  status: JobStatus;
  events: JobEvent[];
  /** look again after this many ms (back-off, activeDeadlineSeconds) */
  requeueAfterMs?: number;
}

const hasFinalizer = (p: Pod) => (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const condTrue = (job: Job, type: JobCondition['type']) => (job.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');

/** Complete or Failed: nothing more happens to it but releasing its pods. */
export function isJobFinished(job: Job): boolean {
  return !!(condTrue(job, 'Complete') ?? condTrue(job, 'Failed'));
}

/** onlyReplaceFailedPods: a pod being deleted counts, and is replaced, only once it has failed. */
function onlyReplaceFailed(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || !!job.spec.podFailurePolicy;
}

/** isPodFailed: phase Failed, or (unless only failed pods are replaced) deleted before succeeding. */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  // k1s: a pod whose final delete was made (grace 0) will never reach Failed; it failed
  if (onlyReplaceFailed(job)) return !!pod.metadata.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0 && pod.status?.phase !== 'Succeeded';
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** active: neither terminated nor being deleted */
export function isActive(pod: Pod): boolean {
  return !isTerminal(pod) && !pod.metadata.deletionTimestamp;
}

export function completionIndex(pod: Pod): number | undefined {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

// ---- pod failure policy ----

export interface PolicyMatch {
  action?: PodFailurePolicyRule['action'];
  /** counts toward backoffLimit (or the index's backoffLimitPerIndex) */
  count: boolean;
  /** the message of a FailJob match */
  message?: string;
}

/** matchPodFailurePolicy: the first rule matching a failed pod decides; none: counted. */
export function matchPodFailurePolicy(job: Job, pod: Pod): PolicyMatch {
  const rules = job.spec.podFailurePolicy?.rules ?? [];
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const [i, rule] of rules.entries()) {
    let what: string | undefined;
    if (rule.onExitCodes) {
      const ec = rule.onExitCodes;
      const hit = statuses.find((s) => {
        const code = s.state.terminated?.exitCode;
        if (code === undefined || code === 0) return false;
        if (ec.containerName !== undefined && ec.containerName !== s.name) return false;
        return ec.operator === 'In' ? ec.values.includes(code) : !ec.values.includes(code);
      });
      if (hit) what = `Container ${hit.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${hit.state.terminated!.exitCode}`;
    } else if (rule.onPodConditions) {
      const conds = (pod.status?.conditions ?? []) as { type: string; status: string }[];
      const hit = rule.onPodConditions.find((p) => conds.some((c) => c.type === p.type && c.status === (p.status ?? 'True')));
      if (hit) what = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${hit.type}`;
    }
    if (what === undefined) continue;
    const action = rule.action;
    if (action === 'Ignore') return { action, count: false };
    if (action === 'FailJob') return { action, count: true, message: `${what} matching ${action} rule at index ${i}` };
    return { action, count: true };
  }
  return { count: true };
}

// ---- back-off ----

/** getFinishedTime: the last container's finish, else Ready=False's transition, else the deletion, else creation. */
export function finishedTime(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.length && statuses.every((s) => s.state.terminated?.finishedAt)) {
    return Math.max(...statuses.map((s) => Date.parse(s.state.terminated!.finishedAt!)));
  }
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False' && c.lastTransitionTime);
  if (ready) return Date.parse(ready.lastTransitionTime!);
  if (pod.metadata.deletionTimestamp) return Date.parse(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
}

/** getRemainingTimeForFailuresCount: 10s doubled per consecutive failure, at most 10 minutes, less the time since. */
export function backoffRemaining(failures: number, lastFailure: number | undefined, now: number): number {
  if (failures === 0 || lastFailure === undefined) return 0;
  let d = POD_FAILURE_BACKOFF_MS;
  for (let i = 1; i < failures; i++) {
    d *= 2;
    if (d >= MAX_POD_FAILURE_BACKOFF_MS) {
      d = MAX_POD_FAILURE_BACKOFF_MS;
      break;
    }
  }
  const elapsed = now - lastFailure;
  return d < elapsed ? 0 : d - elapsed;
}

/**
 * The failures since the last success, and when the last was (kube keeps this record in memory,
 * fed by the pods it counts; here it is read from the pods, which stay until the job goes).
 */
export function failuresAfterLastSuccess(succeeded: Pod[], failed: Pod[]): { failures: number; lastFailure?: number } {
  const lastSuccess = Math.max(-Infinity, ...succeeded.map(finishedTime));
  const after = failed.map(finishedTime).filter((t) => t > lastSuccess);
  return after.length ? { failures: after.length, lastFailure: Math.max(...after) } : { failures: 0 };
}

// ---- completed indexes ("1,3-5") ----

export function parseIndexes(text: string | undefined, limit: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const hi = Math.min(Number(m[2] ?? m[1]), limit - 1);
    for (let i = Number(m[1]); i <= hi; i++) out.add(i);
  }
  return out;
}

export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

// ---- conditions ----

function withCondition(conds: JobCondition[], type: JobCondition['type'], status: JobCondition['status'], reason: string, message: string, now: string): { conds: JobCondition[]; changed: boolean } {
  const i = conds.findIndex((c) => c.type === type);
  if (i < 0) {
    // ensureJobConditionStatus: a False condition is only written over an existing one
    if (status === 'False') return { conds, changed: false };
    return { conds: [...conds, { type, status, reason, message, lastProbeTime: now, lastTransitionTime: now }], changed: true };
  }
  const c = conds[i];
  if (c.status === status && c.reason === reason && c.message === message) return { conds, changed: false };
  const next = { ...c, status, reason, message, lastProbeTime: now, ...(c.status !== status ? { lastTransitionTime: now } : {}) };
  return { conds: conds.map((x, j) => (j === i ? next : x)), changed: true };
}

// ---- the decision ----

/** The pods the controller deletes first when it has too many: unscheduled, pending, not ready, then the newest. */
function removalOrder(pods: Pod[]): Pod[] {
  const rank = (p: Pod) => (p.spec.nodeName ? 1 : 0) + (p.status?.phase === 'Running' ? 2 : 0) + (isPodReady(p) ? 4 : 0);
  return [...pods].sort((a, b) => rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * One sync of a job that is not finished yet (and not being deleted: then only `release`
 * matters). `pods` are the job's own pods (controller ownerReference), in any state.
 */
export function planJob(job: Job, pods: Pod[], nowDate: Date): JobPlan {
  const now = nowDate.getTime();
  const nowStr = rfc3339(nowDate);
  const spec = job.spec;
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions;
  const prev = job.status ?? {};
  const events: JobEvent[] = [];
  const plan: JobPlan = { create: [], remove: [], release: [], status: prev, events };

  if (isJobFinished(job) || job.metadata.deletionTimestamp) {
    plan.release = pods.filter(hasFinalizer);
    return plan;
  }

  const uncountedSucceeded = new Set(prev.uncountedTerminatedPods?.succeeded ?? []);
  const uncountedFailed = new Set(prev.uncountedTerminatedPods?.failed ?? []);
  const completed = indexed ? parseIndexes(prev.completedIndexes, completions ?? 0) : new Set<number>();
  const failedIndexes = indexed ? parseIndexes(prev.failedIndexes, completions ?? 0) : new Set<number>();
  let conds = prev.conditions ?? [];

  // A finish decided in an earlier sync (FailureTarget, SuccessCriteriaMet) stands.
  const interim = condTrue(job, 'FailureTarget') ?? condTrue(job, 'SuccessCriteriaMet');
  let finishing: { type: 'FailureTarget' | 'SuccessCriteriaMet'; reason: string; message: string } | undefined = interim
    ? { type: interim.type as 'FailureTarget' | 'SuccessCriteriaMet', reason: interim.reason ?? '', message: interim.message ?? '' }
    : undefined;

  // 1. Newly terminated pods, still carrying the finalizer: record them, release the finalizer.
  const countedSucceededPods: Pod[] = [];
  const countedFailedPods: Pod[] = [];
  const perIndexFailures = new Map<number, number>();
  let failJob: string | undefined;
  for (const pod of pods) {
    const uid = pod.metadata.uid!;
    const failed = isPodFailed(pod, job);
    const ix = indexed ? completionIndex(pod) : undefined;
    const inRange = !indexed || (ix !== undefined && ix < (completions ?? 0));
    const match = failed && pod.status?.phase === 'Failed' ? matchPodFailurePolicy(job, pod) : { count: true };
    if (pod.status?.phase === 'Succeeded') countedSucceededPods.push(pod);
    else if (failed && match.count) {
      countedFailedPods.push(pod);
      if (ix !== undefined) perIndexFailures.set(ix, (perIndexFailures.get(ix) ?? 0) + 1);
    }
    if (!hasFinalizer(pod)) continue;
    if (pod.status?.phase === 'Succeeded') {
      if (indexed) {
        if (inRange) completed.add(ix!);
      } else if (!uncountedSucceeded.has(uid) && !uncountedFailed.has(uid)) uncountedSucceeded.add(uid);
      plan.release.push(pod);
    } else if (failed) {
      // with a pod failure policy, a pod is judged once it is Failed (isPodFailed waits for that)
      if (match.action === 'FailJob') failJob ??= match.message;
      if (match.action === 'FailIndex' && ix !== undefined) failedIndexes.add(ix);
      if (match.count && inRange && !uncountedFailed.has(uid)) uncountedFailed.add(uid);
      plan.release.push(pod);
    }
  }

  const succeeded = indexed ? completed.size : (prev.succeeded ?? 0) + uncountedSucceeded.size;
  const failed = (prev.failed ?? 0) + uncountedFailed.size;
  const active = pods.filter(isActive);
  const terminating = pods.filter((p) => p.metadata.deletionTimestamp && !isTerminal(p)).length;

  // backoffLimitPerIndex: an index that failed more often than allowed fails for good
  if (indexed && spec.backoffLimitPerIndex !== undefined) {
    for (const [ix, n] of perIndexFailures) if (n > spec.backoffLimitPerIndex && !completed.has(ix)) failedIndexes.add(ix);
  }

  // 2. Start time, suspension.
  let startTime = prev.startTime;
  const suspended = spec.suspend === true;
  if (!finishing) {
    if (suspended) {
      const r = withCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowStr);
      if (r.changed) events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
      conds = r.conds;
    } else {
      const r = withCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowStr);
      if (r.changed) {
        events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
        startTime = nowStr; // a resumed job's activeDeadlineSeconds counts from now
      }
      conds = r.conds;
    }
  }
  if (!startTime && !suspended) startTime = nowStr;

  // 3. Has the job failed or succeeded?
  let requeueAfterMs: number | undefined;
  const backoffLimit = spec.backoffLimit ?? 6;
  if (!finishing && failJob) finishing = { type: 'FailureTarget', reason: 'PodFailurePolicy', message: failJob };
  if (!finishing && spec.maxFailedIndexes !== undefined && failedIndexes.size > spec.maxFailedIndexes) {
    finishing = { type: 'FailureTarget', reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
  }
  if (!finishing && (failed > backoffLimit || pastBackoffLimitOnFailure(job, active))) {
    finishing = { type: 'FailureTarget', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
  }
  if (!finishing && spec.activeDeadlineSeconds !== undefined && startTime && !suspended) {
    const left = Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 - now;
    if (left <= 0) finishing = { type: 'FailureTarget', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    else requeueAfterMs = left;
  }

  // 4. Manage the pods.
  let activeCount = active.length;
  if (finishing) {
    // every pod still running goes; as kube, they count as failed once the job is finishing
    plan.remove = active;
    for (const p of active) if (hasFinalizer(p) && (!indexed || completionIndex(p) !== undefined)) uncountedFailed.add(p.metadata.uid!);
    activeCount = 0;
  } else if (suspended) {
    plan.remove = active;
    activeCount = 0;
  } else {
    const parallelism = spec.parallelism ?? 1;
    let want: number;
    if (completions === undefined) want = succeeded > 0 ? activeCount : parallelism;
    else want = Math.max(0, Math.min(parallelism, completions - succeeded));
    if (indexed) {
      // an index that is done, failed for good, or no longer exists (completions lowered) needs no pod
      const seen = new Set<number>();
      const extra = active.filter((p) => {
        const ix = completionIndex(p);
        const drop = ix === undefined || ix >= (completions ?? 0) || completed.has(ix) || failedIndexes.has(ix) || seen.has(ix);
        if (ix !== undefined) seen.add(ix);
        return drop;
      });
      plan.remove.push(...extra);
    }
    const kept = active.filter((p) => !plan.remove.includes(p));
    if (kept.length > want) plan.remove.push(...removalOrder(kept).slice(0, kept.length - want));
    activeCount = active.length - plan.remove.length;
    const replacing = onlyReplaceFailed(job) ? terminating : 0;
    let diff = want - replacing - activeCount;
    if (diff > 0) {
      const { failures, lastFailure } = failuresAfterLastSuccess(countedSucceededPods, countedFailedPods);
      const wait = backoffRemaining(failures, lastFailure, now);
      if (wait > 0) {
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, wait);
        diff = 0;
      }
    }
    if (diff > 0 && indexed) {
      const busy = new Set(kept.map(completionIndex));
      for (let ix = 0; ix < (completions ?? 0) && plan.create.length < diff; ix++) {
        if (!completed.has(ix) && !failedIndexes.has(ix) && !busy.has(ix)) plan.create.push({ index: ix, ...(spec.backoffLimitPerIndex !== undefined ? { failureCount: perIndexFailures.get(ix) ?? 0 } : {}) });
      }
    } else if (diff > 0) {
      for (let i = 0; i < diff; i++) plan.create.push({});
    }
    activeCount += plan.create.length;

    // Complete: enough successes (or, without completions, any success) and nothing running.
    const done = completions === undefined ? succeeded > 0 && activeCount === 0 : succeeded >= completions && activeCount === 0;
    if (done) finishing = { type: 'SuccessCriteriaMet', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    else if (indexed && completions !== undefined && failedIndexes.size > 0 && activeCount === 0 && completed.size + failedIndexes.size >= completions) {
      finishing = { type: 'FailureTarget', reason: 'FailedIndexes', message: 'Job has failed indexes' };
    }
  }
  if (finishing) conds = withCondition(conds, finishing.type, 'True', finishing.reason, finishing.message, nowStr).conds;

  const ready = active.filter((p) => !plan.remove.includes(p) && isPodReady(p)).length;
  const status: JobStatus = {
    ...prev,
    conditions: conds.length ? conds : undefined,
    startTime,
    active: activeCount,
    ready,
    terminating: terminating + plan.remove.length,
    succeeded: indexed ? completed.size : prev.succeeded ?? 0,
    failed: prev.failed ?? 0,
    uncountedTerminatedPods: { succeeded: [...uncountedSucceeded], failed: [...uncountedFailed] },
  };
  if (indexed) {
    status.completedIndexes = formatIndexes(completed);
    if (spec.backoffLimitPerIndex !== undefined) status.failedIndexes = formatIndexes(failedIndexes);
  }
  plan.status = status;
  plan.requeueAfterMs = finishing ? undefined : requeueAfterMs;
  plan.release = plan.release.filter((p) => !plan.remove.includes(p));
  return plan;
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure the containers' restarts are the failures. */
function pastBackoffLimitOnFailure(job: Job, active: Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of active) for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount;
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/**
 * After the finalizers came off: uncounted pods that no longer carry one (or are gone) move to
 * the counters; and once nothing is uncounted or terminating, an interim condition becomes the
 * final one (Complete with completionTime, or Failed), with kube's event.
 */
export function settleUncounted(job: Job, status: JobStatus, withFinalizer: ReadonlySet<string>, nowDate: Date): { status: JobStatus; events: JobEvent[] } {
  const nowStr = rfc3339(nowDate);
  const events: JobEvent[] = [];
  const u = status.uncountedTerminatedPods ?? {};
  const keepS = (u.succeeded ?? []).filter((uid) => withFinalizer.has(uid));
  const keepF = (u.failed ?? []).filter((uid) => withFinalizer.has(uid));
  const next: JobStatus = {
    ...status,
    succeeded: job.spec.completionMode === 'Indexed' ? status.succeeded : (status.succeeded ?? 0) + (u.succeeded ?? []).length - keepS.length,
    failed: (status.failed ?? 0) + (u.failed ?? []).length - keepF.length,
    uncountedTerminatedPods: { ...(keepS.length ? { succeeded: keepS } : {}), ...(keepF.length ? { failed: keepF } : {}) },
  };
  const conds = next.conditions ?? [];
  const interim = conds.find((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
  const final = conds.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (interim && !final && !keepS.length && !keepF.length && !(next.terminating ?? 0) && !(next.active ?? 0)) {
    const type = interim.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed';
    next.conditions = withCondition(conds, type, 'True', interim.reason ?? '', interim.message ?? '', nowStr).conds;
    if (type === 'Complete') {
      next.completionTime = nowStr;
      events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    } else {
      events.push({ type: 'Warning', reason: interim.reason ?? 'Failed', message: interim.message ?? '' });
    }
  }
  return { status: next, events };
}

/** The pod a job creates (kube's job controller: the template, the index, the finalizer, the owner). */
export function podForJob(job: Job, index: number | undefined, failureCount?: number): Pod {
  const tpl = job.spec.template;
  const spec = structuredClone(tpl.spec);
  const labels = { ...(tpl.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(tpl.metadata?.annotations ?? {}) };
  let generateName = `${job.metadata.name}-`;
  if (index !== undefined) {
    generateName = `${job.metadata.name}-${index}-`;
    annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    if (job.spec.backoffLimitPerIndex !== undefined) annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(failureCount ?? 0);
    spec.hostname ||= `${job.metadata.name}-${index}`;
    // the index through the downward API, as kube injects it into every container
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      if ((c.env ?? []).some((e) => e.name === 'JOB_COMPLETION_INDEX')) continue;
      (c.env ??= []).push({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } });
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: '',
      generateName,
      namespace: job.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      finalizers: [JOB_TRACKING_FINALIZER],
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec,
  };
}

/** The pod without the tracking finalizer. */
export function withoutTrackingFinalizer(pod: Pod): Pod {
  const finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
  return { ...pod, metadata: { ...pod.metadata, finalizers: finalizers.length ? finalizers : undefined } };
}
