// What the volume manager reads from the API, and what it hands back to the pod worker.
import type { ConfigMap, Secret } from '../../src/api/types.js';

/** The part of a PersistentVolumeClaim the volume manager reads (no dependency on the kind module). */
export interface ClaimLike {
  spec: { volumeName?: string };
  status?: { phase?: string };
}

/** The part of a PersistentVolume the volume manager reads: the host directory it stands for. */
export interface PersistentVolumeLike {
  spec: { hostPath?: { path: string; type?: string }; local?: { path: string } };
}

/**
 * The API objects volumes are made from, as the kubelet's configmap/secret managers serve them:
 * a synchronous read of the agent's informer caches. undefined means "not found".
 */
export interface VolumeSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  persistentVolumeClaim(namespace: string, name: string): ClaimLike | undefined;
  persistentVolume(name: string): PersistentVolumeLike | undefined;
}

/** One entry of Docker's HostConfig.Binds: `host:containerPath` or `host:containerPath:ro`. */
export type DockerBind = string;

/**
 * A failed setUp says why as the kubelet would: FailedMount (an event, and the pod waits in
 * ContainerCreating: the object may appear later) or CreateContainerConfigError (a subPath the
 * kubelet refuses while building the container's mounts).
 */
export type SetUpResult =
  | { ok: true; mounts(containerName: string): DockerBind[] }
  | { ok: false; reason: 'FailedMount' | 'CreateContainerConfigError'; volume: string; message: string };

/** Node capacity the downward API and memory-backed volumes default to (kubelet: node allocatable). */
export interface NodeAllocatable {
  cpuCores: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

/** An error whose message is shown to the user as is (event text), as kube's volume plugins return. */
export class VolumeError extends Error {
  override name = 'VolumeError';
}
