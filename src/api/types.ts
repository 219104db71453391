// The object model, in Kubernetes' own field names. Every type is derived from its kind's zod
// schema (src/api/kinds/), so the types and what the API accepts cannot drift apart.
export type { KubeObject } from './kinds/kind.js';
export type { LabelSelector, LabelSelectorRequirement, ObjectMeta, OwnerReference, Protocol } from './fields.js';
export type * from './podspec/schema.js';
export type * from './podspec/affinity.js';
export type { Namespace } from './kinds/namespace.js';
export type { Node } from './kinds/node.js';
export type { Pod } from './kinds/pod.js';
export type { Service, ServicePort, ServiceSpec, ServiceType } from './kinds/service.js';
export type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints } from './kinds/endpoints.js';
export type { ConfigMap } from './kinds/configmap.js';
export type { Secret } from './kinds/secret.js';
export type { Event } from './kinds/event.js';
export type { ReplicaSet } from './kinds/replicaset.js';
export type { Deployment, DeploymentCondition } from './kinds/deployment.js';
export type { PersistentVolume, PersistentVolumePhase } from './kinds/persistentvolume.js';
export type { PersistentVolumeClaim, ClaimPhase } from './kinds/persistentvolumeclaim.js';
export type { StorageClass } from './kinds/storageclass.js';
export type { Lease } from './kinds/lease.js';
export type { Job, JobCondition, JobSpec, JobStatus, PodFailurePolicyRule } from './kinds/job.js';
export type { CronJob, ObjectReference } from './kinds/cronjob.js';
export type { HorizontalPodAutoscaler } from './kinds/horizontalpodautoscaler.js';
export type { StatefulSet, ClaimTemplate } from './kinds/statefulset.js';
export type { DaemonSet } from './kinds/daemonset.js';
export type { ControllerRevision } from './kinds/controllerrevision.js';

import type { ConfigMap } from './kinds/configmap.js';
import type { Deployment } from './kinds/deployment.js';
import type { Endpoints } from './kinds/endpoints.js';
import type { Event } from './kinds/event.js';
import type { Namespace } from './kinds/namespace.js';
import type { Node } from './kinds/node.js';
import type { Pod } from './kinds/pod.js';
import type { ReplicaSet } from './kinds/replicaset.js';
import type { Secret } from './kinds/secret.js';
import type { Service } from './kinds/service.js';
import type { PersistentVolume } from './kinds/persistentvolume.js';
import type { PersistentVolumeClaim } from './kinds/persistentvolumeclaim.js';
import type { StorageClass } from './kinds/storageclass.js';
import type { Lease } from './kinds/lease.js';
import type { Job } from './kinds/job.js';
import type { CronJob } from './kinds/cronjob.js';
import type { HorizontalPodAutoscaler } from './kinds/horizontalpodautoscaler.js';
import type { StatefulSet } from './kinds/statefulset.js';
import type { DaemonSet } from './kinds/daemonset.js';
import type { ControllerRevision } from './kinds/controllerrevision.js';

export type AnyObject = Namespace | Node | Pod | Service | Endpoints | ConfigMap | Secret | Event | ReplicaSet | Deployment | PersistentVolume | PersistentVolumeClaim | StorageClass | Lease | Job | CronJob | HorizontalPodAutoscaler | StatefulSet | DaemonSet | ControllerRevision;

export type Kind = AnyObject['kind'];
