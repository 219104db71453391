// The pods' /eviction subresource (kube-apiserver's pkg/registry/core/pod/storage/eviction.go): a
// POST of a policy/v1 (or v1beta1) Eviction deletes the pod, gracefully, unless that would take
// the pods of its PodDisruptionBudget below what the budget allows. decideEviction is the pure
// decision; evictPod reads the pod and the budgets, spends the budget (disruptionsAllowed - 1,
// the pod in disruptedPods) and deletes the pod, through the registry like any write.
import { ApiError, badRequest, forbidden, tooManyRequests, type Status } from '../api/errors.js';
import { isPodReady, selectsPod, withDisruptionAllowedCondition } from '../api/disruption.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../api/kinds/poddisruptionbudget.js';
import { byKind } from '../api/resources.js';
import { rfc3339 } from '../api/time.js';
import type { Pod, PodCondition } from '../api/types.js';
import type { DeleteOptions, Registry } from './registry.js';

/** MaxDisruptedPodSize: past this many unconfirmed evictions a budget lets no more through. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

export const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];

export const BUDGET_VIOLATED = "Cannot evict pod as it would violate the pod's disruption budget.";
export const MULTIPLE_BUDGETS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

export type EvictionDecision =
  /** delete the pod without touching a budget; enforceResourceVersion: only if it is still the pod that was read */
  | { action: 'delete'; enforceResourceVersion: boolean }
  /** write this status to the budget (not in a dry run), then delete the pod */
  | { action: 'spend'; pdb: PodDisruptionBudget; status: PodDisruptionBudgetStatus }
  | { action: 'refuse'; error: ApiError };

export interface EvictionInput {
  pod: Pod;
  /** the budgets of the pod's namespace */
  pdbs: readonly PodDisruptionBudget[];
  /** the eviction's deleteOptions name a resourceVersion precondition of their own */
  resourceVersionGiven: boolean;
  now: Date;
}

const phaseOf = (pod: Pod) => pod.status?.phase ?? 'Pending'; // the API server creates pods Pending

/** canIgnorePDB: a pod that finished, never ran, or is being deleted already disrupts nothing more. */
function canIgnoreBudget(pod: Pod): boolean {
  const phase = phaseOf(pod);
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

/** shouldEnforceResourceVersion: only a pod that could still become ready races with a budget. */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = phaseOf(pod);
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

/** The 429 of a budget its controller has not caught up with (createTooManyRequestsError). */
export function stillProcessing(pdbName: string): ApiError {
  return tooManyRequests(BUDGET_VIOLATED, 10, [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} is still being processed by the server.` }]);
}

export function decideEviction(input: EvictionInput): EvictionDecision {
  const { pod, now } = input;
  if (canIgnoreBudget(pod)) return { action: 'delete', enforceResourceVersion: shouldEnforceResourceVersion(pod) && !input.resourceVersionGiven };
  const matching = input.pdbs.filter((pdb) => selectsPod(pdb, pod));
  if (matching.length > 1) return { action: 'refuse', error: new ApiError(500, '', MULTIPLE_BUDGETS) };
  if (matching.length === 0) return { action: 'delete', enforceResourceVersion: false };
  const pdb = matching[0];
  const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  if (!isPodReady(pod)) {
    // an unhealthy pod counts for nothing: it goes without spending the budget when the policy
    // says so always, or (IfHealthyBudget, the default) while the healthy ones suffice
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { action: 'delete', enforceResourceVersion: true };
    if (status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) return { action: 'delete', enforceResourceVersion: true };
  }
  // checkAndDecrement
  const name = pdb.metadata.name;
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) return { action: 'refuse', error: stillProcessing(name) };
  if (status.disruptionsAllowed < 0) return { action: 'refuse', error: forbidden('poddisruptionbudget', name, 'pdb disruptions allowed is negative', 'policy') };
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    return { action: 'refuse', error: forbidden('poddisruptionbudget', name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller', 'policy') };
  }
  if (status.disruptionsAllowed === 0) {
    const why = `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`;
    return { action: 'refuse', error: tooManyRequests(BUDGET_VIOLATED, 0, [{ reason: 'DisruptionBudget', message: why }]) };
  }
  let next: PodDisruptionBudgetStatus = { ...status, disruptionsAllowed: status.disruptionsAllowed - 1 };
  if (next.disruptionsAllowed === 0) next = withDisruptionAllowedCondition(next, now);
  // the controller does not count the pod as healthy while it waits to see it deleted
  next.disruptedPods = { ...(status.disruptedPods ?? {}), [pod.metadata.name]: rfc3339(now) };
  return { action: 'spend', pdb, status: next };
}

/** The Eviction of a request body (policy.Eviction): its name and deleteOptions. */
interface EvictionBody {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  deleteOptions?: { dryRun?: string[]; gracePeriodSeconds?: number; preconditions?: DeleteOptions['preconditions']; propagationPolicy?: DeleteOptions['propagationPolicy'] };
}

const EVICTION_FIELDS = ['apiVersion', 'kind', 'metadata', 'deleteOptions'];
const DELETE_OPTION_FIELDS = ['kind', 'apiVersion', 'dryRun', 'gracePeriodSeconds', 'preconditions', 'propagationPolicy', 'orphanDependents'];

/** The body checked as the create handler decodes it: an Eviction of an accepted version, no unknown field. */
export function readEviction(body: unknown, urlNamespace: string): EvictionBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
  const e = body as EvictionBody;
  if (e.kind !== undefined && e.kind !== 'Eviction') throw badRequest(`the kind in the data (${e.kind}) does not match the expected kind (Eviction)`);
  if (e.apiVersion !== undefined && !EVICTION_VERSIONS.includes(e.apiVersion)) {
    throw badRequest(`the API version in the data (${e.apiVersion}) does not match the expected API version (policy/v1)`);
  }
  const unknown = [
    ...Object.keys(e).filter((k) => !EVICTION_FIELDS.includes(k)),
    ...Object.keys(e.deleteOptions ?? {}).filter((k) => !DELETE_OPTION_FIELDS.includes(k)).map((k) => `deleteOptions.${k}`),
  ];
  if (unknown.length) {
    throw badRequest(`Eviction in version "v1" cannot be handled as a Eviction: strict decoding error: ${unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`);
  }
  const ns = e.metadata?.namespace;
  if (ns && ns !== urlNamespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  return e;
}

/**
 * EvictionREST.Create: the eviction of pod `name`, answered with a Success Status, or an ApiError
 * (the budget's 429, the 500 of several budgets, the pod's 404...). queryDryRun: ?dryRun=All.
 */
export function evictPod(registry: Registry, ns: string, name: string, body: EvictionBody, queryDryRun: boolean, now: Date): Status {
  if (name !== body.metadata?.name) throw badRequest('name in URL does not match name in Eviction object');
  const opts = body.deleteOptions ?? {};
  const bodyDryRun = (opts.dryRun ?? []).length > 0;
  for (const v of opts.dryRun ?? []) if (v !== 'All') throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`);
  const dryRun = queryDryRun || bodyDryRun;
  const podKind = byKind('Pod')!;
  const pdbKind = byKind('PodDisruptionBudget')!;
  const pod = registry.get<Pod>(podKind, ns, name);
  const pdbs = registry.list(pdbKind, ns).items as PodDisruptionBudget[];
  const decision = decideEviction({ pod, pdbs, resourceVersionGiven: !!opts.preconditions?.resourceVersion, now });
  if (decision.action === 'refuse') throw decision.error;
  if (decision.action === 'spend' && !dryRun) {
    // the registry is synchronous: nothing writes between the read above and this write, and the
    // resourceVersion makes the write fail rather than spend a budget someone else changed
    const { pdb, status } = decision;
    registry.update(pdbKind, ns, pdb.metadata.name, { ...pdb, status }, { subresource: 'status', fieldManager: 'kube-apiserver' });
  }
  const enforce = decision.action === 'delete' && decision.enforceResourceVersion;
  let rv = opts.preconditions?.resourceVersion ?? (enforce ? pod.metadata.resourceVersion : undefined);
  if (!dryRun) rv = markDisruptionTarget(registry, pod, rv, now);
  const deleteOpts: DeleteOptions = {
    dryRun,
    gracePeriodSeconds: opts.gracePeriodSeconds,
    propagationPolicy: opts.propagationPolicy,
    preconditions: { ...opts.preconditions, ...(rv ? { resourceVersion: rv } : {}) },
  };
  registry.delete(podKind, ns, name, deleteOpts);
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as Status;
}

/**
 * addConditionAndDeletePod: the pod says why it is going (DisruptionTarget, EvictionByEvictionAPI)
 * before it is deleted. Returns the resourceVersion a precondition is to hold against now (the
 * condition's write moved it on).
 */
function markDisruptionTarget(registry: Registry, pod: Pod, rv: string | undefined, now: Date): string | undefined {
  if (rv && rv !== pod.metadata.resourceVersion) return rv; // the precondition fails as it should
  const conditions = pod.status?.conditions ?? [];
  const prev = conditions.find((c) => c.type === 'DisruptionTarget');
  const cond: PodCondition = {
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
    lastTransitionTime: prev?.status === 'True' && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
  };
  const status = { ...pod.status, conditions: prev ? conditions.map((c) => (c === prev ? cond : c)) : [...conditions, cond] };
  const updated = registry.update(byKind('Pod')!, pod.metadata.namespace, pod.metadata.name, { ...pod, status }, { subresource: 'status', fieldManager: 'kube-apiserver' });
  return rv ? updated.metadata.resourceVersion : undefined;
}
