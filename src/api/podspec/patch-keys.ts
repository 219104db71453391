// The strategic merge patch facts of a pod spec (the patchStrategy/patchMergeKey tags of
// k8s.io/api/core/v1 types.go), under a prefix: 'spec' for a Pod, 'spec.template.spec' for the
// template of a workload. `kubectl apply` and `kubectl set image` patch containers by name.
import type { FieldType, PatchFieldMeta } from '../kinds/kind.js';

export function podSpecPatchKeys(prefix: string): Record<string, PatchFieldMeta> {
  const keys: Record<string, PatchFieldMeta> = {
    volumes: { strategy: 'merge,retainKeys', mergeKey: 'name' },
    imagePullSecrets: { strategy: 'merge', mergeKey: 'name' },
    hostAliases: { strategy: 'merge', mergeKey: 'ip' },
    topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
    schedulingGates: { strategy: 'merge', mergeKey: 'name' },
    resourceClaims: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  };
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    keys[list] = { strategy: 'merge', mergeKey: 'name' };
    keys[`${list}.ports`] = { strategy: 'merge', mergeKey: 'containerPort' };
    keys[`${list}.env`] = { strategy: 'merge', mergeKey: 'name' };
    keys[`${list}.volumeMounts`] = { strategy: 'merge', mergeKey: 'mountPath' };
    keys[`${list}.volumeDevices`] = { strategy: 'merge', mergeKey: 'devicePath' };
  }
  return Object.fromEntries(Object.entries(keys).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/**
 * Where server-side apply keys a pod spec's lists differently from their patch merge key
 * (k8s.io/api/core/v1: `+listType=map +listMapKey=containerPort +listMapKey=protocol`, protocol
 * defaulting to TCP; topologySpreadConstraints by topologyKey and whenUnsatisfiable), under the same prefix.
 */
export function podSpecFieldTypes(prefix: string): Record<string, FieldType> {
  const ports: FieldType = { list: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } };
  return {
    ...Object.fromEntries(['containers', 'initContainers', 'ephemeralContainers'].map((list) => [`${prefix}.${list}.ports`, ports])),
    // +listType=map keyed by both; a LabelSelector and a NodeSelector are +structType=atomic
    [`${prefix}.topologySpreadConstraints`]: { list: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] },
    [`${prefix}.topologySpreadConstraints.labelSelector`]: { map: 'atomic' },
    [`${prefix}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`]: { map: 'atomic' },
  };
}
