// What every controller is given: the client for writes, shared informers for reads, a logger and
// an event recorder.
import type {
  AnyObject,
  ConfigMap,
  CronJob,
  Deployment,
  Endpoints,
  EndpointSlice,
  Event,
  Job,
  Kind,
  Namespace,
  Node,
  OwnerReference,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  ReplicaSet,
  ReplicationController,
  Secret,
  Service,
  StorageClass,
  StatefulSet,
  DaemonSet,
  ControllerRevision,
  PodDisruptionBudget,
} from '../api/types.js';
import { apiVersionOf, byKind, RESOURCES } from '../api/resources.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import type { Logger } from '../log.js';
import type { EventRecorder } from './events.js';

export interface Informers {
  /** one informer per kind of the kind table, by kind */
  all: ReadonlyMap<string, Informer>;
  namespaces: Informer<Namespace>;
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  replicaSets: Informer<ReplicaSet>;
  replicationControllers: Informer<ReplicationController>;
  deployments: Informer<Deployment>;
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  endpointSlices: Informer<EndpointSlice>;
  events: Informer<Event>;
  configMaps: Informer<ConfigMap>;
  secrets: Informer<Secret>;
  persistentVolumes: Informer<PersistentVolume>;
  persistentVolumeClaims: Informer<PersistentVolumeClaim>;
  storageClasses: Informer<StorageClass>;
  jobs: Informer<Job>;
  cronJobs: Informer<CronJob>;
  statefulSets: Informer<StatefulSet>;
  daemonSets: Informer<DaemonSet>;
  controllerRevisions: Informer<ControllerRevision>;
  podDisruptionBudgets: Informer<PodDisruptionBudget>;
}

export interface ControllerContext {
  client: Client;
  informers: Informers;
  logger: Logger;
  events: EventRecorder;
}

/** An informer for every kind k1s serves (start them all with `all`), with typed names for the ones controllers read. */
export function createInformers(client: Client): Informers {
  const all = new Map(RESOURCES.map((r) => [r.kind, new Informer(client, r.kind as Kind)]));
  const of = <T extends AnyObject>(kind: Kind) => all.get(kind) as unknown as Informer<T>;
  return {
    all,
    namespaces: of<Namespace>('Namespace'),
    nodes: of<Node>('Node'),
    pods: of<Pod>('Pod'),
    replicaSets: of<ReplicaSet>('ReplicaSet'),
    replicationControllers: of<ReplicationController>('ReplicationController'),
    deployments: of<Deployment>('Deployment'),
    services: of<Service>('Service'),
    endpoints: of<Endpoints>('Endpoints'),
    endpointSlices: of<EndpointSlice>('EndpointSlice'),
    events: of<Event>('Event'),
    configMaps: of<ConfigMap>('ConfigMap'),
    secrets: of<Secret>('Secret'),
    persistentVolumes: of<PersistentVolume>('PersistentVolume'),
    persistentVolumeClaims: of<PersistentVolumeClaim>('PersistentVolumeClaim'),
    storageClasses: of<StorageClass>('StorageClass'),
    jobs: of<Job>('Job'),
    cronJobs: of<CronJob>('CronJob'),
    statefulSets: of<StatefulSet>('StatefulSet'),
    daemonSets: of<DaemonSet>('DaemonSet'),
    controllerRevisions: of<ControllerRevision>('ControllerRevision'),
    podDisruptionBudgets: of<PodDisruptionBudget>('PodDisruptionBudget'),
  };
}

export function objectKey(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

export function controllerRef(owner: AnyObject): OwnerReference {
  return {
    apiVersion: apiVersionOf(byKind(owner.kind)!),
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The owner that controls obj (ownerReferences[].controller), if any. */
export function controllerOf(obj: AnyObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isPodActive(pod: Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}
