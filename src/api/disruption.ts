// What the disruption controller and the eviction handler share about PodDisruptionBudgets, as
// kube's component-helpers/apps/poddisruptionbudget and pkg/api/v1/pod: which pods a budget
// covers, whether a pod counts as healthy, and the DisruptionAllowed condition. Pure.
import { fromLabelSelector, matches } from './labels.js';
import { DISRUPTION_ALLOWED, REASON, type MetaCondition, type PodDisruptionBudget, type PodDisruptionBudgetStatus } from './kinds/poddisruptionbudget.js';
import { rfc3339 } from './time.js';
import type { Pod } from './types.js';

/** podutil.IsPodReady: the Ready condition is True (what the budget calls healthy). */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * The pods a budget covers. An empty selector ({}) selects every pod of the namespace (policy/v1),
 * no selector selects none (metav1.LabelSelectorAsSelector of nil is Nothing).
 */
export function selectsPod(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const sel = pdb.spec?.selector;
  if (!sel || pod.metadata.namespace !== pdb.metadata.namespace) return false;
  return matches(fromLabelSelector(sel), pod.metadata.labels ?? {});
}

/**
 * apimeta.SetStatusCondition: the condition replaces the one of its type; lastTransitionTime moves
 * only when the status changes.
 */
export function setCondition(conditions: readonly MetaCondition[] | undefined, want: Omit<MetaCondition, 'lastTransitionTime'>, now: Date): MetaCondition[] {
  const list = conditions ?? [];
  const prev = list.find((c) => c.type === want.type);
  const lastTransitionTime = prev && prev.status === want.status ? prev.lastTransitionTime : rfc3339(now);
  const next: MetaCondition = { type: want.type, status: want.status, ...(want.observedGeneration !== undefined ? { observedGeneration: want.observedGeneration } : {}), lastTransitionTime, reason: want.reason, message: want.message };
  return prev ? list.map((c) => (c === prev ? next : c)) : [...list, next];
}

/** UpdateDisruptionAllowedCondition: True/SufficientPods while a disruption is allowed, else False/InsufficientPods. */
export function withDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: Date): PodDisruptionBudgetStatus {
  const allowed = status.disruptionsAllowed > 0;
  const conditions = setCondition(
    status.conditions,
    {
      type: DISRUPTION_ALLOWED,
      status: allowed ? 'True' : 'False',
      reason: allowed ? REASON.sufficient : REASON.insufficient,
      message: '',
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    },
    now,
  );
  return { ...status, conditions };
}
