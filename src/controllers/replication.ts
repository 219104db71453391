// The replication manager (kube-controller-manager's pkg/controller/replication): ReplicationControllers
// kept by the ReplicaSet controller's sync, through an adapter that reads an RC as a ReplicaSet
// (its selector map becomes matchLabels, as kube's conversion does). Pods it creates are owned by
// the RC (kind ReplicationController, apiVersion v1), so adoption and garbage collection work as
// for ReplicaSets.
import { rcLabelSelector } from '../api/kinds/replicationcontroller.js';
import type { ReplicationController } from '../api/types.js';
import type { ControllerContext } from './context.js';
import { ReplicaSetController, type ReplicaKind } from './replicaset.js';

export const REPLICATION_CONTROLLER: ReplicaKind<ReplicationController> = {
  kind: 'ReplicationController',
  component: 'replication-controller',
  informer: (i) => i.replicationControllers,
  selector: rcLabelSelector,
};

export function replicationManager(ctx: ControllerContext, now?: () => Date): ReplicaSetController<ReplicationController> {
  return new ReplicaSetController(ctx, now, REPLICATION_CONTROLLER);
}
