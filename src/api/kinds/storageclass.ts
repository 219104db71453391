// StorageClass (storage.k8s.io/v1): how claims of a class get their volumes: the provisioner
// that makes them (k1s has one, rancher.io/local-path, as k3s), what happens to them when their
// claim goes (reclaimPolicy), and whether binding waits for a pod (volumeBindingMode).
// Cluster-scoped; the class annotated storageclass.kubernetes.io/is-default-class is given to
// claims that name none.
import { z } from 'zod';
import { age } from '../age.js';
import { forbidden, invalidValue, required, unsupported, type Errors } from '../field-errors.js';
import { bool, objectBase, str, stringMap } from '../fields.js';
import { isQualifiedName } from '../names.js';
import { isDefaultClass } from '../storage.js';
import { deepEqual } from '../../store/canonical.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const storageClassSchema = z.strictObject({
  ...objectBase('StorageClass'),
  provisioner: str,
  parameters: stringMap.optional(),
  reclaimPolicy: str.optional(),
  volumeBindingMode: str.optional(),
  allowVolumeExpansion: bool.optional(),
});

export type StorageClass = Stored<z.output<typeof storageClassSchema>>;

const PROVISIONER_MAX_LENGTH = 63 + 1 + 253;
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** pkg/apis/storage/validation ValidateStorageClass */
export function validateStorageClass(sc: StorageClass): Errors {
  const errs: Errors = [];
  if (!sc.provisioner) errs.push(required('provisioner'));
  else {
    if (sc.provisioner.length > PROVISIONER_MAX_LENGTH) errs.push({ path: 'provisioner', message: `Too long: may not be more than ${PROVISIONER_MAX_LENGTH} bytes` });
    for (const msg of isQualifiedName(sc.provisioner.toLowerCase())) errs.push(invalidValue('provisioner', sc.provisioner, msg));
  }
  const params = Object.entries(sc.parameters ?? {});
  if (params.length > MAX_PARAMETERS) errs.push({ path: 'parameters', message: `Too many: ${params.length}: must have at most ${MAX_PARAMETERS} items` });
  let size = 0;
  for (const [k, v] of params) {
    if (!k) errs.push(invalidValue('parameters', k, 'field can not be empty.'));
    size += k.length + v.length;
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push({ path: 'parameters', message: `Too long: may not be more than ${MAX_PARAMETERS_SIZE} bytes` });
  // a class's volumes may not be recycled
  if (sc.reclaimPolicy !== undefined && sc.reclaimPolicy !== 'Delete' && sc.reclaimPolicy !== 'Retain') {
    errs.push(unsupported('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']));
  }
  if (sc.volumeBindingMode === undefined) errs.push(required('volumeBindingMode'));
  else if (sc.volumeBindingMode !== 'Immediate' && sc.volumeBindingMode !== 'WaitForFirstConsumer') {
    errs.push(unsupported('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  }
  return errs;
}

/** ValidateStorageClassUpdate */
export function validateStorageClassUpdate(next: StorageClass, prev: StorageClass): Errors {
  const errs: Errors = [];
  if (!deepEqual(next.parameters ?? {}, prev.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (next.provisioner !== prev.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (next.reclaimPolicy !== prev.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (next.volumeBindingMode !== prev.volumeBindingMode) errs.push(invalidValue('volumeBindingMode', next.volumeBindingMode ?? null, 'field is immutable'));
  return errs;
}

export const StorageClassKind = defineKind<StorageClass>({
  kind: 'StorageClass',
  group: 'storage.k8s.io',
  resource: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  schema: storageClassSchema,
  subresources: [],
  patchMergeKeys: META_PATCH_KEYS,
  // SetDefaults_StorageClass
  defaults(sc) {
    sc.reclaimPolicy ??= 'Delete';
    sc.volumeBindingMode ??= 'Immediate';
  },
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
      column('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
      column('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.'),
      column('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      AGE_COLUMN,
    ],
    row: (sc, now) => [
      isDefaultClass(sc.metadata) ? `${sc.metadata.name} (default)` : sc.metadata.name,
      sc.provisioner,
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      String(sc.allowVolumeExpansion ?? false),
      age(sc.metadata.creationTimestamp, now),
    ],
  },
});
