// The decisions of Kubernetes' PersistentVolume controller (pkg/controller/volume/persistentvolume:
// syncClaim, syncVolume, findMatchingVolume, bind) and of the local-path provisioner, as pure
// functions of the objects they look at. controllers/persistentvolume.ts carries them out.
import { join, resolve } from 'node:path';
import { fromLabelSelector, matches } from '../api/labels.js';
import { ANN, LOCAL_PATH_PROVISIONER, classOf, storageBytes } from '../api/storage.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What one sync of a claim does. */
export type ClaimAction =
  /** nothing to change (an event may still be recorded) */
  | { type: 'wait'; event?: EventSpec; annotations?: Record<string, string> }
  /** bind the claim and this volume to each other (every step that is not done yet) */
  | { type: 'bind'; volume: PersistentVolume }
  /** make this volume (the local-path provisioner), then bind */
  | { type: 'provision'; volume: PersistentVolume; directory: string }
  /** the claim's volume is gone or bound elsewhere */
  | { type: 'lost'; event: EventSpec };

/** What one sync of a volume does. */
export type VolumeAction =
  | { type: 'none' }
  | { type: 'phase'; phase: 'Available' | 'Bound' | 'Released' | 'Failed'; event?: EventSpec }
  /** forget a claim the binder chose that has since bound elsewhere */
  | { type: 'unbind' }
  /** reclaim policy Delete on a volume the local-path provisioner made: its directory, then it */
  | { type: 'delete'; directory: string };

export interface BinderConfig {
  nodeName: string;
  /** <data dir>/storage: where local-path volumes live */
  storageDir: string;
}

const PV_CONTROLLER = 'persistentvolume-controller';
export { PV_CONTROLLER };

/** The claimRef a volume bound to this claim carries. */
export function claimRefOf(claim: PersistentVolumeClaim): NonNullable<PersistentVolume['spec']['claimRef']> {
  return {
    kind: 'PersistentVolumeClaim',
    namespace: claim.metadata.namespace,
    name: claim.metadata.name,
    uid: claim.metadata.uid,
    apiVersion: 'v1',
    resourceVersion: claim.metadata.resourceVersion,
  };
}

/** IsVolumeBoundToClaim: the ref names the claim (and its uid, when the ref has one). */
export function isBoundTo(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec.claimRef;
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Why the volume cannot serve the claim, or undefined (checkVolumeSatisfyClaim). */
export function mismatch(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  const request = storageBytes(claim.spec.resources?.requests?.storage);
  const capacity = storageBytes(volume.spec.capacity?.storage);
  if (!(capacity >= request)) return 'requested PV is too small';
  if (classOf(volume) !== classOf(claim)) return 'storageClassName does not match';
  if ((volume.spec.volumeMode ?? 'Filesystem') !== (claim.spec.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  const modes = volume.spec.accessModes ?? [];
  if (!(claim.spec.accessModes ?? []).every((m) => modes.includes(m))) return 'incompatible accessMode';
  return undefined;
}

/** A volume's node affinity admits this node (k1s has one: kubernetes.io/hostname is its name). */
export function fitsNode(volume: PersistentVolume, nodeName: string): boolean {
  const terms = volume.spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  const labels: Record<string, string> = { 'kubernetes.io/hostname': nodeName };
  return terms.some((t) =>
    (t.matchExpressions ?? []).every((e) => {
      const v = labels[e.key];
      switch (e.operator) {
        case 'In':
          return v !== undefined && (e.values ?? []).includes(v);
        case 'NotIn':
          return v === undefined || !(e.values ?? []).includes(v);
        case 'Exists':
          return v !== undefined;
        case 'DoesNotExist':
          return v === undefined;
        default:
          return false;
      }
    }) && !(t.matchFields ?? []).some((f) => f.key === 'metadata.name' && f.operator === 'In' && !(f.values ?? []).includes(nodeName)),
  );
}

/**
 * findMatchingVolume: a volume already pre-bound to the claim wins; otherwise the smallest free
 * volume of the claim's class, volume mode and access modes, large enough, matching the claim's
 * selector and this node. Volumes being deleted, or bound to another claim, are skipped.
 */
export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], nodeName: string): PersistentVolume | undefined {
  const selector = claim.spec.selector ? fromLabelSelector(claim.spec.selector) : undefined;
  let best: PersistentVolume | undefined;
  for (const v of volumes) {
    if (v.metadata.deletionTimestamp || mismatch(v, claim) || !fitsNode(v, nodeName)) continue;
    if (v.spec.claimRef) {
      if (isBoundTo(v, claim)) return v;
      continue;
    }
    // as kube: only Available volumes are offered (a Pending one is offered once its sync says so)
    if (v.status?.phase !== 'Available') continue;
    if (selector && !matches(selector, v.metadata.labels ?? {})) continue;
    if (!best || storageBytes(v.spec.capacity?.storage) < storageBytes(best.spec.capacity?.storage)) best = v;
  }
  return best;
}

/** The directory the local-path provisioner gives a claim: <storage>/pvc-<uid>_<namespace>_<name>. */
export function volumeDirectory(storageDir: string, claim: PersistentVolumeClaim): string {
  return join(storageDir, `pvc-${claim.metadata.uid}_${claim.metadata.namespace}_${claim.metadata.name}`);
}

/** The volume the local-path provisioner makes for a claim, already carrying its claimRef. */
export function provisionedVolume(claim: PersistentVolumeClaim, cls: StorageClass, cfg: BinderConfig): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: `pvc-${claim.metadata.uid}`,
      annotations: { [ANN.provisionedBy]: cls.provisioner, 'local.path.provisioner/selected-node': cfg.nodeName },
    },
    spec: {
      capacity: { storage: claim.spec.resources!.requests!.storage },
      accessModes: [...(claim.spec.accessModes ?? [])],
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      storageClassName: cls.metadata.name,
      claimRef: claimRefOf(claim),
      hostPath: { path: volumeDirectory(cfg.storageDir, claim), type: 'DirectoryOrCreate' },
      nodeAffinity: {
        required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [cfg.nodeName] }] }] },
      },
      volumeMode: claim.spec.volumeMode ?? 'Filesystem',
    },
  };
}

const externalProvisioning = (provisioner: string): EventSpec => ({
  type: 'Normal',
  reason: 'ExternalProvisioning',
  message: `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
});

/** syncClaim: what the binder (and, for local-path classes, the provisioner) does with a claim. */
export function decideClaim(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], classes: readonly StorageClass[], cfg: BinderConfig): ClaimAction {
  const volumeName = claim.spec.volumeName;
  const bindCompleted = claim.metadata.annotations?.[ANN.bindCompleted] !== undefined;

  if (volumeName && bindCompleted) {
    // syncBoundClaim
    const volume = volumes.find((v) => v.metadata.name === volumeName);
    if (!volume) return { type: 'lost', event: { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' } };
    if (!volume.spec.claimRef || isBoundTo(volume, claim)) return { type: 'bind', volume };
    return { type: 'lost', event: { type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' } };
  }

  if (volumeName) {
    // the user asked for this volume by name
    const volume = volumes.find((v) => v.metadata.name === volumeName);
    if (!volume) return { type: 'wait', event: { type: 'Normal', reason: 'FailedBinding', message: `volume "${volumeName}" not found` } };
    if (volume.spec.claimRef && !isBoundTo(volume, claim)) {
      return { type: 'wait', event: { type: 'Warning', reason: 'FailedBinding', message: `volume "${volumeName}" already bound to a different claim.` } };
    }
    const why = mismatch(volume, claim);
    if (why) return { type: 'wait', event: { type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${volumeName}": ${why}` } };
    return { type: 'bind', volume };
  }

  const className = classOf(claim);
  const cls = className ? classes.find((c) => c.metadata.name === className) : undefined;
  // WaitForFirstConsumer: nothing binds until the scheduler has picked a node for a pod using it
  const delayed = cls?.volumeBindingMode === 'WaitForFirstConsumer' && !claim.metadata.annotations?.[ANN.selectedNode];
  if (!delayed) {
    const match = findMatchingVolume(claim, volumes, cfg.nodeName);
    if (match) return { type: 'bind', volume: match };
  } else {
    // a volume pre-bound to this claim is bound at once, even for a delayed class
    const pre = volumes.find((v) => v.spec.claimRef && isBoundTo(v, claim));
    if (pre) return { type: 'bind', volume: pre };
    return { type: 'wait', event: { type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' } };
  }
  if (!className) {
    return { type: 'wait', event: { type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' } };
  }
  if (!cls) {
    return { type: 'wait', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${className}" not found` } };
  }
  const annotations = { [ANN.storageProvisioner]: cls.provisioner, [ANN.betaStorageProvisioner]: cls.provisioner };
  if (cls.provisioner !== LOCAL_PATH_PROVISIONER) return { type: 'wait', event: externalProvisioning(cls.provisioner), annotations };
  if (claim.spec.selector) {
    return { type: 'wait', event: { type: 'Warning', reason: 'ProvisioningFailed', message: 'claim.Spec.Selector is not supported for dynamic provisioning' }, annotations };
  }
  const volume = provisionedVolume(claim, cls, cfg);
  return { type: 'provision', volume, directory: volume.spec.hostPath!.path };
}

/** The volume as bound to the claim: claimRef set (marked as the binder's if it set it). */
export function boundVolume(volume: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume {
  if (isBoundTo(volume, claim) && volume.spec.claimRef?.uid) return volume;
  const annotations = volume.spec.claimRef ? volume.metadata.annotations : { ...volume.metadata.annotations, [ANN.boundByController]: 'yes' };
  return { ...volume, metadata: { ...volume.metadata, annotations }, spec: { ...volume.spec, claimRef: claimRefOf(claim) } };
}

/** The claim as bound to the volume: volumeName and the binder's annotations. */
export function boundClaim(claim: PersistentVolumeClaim, volume: PersistentVolume): PersistentVolumeClaim {
  const annotations: Record<string, string> = { ...claim.metadata.annotations, [ANN.bindCompleted]: 'yes' };
  if (claim.spec.volumeName !== volume.metadata.name) annotations[ANN.boundByController] = 'yes';
  return { ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName: volume.metadata.name } };
}

/** The claim's status once bound: Bound, with the volume's capacity and access modes. */
export function boundClaimStatus(volume: PersistentVolume): NonNullable<PersistentVolumeClaim['status']> {
  return { phase: 'Bound', accessModes: [...(volume.spec.accessModes ?? [])], capacity: { ...volume.spec.capacity } };
}

export const sameClaimStatus = (a: PersistentVolumeClaim['status'], b: PersistentVolumeClaim['status']) => deepEqual(a ?? {}, b ?? {});

/**
 * The directory of a volume the local-path provisioner made, if it may be removed: the volume
 * says so (provisioned-by) and the path is a pvc-* entry directly under the storage directory,
 * so no hand-made hostPath volume can get anything else deleted.
 */
export function deletableDirectory(volume: PersistentVolume, storageDir: string): string | undefined {
  if (volume.metadata.annotations?.[ANN.provisionedBy] !== LOCAL_PATH_PROVISIONER) return undefined;
  const path = volume.spec.hostPath?.path;
  if (!path) return undefined;
  const base = resolve(storageDir);
  const full = resolve(path);
  const name = full.slice(base.length + 1);
  if (!full.startsWith(`${base}/`) || name.includes('/') || !name.startsWith('pvc-')) return undefined;
  return full;
}

/** syncVolume: a volume's phase from its claim, and reclaiming it once its claim is gone. */
export function decideVolume(volume: PersistentVolume, claims: readonly PersistentVolumeClaim[], cfg: BinderConfig): VolumeAction {
  const phase = volume.status?.phase;
  const want = (p: 'Available' | 'Bound' | 'Released' | 'Failed', event?: EventSpec): VolumeAction => (phase === p ? { type: 'none' } : { type: 'phase', phase: p, event });
  if (volume.metadata.deletionTimestamp) return { type: 'none' };
  const ref = volume.spec.claimRef;
  if (!ref) return want('Available');
  const claim = claims.find((c) => c.metadata.namespace === ref.namespace && c.metadata.name === ref.name);
  if (!ref.uid) {
    // pre-bound by its author to a claim by name: offered to that claim only
    return claim?.spec.volumeName === volume.metadata.name ? want('Bound') : want('Available');
  }
  if (!claim || claim.metadata.uid !== ref.uid) {
    // the claim is gone: release, then reclaim
    if (phase === 'Failed') return { type: 'none' };
    if (phase !== 'Released') return { type: 'phase', phase: 'Released' };
    if (volume.spec.persistentVolumeReclaimPolicy !== 'Delete') return { type: 'none' };
    const directory = deletableDirectory(volume, cfg.storageDir);
    if (directory) return { type: 'delete', directory };
    return {
      type: 'phase',
      phase: 'Failed',
      event: { type: 'Warning', reason: 'VolumeFailedDelete', message: `error getting deleter volume plugin for volume "${volume.metadata.name}": no deletable volume plugin matched` },
    };
  }
  if (!claim.spec.volumeName) return { type: 'none' }; // the claim's sync finishes the binding
  if (claim.spec.volumeName === volume.metadata.name) return want('Bound');
  // the claim bound another volume: a binding the controller made is undone, a user's kept
  return volume.metadata.annotations?.[ANN.boundByController] ? { type: 'unbind' } : { type: 'none' };
}
