// persistentVolumeClaim volumes: the claim must be Bound; its PersistentVolume's hostPath or local
// path is what gets bound into the container. A missing or unbound claim fails the mount, so the
// pod waits in ContainerCreating and the next sync tries again.
import { VolumeError, type VolumeSources } from './types.js';

export interface ClaimedPath {
  path: string;
  /** The PV's hostPath type, checked like a hostPath volume's. */
  type?: string;
  /** local volumes must exist; a hostPath PV without a type is created by Docker as kube's runtimes do. */
  mustExist: boolean;
}

export function resolveClaim(api: VolumeSources, namespace: string, claimName: string): ClaimedPath {
  const claim = api.persistentVolumeClaim(namespace, claimName);
  if (!claim) throw new VolumeError(`persistentvolumeclaim "${claimName}" not found`);
  const pvName = claim.spec.volumeName;
  if (claim.status?.phase !== 'Bound' || !pvName) throw new VolumeError(`persistentvolumeclaim "${claimName}" is not bound`);
  const pv = api.persistentVolume(pvName);
  if (!pv) throw new VolumeError(`persistentvolume "${pvName}" not found`);
  if (pv.spec.hostPath?.path) return { path: pv.spec.hostPath.path, type: pv.spec.hostPath.type, mustExist: false };
  if (pv.spec.local?.path) return { path: pv.spec.local.path, mustExist: true };
  throw new VolumeError(`persistentvolume "${pvName}": only hostPath and local volumes are supported by k1s`);
}
