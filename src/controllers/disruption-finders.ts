// The disruption controller's finders (pkg/controller/disruption: finders()): from a pod's
// controller reference to the workload whose replicas a percentage budget counts. A ReplicaSet a
// Deployment controls counts as the Deployment; a lone ReplicaSet or a StatefulSet as itself; any
// other kind only if it has a /scale subresource: a ReplicationController (kube's first finder,
// getPodReplicationController, reads the same replicas), while a Job's or a DaemonSet's pods make
// such a budget fail, as kube's "does not implement the scale subresource".
// Pure: reads go through a lookup the controller backs with its informers.
import { byKind } from '../api/resources.js';
import type { AnyObject, OwnerReference } from '../api/types.js';
import { controllerOf } from './context.js';
import type { ControllerScale, ScaleFinder } from './disruption-budget.js';

/** What the finders read: an object of a kind by namespace and name, if it exists. */
export type Lookup = (kind: string, namespace: string, name: string) => AnyObject | undefined;

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** verifyGroupKind */
function isKind(ref: OwnerReference, kind: string, groups: readonly string[]): boolean {
  return ref.kind === kind && groups.includes(groupOf(ref.apiVersion));
}

type Finder = (ref: OwnerReference, ns: string, get: Lookup) => ControllerScale | undefined;

const replicasOf = (o: AnyObject): number => (o as { spec?: { replicas?: number } }).spec?.replicas ?? 1;

/** getPodDeployment: the Deployment behind the pod's ReplicaSet. */
const deploymentOfReplicaSet: Finder = (ref, ns, get) => {
  if (!isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) return undefined;
  const rs = get('ReplicaSet', ns, ref.name);
  if (!rs || rs.metadata.uid !== ref.uid) return undefined;
  const owner = controllerOf(rs);
  if (!owner || !isKind(owner, 'Deployment', ['apps', 'extensions'])) return undefined;
  const d = get('Deployment', ns, owner.name);
  if (!d || d.metadata.uid !== owner.uid) return undefined;
  return { uid: d.metadata.uid!, replicas: replicasOf(d) };
};

/** getPodReplicaSet: a ReplicaSet no Deployment controls. */
const replicaSet: Finder = (ref, ns, get) => {
  if (!isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) return undefined;
  const rs = get('ReplicaSet', ns, ref.name);
  if (!rs || rs.metadata.uid !== ref.uid) return undefined;
  if (controllerOf(rs)?.kind === 'Deployment') return undefined;
  return { uid: rs.metadata.uid!, replicas: replicasOf(rs) };
};

/** getPodStatefulSet */
const statefulSet: Finder = (ref, ns, get) => {
  if (!isKind(ref, 'StatefulSet', ['apps'])) return undefined;
  const ss = get('StatefulSet', ns, ref.name);
  if (!ss || ss.metadata.uid !== ref.uid) return undefined;
  return { uid: ss.metadata.uid!, replicas: replicasOf(ss) };
};

/**
 * getScaleController: any kind with a /scale subresource. A kind k1s does not serve is the REST
 * mapper's error; one without /scale is refused as kube refuses it.
 */
const scaleSubresource: Finder = (ref, ns, get) => {
  const group = groupOf(ref.apiVersion);
  const r = byKind(ref.kind);
  if (!r || r.group !== group) throw new Error(`no matches for kind ${JSON.stringify(ref.kind)} in version ${JSON.stringify(ref.apiVersion)}`);
  if (!r.subresources.includes('scale')) throw new Error(`${r.group ? `${r.resource}.${r.group}` : r.resource} does not implement the scale subresource`);
  const target = get(r.kind, ns, ref.name);
  if (!target || target.metadata.uid !== ref.uid) return undefined;
  return { uid: target.metadata.uid!, replicas: replicasOf(target) };
};

const FINDERS: readonly Finder[] = [deploymentOfReplicaSet, replicaSet, statefulSet, scaleSubresource];

/** The finders in kube's order over a lookup: the first that finds the controller answers. */
export function scaleFinder(get: Lookup): ScaleFinder {
  return (ref, ns) => {
    for (const find of FINDERS) {
      const found = find(ref, ns, get);
      if (found) return found;
    }
    return undefined;
  };
}
