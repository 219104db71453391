// ReplicationController (core/v1): the ReplicaSet's predecessor, still in kubectl's default prune
// list. Its selector is a plain label map (no expressions), defaulted from the template's labels,
// and, unlike a ReplicaSet's, may change after creation. The ReplicaSet controller's sync keeps its
// pods (controllers/replicaset.ts), as kube's replication manager runs the ReplicaSet code.
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, nonNegative, required, type Errors } from '../field-errors.js';
import { conditionStatus, int, objectBase, str, stringMap, type LabelSelector } from '../fields.js';
import { formatLabels } from '../label-format.js';
import { matches, selectorFromSet } from '../labels.js';
import { validateAnnotations, validateLabels } from '../meta-validation.js';
import { defaultPodSpec } from '../podspec/defaults.js';
import { podTemplateSpec } from '../podspec/schema.js';
import { validatePodSpec } from '../podspec/validation.js';
import { containerCells, POD_TEMPLATE_WORKLOAD, WORKLOAD_WIDE_COLUMNS } from '../podspec/workload.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const replicationControllerSchema = z.strictObject({
  ...objectBase('ReplicationController'),
  spec: z.strictObject({
    replicas: int.optional(),
    minReadySeconds: int.optional(),
    selector: stringMap.optional(),
    // a pointer in kube: optional in the schema, required by validation
    template: podTemplateSpec.optional(),
  }),
  status: z
    .strictObject({
      replicas: int,
      fullyLabeledReplicas: int.optional(),
      readyReplicas: int.optional(),
      availableReplicas: int.optional(),
      observedGeneration: int.optional(),
      conditions: z
        .array(
          z.strictObject({
            type: str,
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

export type ReplicationController = Stored<z.output<typeof replicationControllerSchema>>;

/** The selector as a LabelSelector (kube's RC-to-RS conversion): what the scale subresource and the controller read. */
export function rcLabelSelector(rc: ReplicationController): LabelSelector {
  return { matchLabels: { ...(rc.spec.selector ?? {}) } };
}

const isEmpty = (m: Record<string, string> | undefined) => !m || Object.keys(m).length === 0;

/** SetDefaults_ReplicationController: selector and (empty) object labels from the template's labels; 1 replica. */
function defaultReplicationController(rc: ReplicationController): void {
  const labels = rc.spec.template?.metadata?.labels;
  if (labels) {
    if (isEmpty(rc.spec.selector)) rc.spec.selector = { ...labels };
    if (isEmpty(rc.metadata.labels)) rc.metadata.labels = { ...labels };
  }
  rc.spec.replicas ??= 1;
  if (rc.spec.template) defaultPodSpec(rc.spec.template.spec);
}

/** ValidateReplicationControllerSpec with ValidatePodTemplateSpecForRC. */
export function validateReplicationController(rc: ReplicationController): Errors {
  const errs: Errors = [];
  const { spec } = rc;
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  // ValidateNonEmptySelector: an empty map would select every pod of the namespace
  if (isEmpty(spec.selector)) errs.push(required('spec.selector'));
  nonNegative(errs, 'spec.replicas', spec.replicas);
  const tpl = spec.template;
  if (!tpl) {
    errs.push(required('spec.template'));
    return errs;
  }
  const labels = tpl.metadata?.labels ?? {};
  if (!isEmpty(spec.selector) && !matches(selectorFromSet(spec.selector), labels)) {
    errs.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validateLabels(labels, 'spec.template.metadata.labels'));
  errs.push(...validateAnnotations(tpl.metadata?.annotations, 'spec.template.metadata.annotations'));
  // with a workload name, validatePodSpec also requires restartPolicy Always, as the RC's check does
  errs.push(...validatePodSpec(tpl.spec, 'spec.template.spec', 'ReplicationController'));
  return errs;
}

/** ValidateReplicationControllerStatus: counts are never negative nor above status.replicas. */
export function validateReplicationControllerStatus(rc: ReplicationController): Errors {
  const errs: Errors = [];
  const s = rc.status;
  if (!s) return errs;
  nonNegative(errs, 'status.replicas', s.replicas);
  nonNegative(errs, 'status.fullyLabeledReplicas', s.fullyLabeledReplicas);
  nonNegative(errs, 'status.readyReplicas', s.readyReplicas);
  nonNegative(errs, 'status.availableReplicas', s.availableReplicas);
  nonNegative(errs, 'status.observedGeneration', s.observedGeneration);
  const above = 'cannot be greater than status.replicas';
  if ((s.fullyLabeledReplicas ?? 0) > s.replicas) errs.push(invalidValue('status.fullyLabeledReplicas', s.fullyLabeledReplicas, above));
  if ((s.readyReplicas ?? 0) > s.replicas) errs.push(invalidValue('status.readyReplicas', s.readyReplicas, above));
  if ((s.availableReplicas ?? 0) > s.replicas) errs.push(invalidValue('status.availableReplicas', s.availableReplicas, above));
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) errs.push(invalidValue('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
  return errs;
}

export const ReplicationControllerKind = defineKind<ReplicationController>({
  kind: 'ReplicationController',
  group: '',
  resource: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  schema: replicationControllerSchema,
  subresources: ['status', 'scale'],
  fieldSelectors: ['status.replicas'],
  generation: true,
  patchMergeKeys: POD_TEMPLATE_WORKLOAD.patchMergeKeys,
  // the selector is +mapType=atomic: one manager owns it whole
  fieldTypes: { ...POD_TEMPLATE_WORKLOAD.fieldTypes, 'spec.selector': { map: 'atomic' } },
  // no validateUpdate: an RC's selector may change (ValidateReplicationControllerUpdate revalidates the spec only)
  defaults: defaultReplicationController,
  validate: validateReplicationController,
  validateStatusUpdate: validateReplicationControllerStatus,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
      column('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
      column('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
      AGE_COLUMN,
      ...WORKLOAD_WIDE_COLUMNS.slice(0, 2),
      column('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
    ],
    row(rc, now) {
      return [
        rc.metadata.name,
        rc.spec.replicas ?? 1,
        rc.status?.replicas ?? 0,
        rc.status?.readyReplicas ?? 0,
        age(rc.metadata.creationTimestamp, now),
        ...containerCells(rc.spec.template?.spec.containers ?? []),
        formatLabels(rc.spec.selector),
      ];
    },
  },
});
