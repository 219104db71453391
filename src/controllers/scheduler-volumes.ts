// The scheduler's VolumeBinding plugin, for one node: a pod whose claims are all bound may be
// bound; a claim of a WaitForFirstConsumer class is told the node (volume.kubernetes.io/
// selected-node), so the provisioner makes its volume there, and the pod waits until it is bound;
// a missing claim, or an unbound claim of an Immediate class, keeps the pod Pending with kube's
// FailedScheduling message.
import { ANN, classOf } from '../api/storage.js';
import type { PersistentVolumeClaim, Pod, StorageClass } from '../api/types.js';

export type VolumeCheck =
  | { ok: true }
  /** message: a FailedScheduling event's; select: claims to annotate with the node */
  | { ok: false; message?: string; select: PersistentVolumeClaim[] };

/** The claims a pod's volumes name (spec.volumes[].persistentVolumeClaim.claimName). */
export function claimNamesOf(pod: Pod): string[] {
  const names: string[] = [];
  for (const v of pod.spec.volumes ?? []) {
    // read loosely: the volume source is the node agent's to add to the pod schema
    const name = (v as { persistentVolumeClaim?: { claimName?: string } }).persistentVolumeClaim?.claimName;
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

const isBound = (c: PersistentVolumeClaim) => !!c.spec.volumeName && c.metadata.annotations?.[ANN.bindCompleted] !== undefined;

export function checkPodVolumes(
  pod: Pod,
  claimOf: (name: string) => PersistentVolumeClaim | undefined,
  classes: readonly StorageClass[],
  nodeName: string,
): VolumeCheck {
  const select: PersistentVolumeClaim[] = [];
  let waiting = false;
  for (const name of claimNamesOf(pod)) {
    const claim = claimOf(name);
    const fail = (why: string): VolumeCheck => ({ ok: false, message: `0/1 nodes are available: ${why}.`, select: [] });
    if (!claim) return fail(`persistentvolumeclaim "${name}" not found`);
    if (claim.metadata.deletionTimestamp) return fail(`persistentvolumeclaim "${name}" is being deleted`);
    if (isBound(claim)) continue;
    const cls = classes.find((c) => c.metadata.name === classOf(claim));
    if (cls?.volumeBindingMode !== 'WaitForFirstConsumer') return fail('pod has unbound immediate PersistentVolumeClaims');
    waiting = true;
    if (claim.metadata.annotations?.[ANN.selectedNode] !== nodeName) select.push(claim);
  }
  return waiting ? { ok: false, select } : { ok: true };
}
