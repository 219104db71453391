// DaemonSet (apps/v1): one pod of its template on every node that admits it (k1s has one node).
// The selector is immutable.
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, nonNegative, required, type Errors } from '../field-errors.js';
import { objectBase, int, labelSelector, conditionStatus, intOrString, str } from '../fields.js';
import { formatLabels, selectorString } from '../label-format.js';
import { validateLabelSelector } from '../meta-validation.js';
import { defaultPodSpec } from '../podspec/defaults.js';
import { podTemplateSpec } from '../podspec/schema.js';
import { validateTemplate } from '../podspec/validation.js';
import { containerCells, POD_TEMPLATE_WORKLOAD, WORKLOAD_WIDE_COLUMNS } from '../podspec/workload.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';
import { isZeroIntOrPercent, validateIntOrPercent } from './workload-fields.js';

export const daemonSetSchema = z.strictObject({
  ...objectBase('DaemonSet'),
  spec: z.strictObject({
    selector: labelSelector,
    template: podTemplateSpec,
    updateStrategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'OnDelete']).optional(),
        rollingUpdate: z.strictObject({ maxUnavailable: intOrString.optional(), maxSurge: intOrString.optional() }).optional(),
      })
      .optional(),
    minReadySeconds: int.optional(),
    revisionHistoryLimit: int.optional(),
  }),
  status: z
    .strictObject({
      currentNumberScheduled: int,
      numberMisscheduled: int,
      desiredNumberScheduled: int,
      numberReady: int,
      observedGeneration: int.optional(),
      updatedNumberScheduled: int.optional(),
      numberAvailable: int.optional(),
      numberUnavailable: int.optional(),
      collisionCount: int.optional(),
      conditions: z
        .array(z.strictObject({ type: str, status: conditionStatus, lastTransitionTime: str.optional(), reason: str.optional(), message: str.optional() }))
        .optional(),
    })
    .optional(),
});

export type DaemonSet = Stored<z.output<typeof daemonSetSchema>>;

/** SetDefaults_DaemonSet */
function defaultDaemonSet(ds: DaemonSet): void {
  const strategy = (ds.spec.updateStrategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  ds.spec.revisionHistoryLimit ??= 10;
  defaultPodSpec(ds.spec.template.spec);
}

function validateDaemonSet(ds: DaemonSet): Errors {
  const errs: Errors = [];
  const spec = ds.spec;
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(...validateTemplate(spec.template, spec.selector, 'DaemonSet'));
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  const strategy = spec.updateStrategy;
  if (strategy?.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate;
    if (!ru) {
      errs.push(required('spec.updateStrategy.rollingUpdate'));
    } else {
      // ValidateRollingUpdateDaemonSet: exactly one of the two may be non-zero
      validateIntOrPercent(errs, 'spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable);
      validateIntOrPercent(errs, 'spec.updateStrategy.rollingUpdate.maxSurge', ru.maxSurge);
      const hasUnavailable = !isZeroIntOrPercent(ru.maxUnavailable ?? 0);
      const hasSurge = !isZeroIntOrPercent(ru.maxSurge ?? 0);
      if (hasUnavailable && hasSurge) {
        errs.push(invalidValue('spec.updateStrategy.rollingUpdate.maxSurge', ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(required('spec.updateStrategy.rollingUpdate.maxUnavailable', 'cannot be 0 when maxSurge is 0'));
      }
    }
  }
  return errs;
}

export const DaemonSetKind = defineKind<DaemonSet>({
  kind: 'DaemonSet',
  group: 'apps',
  resource: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  schema: daemonSetSchema,
  subresources: ['status'],
  generation: true,
  ...POD_TEMPLATE_WORKLOAD,
  defaults: defaultDaemonSet,
  validate: validateDaemonSet,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
      column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
      column('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
      column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
      column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
      AGE_COLUMN,
      ...WORKLOAD_WIDE_COLUMNS,
    ],
    row(ds, now) {
      const st = ds.status;
      return [
        ds.metadata.name,
        st?.desiredNumberScheduled ?? 0,
        st?.currentNumberScheduled ?? 0,
        st?.numberReady ?? 0,
        st?.updatedNumberScheduled ?? 0,
        st?.numberAvailable ?? 0,
        formatLabels(ds.spec.template.spec.nodeSelector),
        age(ds.metadata.creationTimestamp, now),
        ...containerCells(ds.spec.template.spec.containers),
        selectorString(ds.spec.selector),
      ];
    },
  },
});
