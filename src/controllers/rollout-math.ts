// The arithmetic of a Deployment rollout, as pure functions over the Deployment and its
// ReplicaSets (kube's pkg/controller/deployment/util/deployment_util.go, rolling.go and sync.go's
// scale). Nothing here writes: each function says what sizes the ReplicaSets should have, and the
// controller makes it so.
import type { Deployment, ReplicaSet } from '../api/types.js';
import { scaledValue, type IntOrString } from '../api/intstr.js';

/** The Deployment's size (and size + maxSurge) when a ReplicaSet was last scaled: proportional scaling reads them. */
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

const replicasOf = (rs: ReplicaSet) => rs.spec.replicas ?? 1;
const availableOf = (rs: ReplicaSet) => rs.status?.availableReplicas ?? 0;
const isRolling = (d: Deployment) => (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** Sum of spec.replicas (GetReplicaCountForReplicaSets). */
export const specReplicas = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
/** Sum of status.replicas (GetActualReplicaCountForReplicaSets). */
export const actualReplicas = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
/** Sum of status.availableReplicas. */
export const availableReplicas = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + (rs ? availableOf(rs) : 0), 0);
/** Sum of status.readyReplicas. */
export const readyReplicas = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);

/** ReplicaSets with spec.replicas > 0 (FilterActiveReplicaSets). */
export const activeReplicaSets = (rss: (ReplicaSet | undefined)[]) => rss.filter((rs): rs is ReplicaSet => !!rs && replicasOf(rs) > 0);

const created = (rs: ReplicaSet) => rs.metadata.creationTimestamp ?? '';
/** Oldest first, then by name (ReplicaSetsByCreationTimestamp). */
export const byCreation = (a: ReplicaSet, b: ReplicaSet) => created(a).localeCompare(created(b)) || a.metadata.name.localeCompare(b.metadata.name);

/**
 * maxSurge rounded up, maxUnavailable rounded down, from numbers or percentages of desired; both 0
 * would let a rollout neither add nor remove a pod, so maxUnavailable becomes 1 (ResolveFenceposts).
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec.strategy?.rollingUpdate;
  // The API defaults both to 25%; a Deployment read before defaulting gets the same.
  return resolveFenceposts(ru?.maxSurge ?? '25%', ru?.maxUnavailable ?? '25%', d.spec.replicas ?? 1);
}

/** How many pods above spec.replicas a rollout may run (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  return isRolling(d) ? fenceposts(d).surge : 0;
}

/** How many of spec.replicas may be unavailable during a rollout, at most spec.replicas (0 for Recreate). */
export function maxUnavailable(d: Deployment): number {
  const desired = d.spec.replicas ?? 1;
  if (!isRolling(d) || desired === 0) return 0;
  return Math.min(fenceposts(d).unavailable, desired);
}

/** The size the new ReplicaSet may grow to now (NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const desired = d.spec.replicas ?? 1;
  if (!isRolling(d)) return desired;
  const maxTotal = desired + maxSurge(d);
  const current = specReplicas(allRSs);
  if (current >= maxTotal) return replicasOf(newRS);
  return replicasOf(newRS) + Math.min(maxTotal - current, desired - replicasOf(newRS));
}

/**
 * The new ReplicaSet's next size in a rolling update (reconcileNewReplicaSet): down to
 * spec.replicas if above it, else up as far as maxSurge allows. undefined: leave it.
 */
export function reconcileNewReplicaSet(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number | undefined {
  const desired = d.spec.replicas ?? 1;
  const size = replicasOf(newRS);
  if (size === desired) return undefined;
  const next = size > desired ? desired : newRSNewReplicas(d, allRSs, newRS);
  return next === size ? undefined : next;
}

/**
 * The old ReplicaSets' next sizes in a rolling update (reconcileOldReplicaSets): first their
 * unavailable pods go (that cannot lower availability), then available ones, as far as
 * maxUnavailable allows, counting the new ReplicaSet's unavailable pods against it so a broken
 * new template never eats into the old pods that serve. Oldest ReplicaSets first. Only the sets
 * whose size changes are in the map.
 */
export function reconcileOldReplicaSets(d: Deployment, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Map<string, number> {
  const sizes = new Map<string, number>();
  const active = activeReplicaSets(oldRSs);
  if (specReplicas(active) === 0) return sizes;
  const desired = d.spec.replicas ?? 1;
  const minAvailable = desired - maxUnavailable(d);
  const newUnavailable = replicasOf(newRS) - availableOf(newRS);
  const maxScaledDown = specReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return sizes;

  const cleaned = cleanupUnhealthyReplicas(active, maxScaledDown);
  const afterCleanup = active.map((rs) => (cleaned.has(rs.metadata.name) ? { ...rs, spec: { ...rs.spec, replicas: cleaned.get(rs.metadata.name) } } : rs));
  const scaled = scaleDownOldReplicaSets(d, [...afterCleanup, newRS], afterCleanup);
  return new Map([...cleaned, ...scaled]);
}

/**
 * Old sets' unavailable pods, up to maxCleanupCount, oldest set first (cleanupUnhealthyReplicas):
 * the ReplicaSet deletes its not-ready pods first, so this never lowers availability.
 */
export function cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], maxCleanupCount: number): Map<string, number> {
  const sizes = new Map<string, number>();
  let cleaned = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (cleaned >= maxCleanupCount) break;
    const unhealthy = replicasOf(rs) - availableOf(rs);
    if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxCleanupCount - cleaned, unhealthy);
    sizes.set(rs.metadata.name, replicasOf(rs) - n);
    cleaned += n;
  }
  return sizes;
}

/**
 * Old sets scaled down by what is available above spec.replicas - maxUnavailable, oldest first
 * (scaleDownOldReplicaSetsForRollingUpdate); availability is what the sets report.
 */
export function scaleDownOldReplicaSets(d: Deployment, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Map<string, number> {
  const sizes = new Map<string, number>();
  const minAvailable = (d.spec.replicas ?? 1) - maxUnavailable(d);
  const available = availableReplicas(allRSs);
  if (available <= minAvailable) return sizes;
  const budget = available - minAvailable;
  let scaled = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (scaled >= budget) break;
    if (replicasOf(rs) === 0) continue;
    const n = Math.min(replicasOf(rs), budget - scaled);
    sizes.set(rs.metadata.name, replicasOf(rs) - n);
    scaled += n;
  }
  return sizes;
}

const annotationInt = (rs: ReplicaSet, key: string): number | undefined => {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
};

/** The one active ReplicaSet, or the newest when none is active; undefined when several are (FindActiveOrLatest). */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The new ReplicaSet has all of spec.replicas, knows it, and all are available (IsSaturated). */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = d.spec.replicas ?? 1;
  return replicasOf(rs) === desired && annotationInt(rs, DESIRED_REPLICAS) === desired && availableOf(rs) === desired;
}

/** Go's math.Round: half away from zero. */
const round = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/** The share of a scaling event a ReplicaSet gets: its size scaled like the Deployment's max size (getReplicaSetFraction). */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const desired = d.spec.replicas ?? 1;
  if (desired === 0) return -replicasOf(rs);
  const maxNow = desired + maxSurge(d);
  let maxBefore = annotationInt(rs, MAX_REPLICAS);
  // Without the annotation (edited by hand, or scaled from zero) the Deployment's last size stands in.
  if (!maxBefore) maxBefore = d.status?.replicas ?? 0;
  if (!maxBefore) return 0;
  return round((replicasOf(rs) * maxNow) / maxBefore) - replicasOf(rs);
}

/** GetProportion: the fraction, never past what is left to add (or remove). */
function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * A Deployment resized (or a ReplicaSet adopted) mid-rollout (sync.go scale): the one active set
 * takes the whole size; a saturated new set sends every old one to 0; otherwise the change is
 * shared among the active sets in proportion to their size, biggest first (newer first on ties
 * when growing, older first when shrinking), and the rounding leftover goes to the first. The map
 * holds every set the controller should scale (it also refreshes their size annotations).
 */
export function proportionalScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Map<string, number> {
  const sizes = new Map<string, number>();
  const desired = d.spec.replicas ?? 1;
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (replicasOf(only) !== desired) sizes.set(only.metadata.name, desired);
    return sizes;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) sizes.set(old.metadata.name, 0);
    return sizes;
  }
  if (!isRolling(d)) return sizes;
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowed = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(all);
  if (toAdd > 0) all.sort((a, b) => replicasOf(b) - replicasOf(a) || byCreation(b, a));
  else if (toAdd < 0) all.sort((a, b) => replicasOf(b) - replicasOf(a) || byCreation(a, b));
  let added = 0;
  for (const rs of all) {
    const p = proportion(rs, d, toAdd, added);
    sizes.set(rs.metadata.name, replicasOf(rs) + p);
    added += p;
  }
  if (all.length && toAdd !== 0) {
    const first = all[0].metadata.name;
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return sizes;
}

/** A resize rather than a rollout: an active set recorded another Deployment size (isScalingEvent). */
export function isScalingEvent(d: Deployment, allRSs: (ReplicaSet | undefined)[]): boolean {
  return activeReplicaSets(allRSs).some((rs) => {
    const desired = annotationInt(rs, DESIRED_REPLICAS);
    return desired !== undefined && desired !== (d.spec.replicas ?? 1);
  });
}

/** The size annotations a ReplicaSet of this Deployment should carry, if they differ (ReplicasAnnotationsNeedUpdate). */
export function replicasAnnotations(d: Deployment, rs: ReplicaSet): Record<string, string> | undefined {
  const desired = String(d.spec.replicas ?? 1);
  const max = String((d.spec.replicas ?? 1) + maxSurge(d));
  const a = rs.metadata.annotations ?? {};
  if (a[DESIRED_REPLICAS] === desired && a[MAX_REPLICAS] === max) return undefined;
  return { ...a, [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: max };
}
