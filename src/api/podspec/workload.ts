// What every workload with a pod template (ReplicaSet, Deployment, and StatefulSet, DaemonSet,
// Job to come) shares: its patch merge keys and field types, an immutable selector, and the wide
// columns of its printer.
import { invalidValue, type Errors } from '../field-errors.js';
import { column, META_PATCH_KEYS, type FieldType, type PatchFieldMeta } from '../kinds/kind.js';
import { deepEqual } from '../../store/canonical.js';
import { podSpecFieldTypes, podSpecPatchKeys } from './patch-keys.js';

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

/** The strategic-merge and field-manager facts, and the update rule, of a pod-template workload. */
export const POD_TEMPLATE_WORKLOAD: {
  patchMergeKeys: Record<string, PatchFieldMeta>;
  fieldTypes: Record<string, FieldType>;
  validateUpdate: typeof immutableSelector;
} = {
  patchMergeKeys: {
    ...META_PATCH_KEYS,
    ...podSpecPatchKeys('spec.template.spec'),
    'status.conditions': { strategy: 'merge', mergeKey: 'type' },
  },
  // LabelSelector is +structType=atomic
  fieldTypes: { 'spec.selector': { map: 'atomic' }, ...podSpecFieldTypes('spec.template.spec') },
  validateUpdate: immutableSelector,
};
