// Deployment (apps/v1): rolls a pod template out through ReplicaSets; the selector is immutable.
import { z } from 'zod';
import { age } from '../age.js';
import { forbidden, invalidValue, nonNegative, type Errors } from '../field-errors.js';
import { objectBase, int, labelSelector, conditionStatus, intOrString, bool, str } from '../fields.js';
import { selectorString } from '../label-format.js';
import { validateLabelSelector } from '../meta-validation.js';
import { defaultPodSpec } from '../podspec/defaults.js';
import { podTemplateSpec } from '../podspec/schema.js';
import { validateTemplate } from '../podspec/validation.js';
import { containerCells, POD_TEMPLATE_WORKLOAD, WORKLOAD_WIDE_COLUMNS } from '../podspec/workload.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';
import { parsePercent } from '../intstr.js';

export const deploymentSchema = z.strictObject({
  ...objectBase('Deployment'),
  spec: z.strictObject({
    replicas: int.optional(),
    selector: labelSelector,
    template: podTemplateSpec,
    strategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'Recreate']).optional(),
        rollingUpdate: z.strictObject({ maxUnavailable: intOrString.optional(), maxSurge: intOrString.optional() }).optional(),
      })
      .optional(),
    minReadySeconds: int.optional(),
    revisionHistoryLimit: int.optional(),
    progressDeadlineSeconds: int.optional(),
    paused: bool.optional(),
  }),
  status: z
    .strictObject({
      observedGeneration: int.optional(),
      replicas: int.optional(),
      updatedReplicas: int.optional(),
      readyReplicas: int.optional(),
      availableReplicas: int.optional(),
      unavailableReplicas: int.optional(),
      conditions: z
        .array(
          z.strictObject({
            type: z.enum(['Available', 'Progressing', 'ReplicaFailure']),
            status: conditionStatus,
            reason: str.optional(),
            message: str.optional(),
            lastUpdateTime: str.optional(),
            lastTransitionTime: str.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export type Deployment = Stored<z.output<typeof deploymentSchema>>;
export type DeploymentCondition = NonNullable<NonNullable<Deployment['status']>['conditions']>[number];

function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodSpec(spec.template.spec);
}

/** maxSurge/maxUnavailable: a non-negative number or a percentage like "25%". */
function validateIntOrPercent(errs: Errors, path: string, v: number | string | undefined, max100: boolean): void {
  if (v === undefined) return;
  if (typeof v === 'number') {
    nonNegative(errs, path, v);
    return;
  }
  const pct = parsePercent(v);
  if (pct === undefined) {
    errs.push(invalidValue(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  } else if (max100 && pct > 100) {
    errs.push(invalidValue(path, v, 'must not be greater than 100%'));
  }
}

const isZero = (v: number | string | undefined) => v === 0 || (typeof v === 'string' && parsePercent(v) === 0);

function validateDeployment(d: Deployment): Errors {
  const errs: Errors = [];
  const spec = d.spec;
  nonNegative(errs, 'spec.replicas', spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  nonNegative(errs, 'spec.progressDeadlineSeconds', spec.progressDeadlineSeconds);
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
    errs.push(invalidValue('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(...validateTemplate(spec.template, spec.selector, 'Deployment'));

  const strategy = spec.strategy;
  if (strategy?.type === 'Recreate' && strategy.rollingUpdate) {
    errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  const ru = strategy?.rollingUpdate;
  if (ru && strategy?.type !== 'Recreate') {
    validateIntOrPercent(errs, 'spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, true);
    validateIntOrPercent(errs, 'spec.strategy.rollingUpdate.maxSurge', ru.maxSurge, false);
    // Both zero would let a rollout neither add nor remove a pod. Absent values default to 25%.
    if (ru.maxUnavailable !== undefined && ru.maxSurge !== undefined && isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
      errs.push(invalidValue('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  return errs;
}

export const DeploymentKind = defineKind<Deployment>({
  kind: 'Deployment',
  group: 'apps',
  resource: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  schema: deploymentSchema,
  subresources: ['status', 'scale'],
  generation: true,
  ...POD_TEMPLATE_WORKLOAD,
  defaults: defaultDeployment,
  validate: validateDeployment,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'Number of the pod with ready state'),
      column('Up-to-date', 'integer', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      column('Available', 'integer', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE_COLUMN,
      ...WORKLOAD_WIDE_COLUMNS,
    ],
    row(d, now) {
      const st = d.status ?? {};
      return [
        d.metadata.name,
        `${st.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
        st.updatedReplicas ?? 0,
        st.availableReplicas ?? 0,
        age(d.metadata.creationTimestamp, now),
        ...containerCells(d.spec.template.spec.containers),
        selectorString(d.spec.selector),
      ];
    },
  },
});
