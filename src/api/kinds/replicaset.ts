// ReplicaSet (apps/v1): keeps spec.replicas pods of its template; the selector is immutable.
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, nonNegative, type Errors } from '../field-errors.js';
import { objectBase, int, labelSelector, conditionStatus, intOrString, bool, str } from '../fields.js';
import { formatLabelSelector, selectorString } from '../label-format.js';
import { validateLabelSelector } from '../meta-validation.js';
import { defaultPodSpec } from '../podspec/defaults.js';
import { podSpecFieldTypes, podSpecPatchKeys } from '../podspec/patch-keys.js';
import { podTemplateSpec } from '../podspec/schema.js';
import { validateTemplate } from '../podspec/validation.js';
import { deepEqual } from '../../store/canonical.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const replicaSetSchema = z.strictObject({
  ...objectBase('ReplicaSet'),
  spec: z.strictObject({
    replicas: int.optional(),
    selector: labelSelector,
    template: podTemplateSpec,
    minReadySeconds: int.optional(),
  }),
  status: z
    .strictObject({
      replicas: int,
      readyReplicas: int.optional(),
      availableReplicas: int.optional(),
      fullyLabeledReplicas: int.optional(),
      observedGeneration: int.optional(),
    })
    .optional(),
});

export type ReplicaSet = Stored<z.output<typeof replicaSetSchema>>;

function defaultReplicaSet(rs: ReplicaSet): void {
  rs.spec.replicas ??= 1;
  defaultPodSpec(rs.spec.template.spec);
}

function validateReplicaSet(rs: ReplicaSet): Errors {
  const errs: Errors = [];
  nonNegative(errs, 'spec.replicas', rs.spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', rs.spec.minReadySeconds);
  errs.push(...validateLabelSelector(rs.spec.selector, 'spec.selector'));
  errs.push(...validateTemplate(rs.spec.template, rs.spec.selector, 'ReplicaSet'));
  return errs;
}

/** The selector of a workload may not change (apps/v1 ValidateUpdate). */
export function immutableSelector(next: { spec: { selector: unknown } }, prev: { spec: { selector: unknown } }): Errors {
  return deepEqual(next.spec.selector, prev.spec.selector) ? [] : [invalidValue('spec.selector', next.spec.selector, 'field is immutable')];
}

/** The CONTAINERS and IMAGES cells of a workload's wide row. */
export function containerCells(containers: { name: string; image: string }[]): [string, string] {
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}

export const WORKLOAD_WIDE_COLUMNS = [
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column('Selector', 'string', 'Label selector for pods. Existing pods selected by this selector will be the ones affected by this workload.', 1),
];

export const ReplicaSetKind = defineKind<ReplicaSet>({
  kind: 'ReplicaSet',
  group: 'apps',
  resource: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  schema: replicaSetSchema,
  subresources: ['status', 'scale'],
  fieldSelectors: ['status.replicas'],
  generation: true,
  patchMergeKeys: {
    ...META_PATCH_KEYS,
    ...podSpecPatchKeys('spec.template.spec'),
    'status.conditions': { strategy: 'merge', mergeKey: 'type' },
  },
  // LabelSelector is +structType=atomic
  fieldTypes: { 'spec.selector': { map: 'atomic' }, ...podSpecFieldTypes('spec.template.spec') },
  defaults: defaultReplicaSet,
  validate: validateReplicaSet,
  validateUpdate: immutableSelector,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Desired', 'integer', 'Number of desired pods.'),
      column('Current', 'integer', 'Number of actual replicas.'),
      column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
      AGE_COLUMN,
      ...WORKLOAD_WIDE_COLUMNS,
    ],
    row(rs, now) {
      return [
        rs.metadata.name,
        rs.spec.replicas ?? 1,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        age(rs.metadata.creationTimestamp, now),
        ...containerCells(rs.spec.template.spec.containers),
        formatLabelSelector(rs.spec.selector),
      ];
    },
  },
});
