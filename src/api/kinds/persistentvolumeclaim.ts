// PersistentVolumeClaim (core/v1): a namespace's request for storage, bound by the binder
// (controllers/persistentvolume.ts) to one PersistentVolume, provisioned on demand by its
// StorageClass. Its spec is immutable once created but for volumeName (set once, by the binder),
// a first storageClassName and, on a bound claim whose class allows it, a larger storage request.
import { z } from 'zod';
import { age } from '../age.js';
import { forbidden as forbiddenError } from '../errors.js';
import { forbidden, required, type Errors } from '../field-errors.js';
import { labelSelector, objectBase, quantity, str, stringList } from '../fields.js';
import { validateLabelSelector } from '../meta-validation.js';
import { ANN, accessModesString, classOf, isDefaultClass, storageBytes, validateAccessModes, validateClassName, validatePositiveQuantity } from '../storage.js';
import { deepEqual } from '../../store/canonical.js';
import { validateVolumeMode } from './persistentvolume.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type AdmissionReader, type Stored } from './kind.js';
import type { StorageClass } from './storageclass.js';

export const persistentVolumeClaimSchema = z.strictObject({
  ...objectBase('PersistentVolumeClaim'),
  spec: z.strictObject({
    accessModes: stringList.optional(),
    selector: labelSelector.optional(),
    resources: z.strictObject({ requests: z.record(z.string(), quantity).optional() }).optional(),
    volumeName: str.optional(),
    storageClassName: str.optional(),
    volumeMode: str.optional(),
  }),
  status: z
    .strictObject({
      phase: z.enum(['Pending', 'Bound', 'Lost']).optional(),
      accessModes: stringList.optional(),
      capacity: z.record(z.string(), quantity).optional(),
    })
    .optional(),
});

export type PersistentVolumeClaim = Stored<z.output<typeof persistentVolumeClaimSchema>>;
export type ClaimPhase = NonNullable<NonNullable<PersistentVolumeClaim['status']>['phase']>;

/** ValidatePersistentVolumeClaimSpec */
export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): Errors {
  const spec = pvc.spec;
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const storage = spec.resources?.requests?.storage;
  // kube's path: fldPath.Child("resources").Key("storage")
  if (storage === undefined) errs.push(required('spec.resources[storage]'));
  else errs.push(...validatePositiveQuantity(storage, 'spec.resources[storage]'));
  errs.push(...validateClassName(spec.storageClassName, 'spec.storageClassName'));
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  return errs;
}

/** ValidatePersistentVolumeClaimUpdate (prev.status is the stored one: see prepareForUpdate). */
export function validatePersistentVolumeClaimUpdate(next: PersistentVolumeClaim, prev: PersistentVolumeClaim): Errors {
  const errs: Errors = [];
  const newSpec = structuredClone(next.spec);
  const oldSpec = structuredClone(prev.spec);
  // the binder sets volumeName once
  if (!oldSpec.volumeName) oldSpec.volumeName = newSpec.volumeName;
  // a claim created before a default class existed may be given a class once
  const beta = prev.metadata.annotations?.[ANN.betaStorageClass];
  if (oldSpec.storageClassName === undefined && newSpec.storageClassName !== undefined && (beta === undefined || beta === newSpec.storageClassName)) {
    oldSpec.storageClassName = newSpec.storageClassName;
  }
  // a bound claim may ask for more (PersistentVolumeClaimResize admission decides whether it gets it)
  if (prev.status?.phase === 'Bound') {
    const requests = { ...(newSpec.resources?.requests ?? {}) };
    if (prev.spec.resources?.requests?.storage === undefined) delete requests.storage;
    else requests.storage = prev.spec.resources.requests.storage;
    newSpec.resources = { ...newSpec.resources, requests };
  }
  if (!deepEqual(newSpec, oldSpec)) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  if (storageBytes(next.spec.resources?.requests?.storage) < storageBytes(prev.spec.resources?.requests?.storage)) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  if (next.spec.volumeMode !== prev.spec.volumeMode) errs.push({ path: 'volumeMode', message: `Invalid value: ${JSON.stringify(next.spec.volumeMode ?? null)}: field is immutable` });
  return errs;
}

/** storageutil.GetDefaultClass: of several default classes the newest wins (then the name). */
export function defaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  return classes
    .filter((c) => isDefaultClass(c.metadata))
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name))[0];
}

/**
 * Two admission plugins of kube-apiserver that read StorageClasses. DefaultStorageClass: a claim
 * created with no class at all (not "", which asks for none) gets the default class.
 * PersistentVolumeClaimResize: a larger request needs a bound claim whose class allows expansion.
 */
export function admitPersistentVolumeClaim(pvc: PersistentVolumeClaim, read: AdmissionReader, old?: PersistentVolumeClaim): void {
  const classes = () => read.list('StorageClass') as StorageClass[];
  if (!old) {
    if (pvc.spec.storageClassName === undefined && pvc.metadata.annotations?.[ANN.betaStorageClass] === undefined) {
      const def = defaultClass(classes());
      if (def) pvc.spec.storageClassName = def.metadata.name;
    }
    return;
  }
  const newSize = storageBytes(pvc.spec.resources?.requests?.storage);
  const oldSize = storageBytes(old.spec.resources?.requests?.storage);
  if (!(newSize > oldSize)) return;
  const refuse = (why: string) => forbiddenError('persistentvolumeclaims', pvc.metadata.name, why);
  if (old.status?.phase !== 'Bound') throw refuse('Only bound persistent volume claims can be expanded');
  const name = classOf(pvc);
  const cls = name && name === classOf(old) ? classes().find((c) => c.metadata.name === name) : undefined;
  if (!cls?.allowVolumeExpansion) {
    throw refuse('only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  }
}

export const PersistentVolumeClaimKind = defineKind<PersistentVolumeClaim>({
  kind: 'PersistentVolumeClaim',
  group: '',
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  schema: persistentVolumeClaimSchema,
  subresources: ['status'],
  patchMergeKeys: META_PATCH_KEYS,
  fieldTypes: { 'spec.selector': { map: 'atomic' } },
  defaults(pvc) {
    pvc.spec.volumeMode ??= 'Filesystem';
  },
  validate: validatePersistentVolumeClaim,
  validateUpdate: validatePersistentVolumeClaimUpdate,
  // SetDefaults_PersistentVolumeClaim: phase Pending, which kube applies on every read
  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' };
  },
  // the update strategy compares against the stored status (bound or not), not the client's copy
  prepareForUpdate(next, prev) {
    next.status = prev.status;
  },
  admit: admitPersistentVolumeClaim,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
      column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
      column('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
      column('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1'),
      column('StorageClass', 'string', 'StorageClass of the pvc'),
      column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
      AGE_COLUMN,
      column('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', 1),
    ],
    row(pvc, now) {
      const bound = !!pvc.spec.volumeName;
      return [
        pvc.metadata.name,
        pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
        pvc.spec.volumeName ?? '',
        bound ? (pvc.status?.capacity?.storage ?? '0') : '',
        bound ? accessModesString(pvc.status?.accessModes) : '',
        classOf(pvc),
        '<unset>',
        age(pvc.metadata.creationTimestamp, now),
        pvc.spec.volumeMode ?? '<unset>',
      ];
    },
  },
});
