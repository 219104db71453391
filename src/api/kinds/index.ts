// The table of kinds k1s serves. Order matters where a list is walked: discovery lists them in
// this order, and deleting a namespace empties it in this order (workloads first, so their
// controllers do not recreate pods while it empties).
import { ConfigMapKind } from './configmap.js';
import { CronJobKind } from './cronjob.js';
import { ControllerRevisionKind } from './controllerrevision.js';
import { DaemonSetKind } from './daemonset.js';
import { DeploymentKind } from './deployment.js';
import { EndpointsKind } from './endpoints.js';
import { EndpointSliceKind } from './endpointslice.js';
import { EventKind } from './event.js';
import { JobKind } from './job.js';
import { HorizontalPodAutoscalerKind } from './horizontalpodautoscaler.js';
import { IngressKind } from './ingress.js';
import { IngressClassKind } from './ingressclass.js';
import type { KindDef, KubeObject } from './kind.js';
import { LeaseKind } from './lease.js';
import { LimitRangeKind } from './limitrange.js';
import { NamespaceKind } from './namespace.js';
import { NodeKind } from './node.js';
import { PersistentVolumeKind } from './persistentvolume.js';
import { PersistentVolumeClaimKind } from './persistentvolumeclaim.js';
import { PodKind } from './pod.js';
import { PodDisruptionBudgetKind } from './poddisruptionbudget.js';
import { ReplicaSetKind } from './replicaset.js';
import { ReplicationControllerKind } from './replicationcontroller.js';
import { ResourceQuotaKind } from './resourcequota.js';
import { SecretKind } from './secret.js';
import { ServiceKind } from './service.js';
import { StatefulSetKind } from './statefulset.js';
import { StorageClassKind } from './storageclass.js';

export const KINDS: readonly KindDef<KubeObject>[] = [
  // before what it scales, so an emptying namespace's autoscaler does not scale it back up
  HorizontalPodAutoscalerKind,
  DeploymentKind,
  ReplicaSetKind,
  ReplicationControllerKind,
  CronJobKind,
  JobKind,
  StatefulSetKind,
  DaemonSetKind,
  ControllerRevisionKind,
  PodKind,
  PodDisruptionBudgetKind,
  ServiceKind,
  EndpointsKind,
  EndpointSliceKind,
  IngressKind,
  ConfigMapKind,
  SecretKind,
  ResourceQuotaKind,
  LimitRangeKind,
  EventKind,
  PersistentVolumeClaimKind,
  NamespaceKind,
  NodeKind,
  PersistentVolumeKind,
  StorageClassKind,
  IngressClassKind,
  LeaseKind,
] as unknown as readonly KindDef<KubeObject>[];
