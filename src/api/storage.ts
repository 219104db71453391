// What PersistentVolume, PersistentVolumeClaim and StorageClass share: access modes, the
// annotations Kubernetes' volume binder and provisioners write, and the field checks that
// pkg/apis/core/validation applies to both sides of a binding.
import { each, forbidden, invalidValue, required, unsupported, type Errors } from './field-errors.js';
import { isDNS1123Subdomain } from './names.js';
import { parseQuantity, quantityError } from './quantity.js';

export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** kube's supported sets are sets.List'ed (sorted) in its messages. */
const SORTED_ACCESS_MODES = [...ACCESS_MODES].sort();

/** The annotations of pkg/controller/volume/persistentvolume/util and of the provisioners. */
export const ANN = {
  /** on a claim: the binder finished binding it (kube's pv.kubernetes.io/bind-completed) */
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  /** on a claim or volume: the binder, not the user, set volumeName / claimRef */
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  /** on a volume: which provisioner made it (and may delete it) */
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  /** on a claim: the provisioner expected to provision it */
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  /** on a claim of a WaitForFirstConsumer class: the node the scheduler picked for its first pod */
  selectedNode: 'volume.kubernetes.io/selected-node',
  /** the storage class before spec.storageClassName existed; still read first by kube */
  betaStorageClass: 'volume.beta.kubernetes.io/storage-class',
  /** on a StorageClass: the class claims without one get (DefaultStorageClass admission) */
  isDefaultClass: 'storageclass.kubernetes.io/is-default-class',
  betaIsDefaultClass: 'storageclass.beta.kubernetes.io/is-default-class',
} as const;

/** k3s's local-path provisioner, whose name k1s answers to so that k3s manifests work unchanged. */
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';

/** GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order, each once. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const short: Record<AccessMode, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
  return ACCESS_MODES.filter((m) => modes?.includes(m)).map((m) => short[m]).join(',');
}

/** storageutil.IsDefaultAnnotation: the GA or the beta annotation, "true". */
export function isDefaultClass(meta: { annotations?: Record<string, string> }): boolean {
  const a = meta.annotations ?? {};
  return a[ANN.isDefaultClass] === 'true' || a[ANN.betaIsDefaultClass] === 'true';
}

/** GetPersistentVolumeClaimClass / GetPersistentVolumeClass: the beta annotation wins, then the field, else "". */
export function classOf(obj: { metadata: { annotations?: Record<string, string> }; spec: { storageClassName?: string } }): string {
  return obj.metadata.annotations?.[ANN.betaStorageClass] ?? obj.spec.storageClassName ?? '';
}

/** The bytes of a storage quantity; NaN when it does not parse (validation reports it). */
export function storageBytes(q: string | undefined): number {
  if (q === undefined) return NaN;
  try {
    return parseQuantity(q);
  } catch {
    return NaN;
  }
}

/** accessModes of a volume or claim spec: one at least (claims say why), known, RWOP alone. */
export function validateAccessModes(modes: readonly string[] | undefined, path: string, requiredDetail?: string): Errors {
  const errs: Errors = [];
  if (!modes?.length) errs.push(required(path, requiredDetail));
  let rwop = false;
  let other = false;
  for (const m of modes ?? []) {
    if (!(ACCESS_MODES as readonly string[]).includes(m)) errs.push(unsupported(path, m, SORTED_ACCESS_MODES));
    else if (m === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

/** ValidatePositiveQuantityValue plus the quantity's own syntax. */
export function validatePositiveQuantity(q: string, path: string): Errors {
  const bad = quantityError(q);
  if (bad) return [invalidValue(path, q, bad)];
  return parseQuantity(q) > 0 ? [] : [invalidValue(path, q, 'must be greater than zero')];
}

/** ValidateClassName: a storage class name is a DNS-1123 subdomain. */
export function validateClassName(name: string | undefined, path: string): Errors {
  return name ? each(path, name, isDNS1123Subdomain(name)) : [];
}

export const VOLUME_MODES = ['Block', 'Filesystem'] as const;
