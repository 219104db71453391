// ReplicaSet (apps/v1): keeps spec.replicas pods of its template; the selector is immutable.
import { z } from 'zod';
import { age } from '../age.js';
import { nonNegative, type Errors } from '../field-errors.js';
import { objectBase, int, labelSelector } from '../fields.js';
import { formatLabelSelector } from '../label-format.js';
import { validateLabelSelector } from '../meta-validation.js';
import { defaultPodSpec } from '../podspec/defaults.js';
import { podTemplateSpec } from '../podspec/schema.js';
import { validateTemplate } from '../podspec/validation.js';
import { containerCells, POD_TEMPLATE_WORKLOAD, WORKLOAD_WIDE_COLUMNS } from '../podspec/workload.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

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
  ...POD_TEMPLATE_WORKLOAD,
  defaults: defaultReplicaSet,
  validate: validateReplicaSet,
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
