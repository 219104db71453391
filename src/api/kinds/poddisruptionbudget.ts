// PodDisruptionBudget (policy/v1): how many of the pods a selector picks must stay up (minAvailable)
// or may be down (maxUnavailable) through voluntary disruptions, that is evictions (the pods'
// /eviction subresource, `kubectl drain`). The disruption controller keeps its status (how many are
// healthy, how many may go now); the eviction handler spends it. Strategies as kube's
// pkg/registry/policy/poddisruptionbudget/strategy.go, validation as pkg/apis/policy/validation.
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, nonNegative, unsupported, type Errors } from '../field-errors.js';
import { conditionStatus, int, intOrString, labelSelector, objectBase, str } from '../fields.js';
import { validateLabelSelector } from '../meta-validation.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';
import { validateIntOrPercent } from './workload-fields.js';

export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

/** metav1.Condition: every field but observedGeneration is required, message may be "". */
const condition = z.strictObject({
  type: str,
  status: conditionStatus,
  observedGeneration: int.optional(),
  lastTransitionTime: str,
  reason: str,
  message: str,
});

export const podDisruptionBudgetSchema = z.strictObject({
  ...objectBase('PodDisruptionBudget'),
  spec: z
    .strictObject({
      minAvailable: intOrString.optional(),
      maxUnavailable: intOrString.optional(),
      selector: labelSelector.optional(),
      unhealthyPodEvictionPolicy: str.optional(),
    })
    .optional(),
  status: z
    .strictObject({
      observedGeneration: int.optional(),
      /** pod name -> when the eviction handler let it go (the controller forgets it after 2 minutes) */
      disruptedPods: z.record(z.string(), str).optional(),
      disruptionsAllowed: int,
      currentHealthy: int,
      desiredHealthy: int,
      expectedPods: int,
      conditions: z.array(condition).optional(),
    })
    .optional(),
});

export type PodDisruptionBudget = Stored<z.output<typeof podDisruptionBudgetSchema>>;
export type PodDisruptionBudgetStatus = NonNullable<PodDisruptionBudget['status']>;
export type MetaCondition = z.output<typeof condition>;

/** policy.DisruptionAllowedCondition and its reasons */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const REASON = { sufficient: 'SufficientPods', insufficient: 'InsufficientPods', syncFailed: 'SyncFailed' } as const;

/** ValidatePodDisruptionBudgetSpec (what create and update both check: a v1 spec may change). */
export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): Errors {
  const errs: Errors = [];
  const spec = pdb.spec ?? {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    // kube prints the internal spec struct with %#v here; the JSON of the spec says the same
    errs.push(invalidValue('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  validateIntOrPercent(errs, 'spec.minAvailable', spec.minAvailable);
  validateIntOrPercent(errs, 'spec.maxUnavailable', spec.maxUnavailable);
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !(UNHEALTHY_POD_EVICTION_POLICIES as readonly string[]).includes(policy)) {
    errs.push(unsupported('spec.unhealthyPodEvictionPolicy', policy, [...UNHEALTHY_POD_EVICTION_POLICIES]));
  }
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1): the counts are never negative. */
export function validatePodDisruptionBudgetStatus(pdb: PodDisruptionBudget): Errors {
  const errs: Errors = [];
  const s = pdb.status;
  if (!s) return errs;
  nonNegative(errs, 'status.disruptionsAllowed', s.disruptionsAllowed);
  nonNegative(errs, 'status.currentHealthy', s.currentHealthy);
  nonNegative(errs, 'status.desiredHealthy', s.desiredHealthy);
  nonNegative(errs, 'status.expectedPods', s.expectedPods);
  return errs;
}

/** The status a new budget starts with (the zero PodDisruptionBudgetStatus, its counts always printed). */
export const emptyStatus = (): PodDisruptionBudgetStatus => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });

export const PodDisruptionBudgetKind = defineKind<PodDisruptionBudget>({
  kind: 'PodDisruptionBudget',
  group: 'policy',
  resource: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  schema: podDisruptionBudgetSchema,
  subresources: ['status'],
  generation: true,
  patchMergeKeys: {
    ...META_PATCH_KEYS,
    // a patch replaces the whole selector rather than merging into it
    'spec.selector': { strategy: 'replace' },
    'status.conditions': { strategy: 'merge', mergeKey: 'type' },
  },
  fieldTypes: { 'spec.selector': { map: 'atomic' }, 'status.conditions': { list: 'map', keys: ['type'] } },
  validate: validatePodDisruptionBudget,
  prepareForCreate(pdb) {
    pdb.status = emptyStatus();
  },
  validateStatusUpdate: (next) => validatePodDisruptionBudgetStatus(next),
  printer: {
    columns: [
      NAME_COLUMN,
      column('Min Available', 'string', 'The minimum number of pods that must be available.'),
      column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
      column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
      AGE_COLUMN,
    ],
    row(pdb, now) {
      const show = (v: number | string | undefined) => (v === undefined ? 'N/A' : String(v));
      return [pdb.metadata.name, show(pdb.spec?.minAvailable), show(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, age(pdb.metadata.creationTimestamp, now)];
    },
  },
});
