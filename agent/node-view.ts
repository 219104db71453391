// How the agent sees the rest of k1s: the kubelet's view of the API. It reads the pods bound to
// its node and the objects those pods refer to (ConfigMaps, Secrets, claims and their volumes,
// Services for the service links), hears about each change of one of them, and writes back only what a kubelet writes:
// pod status, events, and the final deletion of a pod whose containers are gone.
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, PodStatus, Secret, Service } from '../src/api/types.js';

export type ViewKind = 'Pod' | 'ConfigMap' | 'Secret';

export interface ViewChange {
  kind: ViewKind;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object after the change (the last state seen, for DELETED). */
  object: Pod | ConfigMap | Secret;
  old?: Pod | ConfigMap | Secret;
}

export interface NodeView {
  /** Every pod bound to this node. */
  pods(): Pod[];
  pod(uid: string): Pod | undefined;
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  persistentVolumeClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  persistentVolume(name: string): PersistentVolume | undefined;
  /** The Services of a namespace, for the environment variables of the service links. */
  services(namespace: string): Service[];
  /** `cb` hears each change of a pod bound here, a ConfigMap or a Secret; returns an unsubscribe function. */
  onChange(cb: (change: ViewChange) => void): () => void;
  /** Write the pod's status (the implementation skips the write when it is equal). */
  updatePodStatus(pod: Pod, status: PodStatus): Promise<void>;
  /** The kubelet's last word on a terminating pod whose containers are gone: delete it now
   * (grace period 0, only this uid). */
  deletePod(pod: Pod): Promise<void>;
  /** kubelet reasons: Pulling, Pulled, Failed, BackOff, Created, Started, Killing, Unhealthy, FailedMount... */
  recordEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** A pod's own view key: pods are found by uid, as the kubelet's pod manager does. */
export function podUid(pod: Pod): string {
  return pod.metadata.uid ?? '';
}
