// HorizontalPodAutoscaler (autoscaling/v2): scales a Deployment or ReplicaSet (anything with a
// /scale subresource) between minReplicas and maxReplicas from its pods' resource usage. k1s
// serves the Resource metric source (cpu, memory); the other sources need adapters k1s has not.
// autoscaling/v1 (what `kubectl autoscale` of kubectl 1.32 sends) is a view of the same object
// (autoscaling-v1.ts converts).
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, notSupportedYet, required, unsupported, type Errors } from '../field-errors.js';
import { conditionStatus, int, objectBase, quantity, str } from '../fields.js';
import { quantityError } from '../quantity.js';
import { HPA_V1 } from './horizontalpodautoscaler-v1.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

const crossVersionObjectReference = z.strictObject({ kind: str, name: str, apiVersion: str.optional() });

const metricTarget = z.strictObject({
  type: z.enum(['Utilization', 'Value', 'AverageValue']),
  value: quantity.optional(),
  averageValue: quantity.optional(),
  averageUtilization: int.optional(),
});

const metricValueStatus = z.strictObject({
  value: quantity.optional(),
  averageValue: quantity.optional(),
  averageUtilization: int.optional(),
});

const scalingRules = z.strictObject({
  stabilizationWindowSeconds: int.optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(z.strictObject({ type: z.enum(['Pods', 'Percent']), value: int, periodSeconds: int })).optional(),
});

export const horizontalPodAutoscalerSchema = z.strictObject({
  ...objectBase('HorizontalPodAutoscaler'),
  spec: z.strictObject({
    scaleTargetRef: crossVersionObjectReference,
    minReplicas: int.optional(),
    maxReplicas: int,
    metrics: z
      .array(
        z.strictObject({
          type: z.enum(['Resource', 'Pods', 'Object', 'External', 'ContainerResource']),
          resource: z.strictObject({ name: str, target: metricTarget }).optional(),
        }),
      )
      .optional(),
    behavior: z.strictObject({ scaleUp: scalingRules.optional(), scaleDown: scalingRules.optional() }).optional(),
  }),
  status: z
    .strictObject({
      observedGeneration: int.optional(),
      lastScaleTime: str.optional(),
      currentReplicas: int.optional(),
      desiredReplicas: int,
      currentMetrics: z
        .array(z.strictObject({ type: z.enum(['Resource', 'Pods', 'Object', 'External', 'ContainerResource']), resource: z.strictObject({ name: str, current: metricValueStatus }).optional() }))
        .optional(),
      conditions: z
        .array(
          z.strictObject({
            type: z.enum(['ScalingActive', 'AbleToScale', 'ScalingLimited']),
            status: conditionStatus,
            lastTransitionTime: str.optional(),
            reason: str.optional(),
            message: str.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export type HorizontalPodAutoscaler = Stored<z.output<typeof horizontalPodAutoscalerSchema>>;
export type HPAScalingRules = z.output<typeof scalingRules>;
export type MetricSpec = NonNullable<HorizontalPodAutoscaler['spec']['metrics']>[number];
export type MetricStatus = NonNullable<NonNullable<HorizontalPodAutoscaler['status']>['currentMetrics']>[number];
export type HPACondition = NonNullable<NonNullable<HorizontalPodAutoscaler['status']>['conditions']>[number];

/** autoscaling.DefaultCPUUtilization: the metric of an HPA that names none */
export const DEFAULT_CPU_UTILIZATION = 80;

/**
 * The defaults of pkg/apis/autoscaling/v2/defaults.go. Scale-down's stabilization window stays
 * unset: the controller fills in its --horizontal-pod-autoscaler-downscale-stabilization (300 s).
 */
export function defaultScaleUpRules(rules: HPAScalingRules | undefined): HPAScalingRules {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? 0,
    selectPolicy: rules?.selectPolicy ?? 'Max',
    policies: rules?.policies ?? [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

export function defaultScaleDownRules(rules: HPAScalingRules | undefined): HPAScalingRules {
  return {
    ...(rules?.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: rules.stabilizationWindowSeconds } : {}),
    selectPolicy: rules?.selectPolicy ?? 'Max',
    policies: rules?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

function defaultHPA(hpa: HorizontalPodAutoscaler): void {
  hpa.spec.minReplicas ??= 1;
  if (!hpa.spec.metrics?.length) {
    hpa.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  // Behavior is filled in only when given: without it the controller keeps the older algorithm.
  if (hpa.spec.behavior) {
    hpa.spec.behavior = { scaleUp: defaultScaleUpRules(hpa.spec.behavior.scaleUp), scaleDown: defaultScaleDownRules(hpa.spec.behavior.scaleDown) };
  }
}

/** The HPA's validation (pkg/apis/autoscaling/validation), for what k1s serves. */
function validateHPA(hpa: HorizontalPodAutoscaler): Errors {
  const errs: Errors = [];
  const s = hpa.spec;
  const ref = s.scaleTargetRef;
  if (!ref.kind) errs.push(required('spec.scaleTargetRef.kind'));
  if (!ref.name) errs.push(required('spec.scaleTargetRef.name'));
  if (s.minReplicas !== undefined && s.minReplicas < 1) errs.push(invalidValue('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if (s.maxReplicas < 1) errs.push(invalidValue('spec.maxReplicas', s.maxReplicas, 'must be greater than 0'));
  if (s.minReplicas !== undefined && s.maxReplicas < s.minReplicas) errs.push(invalidValue('spec.maxReplicas', s.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  (s.metrics ?? []).forEach((m, i) => {
    const p = `spec.metrics[${i}]`;
    if (m.type !== 'Resource') return void errs.push(notSupportedYet(`${p}.type`));
    if (!m.resource) return void errs.push(required(`${p}.resource`, 'must populate information for the given metric source'));
    if (!['cpu', 'memory'].includes(m.resource.name)) errs.push(unsupported(`${p}.resource.name`, m.resource.name, ['cpu', 'memory']));
    const t = m.resource.target;
    const tp = `${p}.resource.target`;
    if (t.type === 'Utilization') {
      if (t.averageUtilization === undefined) errs.push(required(`${tp}.averageUtilization`, 'must set either a target raw value or a target utilization'));
      else if (t.averageUtilization < 1) errs.push(invalidValue(`${tp}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
    } else if (t.type === 'AverageValue') {
      if (t.averageValue === undefined) errs.push(required(`${tp}.averageValue`, 'must set either a target raw value or a target utilization'));
      else if (quantityError(t.averageValue)) errs.push(invalidValue(`${tp}.averageValue`, t.averageValue, quantityError(t.averageValue)!));
    } else {
      errs.push(unsupported(`${tp}.type`, t.type, ['Utilization', 'AverageValue']));
    }
  });
  for (const dir of ['scaleUp', 'scaleDown'] as const) {
    const rules = s.behavior?.[dir];
    if (!rules) continue;
    const p = `spec.behavior.${dir}`;
    const w = rules.stabilizationWindowSeconds;
    if (w !== undefined && (w < 0 || w > 3600)) errs.push(invalidValue(`${p}.stabilizationWindowSeconds`, w, w < 0 ? 'must be greater than or equal to zero' : 'must be less than or equal to 3600'));
    if (rules.selectPolicy !== 'Disabled' && rules.policies?.length === 0) errs.push(required(`${p}.policies`, 'must specify at least one Policy'));
    (rules.policies ?? []).forEach((pol, i) => {
      const pp = `${p}.policies[${i}]`;
      if (pol.value <= 0) errs.push(invalidValue(`${pp}.value`, pol.value, 'must be greater than zero'));
      if (pol.periodSeconds <= 0) errs.push(invalidValue(`${pp}.periodSeconds`, pol.periodSeconds, 'must be greater than zero'));
      else if (pol.periodSeconds > 1800) errs.push(invalidValue(`${pp}.periodSeconds`, pol.periodSeconds, 'must be less than or equal to 1800'));
    });
  }
  return errs;
}

/** The TARGETS column, as printers.go's formatHPAMetrics: "cpu: 12%/50%", at most two, then "+ N more...". */
export function formatHPAMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs?.length) return '<none>';
  const list = specs.map((spec, i) => {
    if (spec.type !== 'Resource' || !spec.resource) return '<unknown type>';
    const current = statuses?.[i]?.resource?.current;
    const name = spec.resource.name;
    const t = spec.resource.target;
    if (t.averageValue !== undefined) return `${name}: ${current?.averageValue ?? '<unknown>'}/${t.averageValue}`;
    const cur = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : '<unknown>';
    return `${name}: ${cur}/${t.averageUtilization !== undefined ? `${t.averageUtilization}%` : '<auto>'}`;
  });
  if (list.length > 2) return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`;
  return list.join(', ');
}

export const HorizontalPodAutoscalerKind = defineKind<HorizontalPodAutoscaler>({
  kind: 'HorizontalPodAutoscaler',
  group: 'autoscaling',
  version: 'v2',
  otherVersions: [HPA_V1],
  resource: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  schema: horizontalPodAutoscalerSchema,
  subresources: ['status'],
  generation: true,
  patchMergeKeys: { 'status.conditions': { strategy: 'merge', mergeKey: 'type' } },
  defaults: defaultHPA,
  validate: validateHPA,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Reference', 'string', 'The identifier for the Scale target.'),
      column('Targets', 'string', 'The current and target metric values.'),
      column('MinPods', 'string', 'The lower limit for the number of pods that can be set by the autoscaler.'),
      column('MaxPods', 'integer', 'The upper limit for the number of pods that can be set by the autoscaler.'),
      column('Replicas', 'integer', 'Current number of replicas of pods managed by this autoscaler.'),
      AGE_COLUMN,
    ],
    row(hpa, now) {
      return [
        hpa.metadata.name,
        `${hpa.spec.scaleTargetRef.kind}/${hpa.spec.scaleTargetRef.name}`,
        formatHPAMetrics(hpa.spec.metrics, hpa.status?.currentMetrics),
        hpa.spec.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
        hpa.spec.maxReplicas,
        hpa.status?.currentReplicas ?? 0,
        age(hpa.metadata.creationTimestamp, now),
      ];
    },
  },
});
