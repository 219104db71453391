// PersistentVolume (core/v1): a piece of storage on this machine (a hostPath or local directory),
// cluster-scoped; bound to at most one claim through spec.claimRef. Its status.phase is the
// binder's (controllers/persistentvolume.ts). Block volumes and the network and cloud volume
// sources are Kubernetes fields k1s refuses as "not supported by k1s yet".
import { z } from 'zod';
import { age } from '../age.js';
import { forbidden, invalidValue, notSupportedYet, required, unsupported, type Errors } from '../field-errors.js';
import { objectBase, quantity, str, stringList } from '../fields.js';
import { accessModesString, classOf, validateAccessModes, validateClassName, validatePositiveQuantity } from '../storage.js';
import { deepEqual } from '../../store/canonical.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const objectReference = z.strictObject({
  kind: str.optional(),
  namespace: str.optional(),
  name: str.optional(),
  uid: str.optional(),
  apiVersion: str.optional(),
  resourceVersion: str.optional(),
  fieldPath: str.optional(),
});

const nodeSelectorRequirement = z.strictObject({
  key: str,
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
  values: stringList.optional(),
});

export const volumeNodeAffinity = z.strictObject({
  required: z
    .strictObject({
      nodeSelectorTerms: z.array(
        z.strictObject({ matchExpressions: z.array(nodeSelectorRequirement).optional(), matchFields: z.array(nodeSelectorRequirement).optional() }),
      ),
    })
    .optional(),
});

export const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'] as const;

export const persistentVolumeSchema = z.strictObject({
  ...objectBase('PersistentVolume'),
  spec: z.strictObject({
    capacity: z.record(z.string(), quantity).optional(),
    accessModes: stringList.optional(),
    persistentVolumeReclaimPolicy: str.optional(),
    storageClassName: str.optional(),
    claimRef: objectReference.optional(),
    hostPath: z.strictObject({ path: str, type: z.enum(HOST_PATH_TYPES).optional() }).optional(),
    local: z.strictObject({ path: str, fsType: str.optional() }).optional(),
    nodeAffinity: volumeNodeAffinity.optional(),
    volumeMode: str.optional(),
  }),
  status: z
    .strictObject({
      phase: z.enum(['Pending', 'Available', 'Bound', 'Released', 'Failed']).optional(),
      message: str.optional(),
      reason: str.optional(),
      lastPhaseTransitionTime: str.optional(),
    })
    .optional(),
});

export type PersistentVolume = Stored<z.output<typeof persistentVolumeSchema>>;
export type PersistentVolumePhase = NonNullable<NonNullable<PersistentVolume['status']>['phase']>;

/** SetDefaults_PersistentVolume (status is the registry's: see prepareForCreate). */
function defaultPersistentVolume(pv: PersistentVolume): void {
  pv.spec.persistentVolumeReclaimPolicy ??= 'Retain';
  pv.spec.volumeMode ??= 'Filesystem';
  if (pv.spec.hostPath) pv.spec.hostPath.type ??= '';
}

/** validatePathNoBacksteps */
function noBacksteps(errs: Errors, path: string, value: string): void {
  if (value.split('/').includes('..')) errs.push(invalidValue(path, value, "must not contain '..'"));
}

/** validateVolumeNodeAffinity: true when a required term is given. */
function validateNodeAffinity(errs: Errors, na: PersistentVolume['spec']['nodeAffinity'], path: string): boolean {
  if (!na) return false;
  if (!na.required) {
    errs.push(required(`${path}.required`, 'must specify required node constraints'));
    return false;
  }
  const terms = na.required.nodeSelectorTerms;
  if (!terms.length) errs.push(required(`${path}.required.nodeSelectorTerms`, 'must have at least one node selector term'));
  terms.forEach((t, i) => {
    (t.matchExpressions ?? []).forEach((e, j) => {
      const p = `${path}.required.nodeSelectorTerms[${i}].matchExpressions[${j}]`;
      const n = e.values?.length ?? 0;
      if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) errs.push(required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
      if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) errs.push(forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    });
  });
  return true;
}

/** ValidatePersistentVolumeSpec, for the sources k1s has (hostPath, local). */
export function validatePersistentVolume(pv: PersistentVolume): Errors {
  const errs: Errors = [];
  const spec = pv.spec;
  errs.push(...validateAccessModes(spec.accessModes, 'spec.accessModes'));

  const capacity = spec.capacity ?? {};
  if (Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  if (!Object.hasOwn(capacity, 'storage') || Object.keys(capacity).length > 1) errs.push(unsupported('spec.capacity', capacity, ['storage']));
  for (const [name, q] of Object.entries(capacity)) errs.push(...validatePositiveQuantity(q, `spec.capacity[${name}]`));

  const policy = spec.persistentVolumeReclaimPolicy;
  // Recycle (rm -rf of the volume's contents, deprecated in Kubernetes) is not implemented.
  if (policy === 'Recycle') errs.push(notSupportedYet('spec.persistentVolumeReclaimPolicy'));
  else if (policy && policy !== 'Delete' && policy !== 'Retain') errs.push(unsupported('spec.persistentVolumeReclaimPolicy', policy, ['Delete', 'Recycle', 'Retain']));

  const hasAffinity = validateNodeAffinity(errs, spec.nodeAffinity, 'spec.nodeAffinity');
  const sources = (['hostPath', 'local'] as const).filter((s) => spec[s] !== undefined);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  for (const s of sources.slice(1)) errs.push(forbidden(`spec.${s}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath) {
    if (!spec.hostPath.path) errs.push(required('spec.hostPath.path'));
    else noBacksteps(errs, 'spec.hostPath.path', spec.hostPath.path);
  }
  if (spec.local && sources[0] === 'local') {
    if (!spec.local.path) errs.push(required('spec.local.path'));
    else noBacksteps(errs, 'spec.local.path', spec.local.path);
    if (!hasAffinity) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  errs.push(...validateClassName(spec.storageClassName, 'spec.storageClassName'));
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  return errs;
}

/** Filesystem only: a Block volume needs a block device, which k1s does not hand to containers. */
export function validateVolumeMode(mode: string | undefined, path: string): Errors {
  if (mode === undefined || mode === 'Filesystem') return [];
  if (mode === 'Block') return [notSupportedYet(path)];
  return [unsupported(path, mode, ['Block', 'Filesystem'])];
}

/** ValidatePersistentVolumeUpdate: the source, volumeMode and a set nodeAffinity stay. */
function validatePersistentVolumeUpdate(next: PersistentVolume, prev: PersistentVolume): Errors {
  const errs: Errors = [];
  const source = (pv: PersistentVolume) => ({ hostPath: pv.spec.hostPath, local: pv.spec.local });
  if (!deepEqual(source(next), source(prev))) errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if (next.spec.volumeMode !== prev.spec.volumeMode) errs.push(invalidValue('volumeMode', next.spec.volumeMode, 'field is immutable'));
  if (prev.spec.nodeAffinity && !deepEqual(next.spec.nodeAffinity, prev.spec.nodeAffinity)) {
    errs.push(invalidValue('nodeAffinity', next.spec.nodeAffinity ?? null, 'field is immutable'));
  }
  return errs;
}

export const PersistentVolumeKind = defineKind<PersistentVolume>({
  kind: 'PersistentVolume',
  group: '',
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  schema: persistentVolumeSchema,
  subresources: ['status'],
  patchMergeKeys: META_PATCH_KEYS,
  // k8s.io/api/core/v1: accessModes `+listType=atomic`, claimRef `+structType=granular` (default)
  fieldTypes: { 'spec.accessModes': { list: 'atomic' } },
  defaults: defaultPersistentVolume,
  validate: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,
  // the persistentvolume strategy's PrepareForCreate: a new volume is Pending until the binder looks
  prepareForCreate(pv) {
    pv.status = { phase: 'Pending' };
  },
  printer: {
    columns: [
      NAME_COLUMN,
      column('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity'),
      column('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes'),
      column('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming'),
      column('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase'),
      column('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding'),
      column('StorageClass', 'string', 'StorageClass of the pv'),
      column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
      column('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
      AGE_COLUMN,
      column('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.', 1),
    ],
    row(pv, now) {
      const ref = pv.spec.claimRef;
      return [
        pv.metadata.name,
        pv.spec.capacity?.storage ?? '0',
        accessModesString(pv.spec.accessModes),
        pv.spec.persistentVolumeReclaimPolicy ?? '',
        pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? ''),
        ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
        classOf(pv),
        '<unset>',
        pv.status?.reason ?? '',
        age(pv.metadata.creationTimestamp, now),
        pv.spec.volumeMode ?? '<unset>',
      ];
    },
  },
});
