// The arithmetic of kube's disruption controller (pkg/controller/disruption), pure: how many pods a
// PodDisruptionBudget expects and needs healthy, how many are, which evictions it still waits to
// see (status.disruptedPods, forgotten after DeletionTimeout), and the status and the
// DisruptionAllowed condition that follow (component-helpers' UpdateDisruptionAllowedCondition).
// The controller (disruption.ts) reads the informers and writes what these return.
import { scaledValue } from '../api/intstr.js';
import { DISRUPTION_ALLOWED, REASON, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../api/kinds/poddisruptionbudget.js';
import { isPodReady, setCondition, withDisruptionAllowedCondition } from '../api/disruption.js';
import type { OwnerReference, Pod } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { controllerOf } from './context.js';

export { selectsPod } from '../api/disruption.js';

/**
 * DeletionTimeout: how long an eviction the API server let through may take to show as the pod's
 * deletionTimestamp before the controller takes it that the pod will not be deleted after all.
 */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** A controller of pods and its scale (controllerAndScale). */
export interface ControllerScale {
  uid: string;
  replicas: number;
}

/**
 * The finders: the controller (and its scale) behind a pod's controller reference, undefined when
 * none is found; throws (with kube's message) when the reference cannot have a scale.
 */
export type ScaleFinder = (ref: OwnerReference, namespace: string) => ControllerScale | undefined;

export interface ExpectedCount {
  expectedCount: number;
  desiredHealthy: number;
  /** pods without a controller (an event warns about them when the count needs scales) */
  unmanagedPods: string[];
}

/**
 * getExpectedPodCount: an integer minAvailable counts the pods selected; a percentage, or any
 * maxUnavailable, counts the replicas their controllers want (each controller once). Throws the
 * finder's error, or "found no controllers for pod" for a controller that cannot be found.
 */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[], find: ScaleFinder): ExpectedCount {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) {
    const { expectedCount, unmanagedPods } = expectedScale(pods, find);
    const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), unmanagedPods };
  }
  if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
  if (typeof spec.minAvailable === 'string') {
    const { expectedCount, unmanagedPods } = expectedScale(pods, find);
    return { expectedCount, desiredHealthy: scaledValue(spec.minAvailable, expectedCount, true), unmanagedPods };
  }
  // neither given: nothing is expected, so nothing may be disrupted
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/** getExpectedScale: the sum of the scales of the pods' controllers, each counted once. */
function expectedScale(pods: readonly Pod[], find: ScaleFinder): { expectedCount: number; unmanagedPods: string[] } {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref) {
      unmanagedPods.push(pod.metadata.name);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = find(ref, pod.metadata.namespace!);
    if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata.name)}`);
    scales.set(found.uid, found.replicas);
  }
  let expectedCount = 0;
  for (const n of scales.values()) expectedCount += n;
  return { expectedCount, unmanagedPods };
}

export interface DisruptedPodMap {
  disruptedPods: Record<string, string>;
  /** the earliest time an entry expires: the budget is synced again then */
  recheckAt?: Date;
  /** pods whose eviction was let through but which were not deleted in time (event NotDeleted) */
  notDeleted: Pod[];
}

/**
 * buildDisruptedPodMap: the evictions still awaited. An entry goes once its pod is being deleted
 * or gone, or once DeletionTimeout has passed without that.
 */
export function buildDisruptedPodMap(pods: readonly Pod[], pdb: PodDisruptionBudget, now: Date): DisruptedPodMap {
  const previous = pdb.status?.disruptedPods ?? {};
  const disruptedPods: Record<string, string> = {};
  const notDeleted: Pod[] = [];
  let recheckAt: Date | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = previous[pod.metadata.name];
    if (at === undefined) continue;
    const expected = new Date(Date.parse(at) + DELETION_TIMEOUT_MS);
    if (expected.getTime() < now.getTime()) {
      notDeleted.push(pod);
      continue;
    }
    if (!recheckAt || expected < recheckAt) recheckAt = expected;
    disruptedPods[pod.metadata.name] = at;
  }
  return { disruptedPods, recheckAt, notDeleted };
}

/** countHealthyPods: ready pods that are neither being deleted nor about to be (an eviction awaited). */
export function countHealthyPods(pods: readonly Pod[], disruptedPods: Record<string, string>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disruptedPods[pod.metadata.name];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** ConditionsAreUpToDate: the condition says what disruptionsAllowed says, for this generation. */
function conditionsUpToDate(pdb: PodDisruptionBudget): boolean {
  const s = pdb.status;
  const cond = s?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED);
  if (!s || !cond || s.observedGeneration !== pdb.metadata.generation) return false;
  if (s.disruptionsAllowed > 0) return cond.status === 'True' && cond.reason === REASON.sufficient;
  return cond.status === 'False' && cond.reason === REASON.insufficient;
}

export interface Observed {
  currentHealthy: number;
  desiredHealthy: number;
  expectedCount: number;
  disruptedPods: Record<string, string>;
}

/**
 * updatePdbStatus: the status the budget should have, or undefined when it has it already. No
 * disruption is allowed while no pods are expected, so a budget whose pods have not appeared yet
 * is safe when they do before the next sync.
 */
export function nextStatus(pdb: PodDisruptionBudget, o: Observed, now: Date): PodDisruptionBudgetStatus | undefined {
  let disruptionsAllowed = o.currentHealthy - o.desiredHealthy;
  if (o.expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const s = pdb.status;
  if (
    s &&
    s.currentHealthy === o.currentHealthy &&
    s.desiredHealthy === o.desiredHealthy &&
    s.expectedPods === o.expectedCount &&
    s.disruptionsAllowed === disruptionsAllowed &&
    deepEqual(s.disruptedPods ?? {}, o.disruptedPods) &&
    s.observedGeneration === pdb.metadata.generation &&
    conditionsUpToDate(pdb)
  ) {
    return undefined;
  }
  const next: PodDisruptionBudgetStatus = {
    observedGeneration: pdb.metadata.generation,
    ...(Object.keys(o.disruptedPods).length ? { disruptedPods: o.disruptedPods } : {}),
    disruptionsAllowed,
    currentHealthy: o.currentHealthy,
    desiredHealthy: o.desiredHealthy,
    expectedPods: o.expectedCount,
    ...(s?.conditions ? { conditions: s.conditions } : {}),
  };
  return withDisruptionAllowedCondition(next, now);
}

/**
 * failSafe: when the budget cannot be computed, no disruption is allowed (the "fail open" design
 * keeps the eviction handler from approving one) and the condition says why.
 */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, now: Date): PodDisruptionBudgetStatus {
  const s = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  const conditions = setCondition(
    s.conditions,
    { type: DISRUPTION_ALLOWED, status: 'False', reason: REASON.syncFailed, message, ...(s.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}) },
    now,
  );
  return { ...s, disruptionsAllowed: 0, conditions };
}
