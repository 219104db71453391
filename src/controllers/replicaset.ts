// The ReplicaSet controller: keeps spec.replicas pods from the template. Pods it controls (by a
// controller ownerReference) and its selector matches are its own; it adopts matching orphans and
// releases pods that no longer match. A pod being deleted (Terminating), Succeeded or Failed is
// not counted, so a replacement starts while it stops. Scale-down deletes in kube's order
// (pod-ranking.ts). Status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas
// (ready for minReadySeconds) and observedGeneration.
//
// One sync serves ReplicaSets and ReplicationControllers, as kube's replication manager runs the
// ReplicaSet controller's code: a ReplicaKind adapter says how the sync reads an owner of its kind
// (replication.ts is the ReplicationController's).
import { randomNameSuffix } from '../api/names.js';
import { fromLabelSelector, matches } from '../api/labels.js';
import type { AnyObject, LabelSelector, Pod, ReplicaSet, ReplicationController } from '../api/types.js';
import type { Informer } from '../client/informer.js';
import { deepEqual } from '../store/canonical.js';
import { claimAndApply } from './claim.js';
import { controllerOf, controllerRef, isPodActive, isPodReady, objectKey, splitKey, type ControllerContext, type Informers } from './context.js';
import { isPodAvailable, msUntilAvailable, podsToDelete } from './pod-ranking.js';
import { QueueController } from './queue.js';

/** An owner of pod replicas, of either kind. */
export type ReplicaOwner = ReplicaSet | ReplicationController;

/** The counts both kinds report (an RC's status may also hold conditions). */
export type ReplicaStatus = NonNullable<ReplicaSet['status']>;

/** How the sync reads the owners of one kind. */
export interface ReplicaKind<T extends ReplicaOwner> {
  kind: T['kind'];
  /** the queue's name and the source of its events ("replicaset-controller") */
  component: string;
  informer(informers: Informers): Informer<T>;
  /** the pods it selects, as a LabelSelector */
  selector(owner: T): LabelSelector;
}

export const REPLICA_SET: ReplicaKind<ReplicaSet> = {
  kind: 'ReplicaSet',
  component: 'replicaset-controller',
  informer: (i) => i.replicaSets,
  selector: (rs) => rs.spec.selector,
};

/** Pure: which pods to create and which to delete to reach the desired count. */
export function replicaDiff(desired: number, pods: Pod[], now = new Date()): { create: number; remove: Pod[] } {
  if (pods.length <= desired) return { create: desired - pods.length, remove: [] };
  return { create: 0, remove: podsToDelete(pods, pods, pods.length - desired, now) };
}

/** Pure: the status a set reports for the active pods it owns. */
export function replicaSetStatus(rs: ReplicaOwner, pods: Pod[], now: Date): ReplicaStatus {
  const templateLabels = fromLabelSelector({ matchLabels: rs.spec.template?.metadata?.labels ?? {} });
  const ready = pods.filter(isPodReady);
  return {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((p) => matches(templateLabels, p.metadata.labels ?? {})).length,
    readyReplicas: ready.length,
    availableReplicas: ready.filter((p) => isPodAvailable(p, rs.spec.minReadySeconds ?? 0, now)).length,
    observedGeneration: rs.metadata.generation,
  };
}

export function podFromTemplate(rs: ReplicaOwner): Pod {
  // validation refuses an owner without a template; the sync creates nothing for one
  const tpl = rs.spec.template!;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      // the same 5 random characters the API server's generateName appends
      name: `${rs.metadata.name}-${randomNameSuffix()}`,
      namespace: rs.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      annotations: tpl.metadata?.annotations ? { ...tpl.metadata.annotations } : undefined,
      ownerReferences: [controllerRef(rs)],
    },
    spec: structuredClone(tpl.spec),
  };
}

export class ReplicaSetController<T extends ReplicaOwner = ReplicaSet> extends QueueController {
  private readonly owners: Informer<T>;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
    private readonly kind: ReplicaKind<T> = REPLICA_SET as unknown as ReplicaKind<T>,
  ) {
    super(kind.component, ctx.logger);
    this.owners = kind.informer(ctx.informers);
  }

  start(): void {
    const { pods } = this.ctx.informers;
    this.on(this.owners, (_t, rs) => this.queue.add(objectKey(rs)));
    this.on(pods, (_t, pod, old) => {
      for (const p of [pod, old]) {
        if (!p) continue;
        const ref = controllerOf(p);
        if (ref?.kind === this.kind.kind) this.queue.add(`${p.metadata.namespace}/${ref.name}`);
        else if (!ref) {
          // an orphan: every set whose selector matches may adopt it
          for (const rs of this.owners.list(p.metadata.namespace)) {
            if (matches(fromLabelSelector(this.kind.selector(rs)), p.metadata.labels ?? {})) this.queue.add(objectKey(rs));
          }
        }
      }
    });
    for (const rs of this.owners.list()) this.queue.add(objectKey(rs));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const rs = this.owners.get(ns, name);
    if (!rs) return; // deleted: the garbage collector removes its pods
    const active = this.ctx.informers.pods.list(ns).filter(isPodActive);
    const owned = await claimAndApply(this.ctx.client, rs, this.kind.selector(rs), active);
    const now = this.now();
    const source = this.kind.component;

    if (!rs.metadata.deletionTimestamp && rs.spec.template) {
      const { create, remove } = replicaDiff(rs.spec.replicas ?? 1, owned, now);
      for (let i = 0; i < create; i++) {
        try {
          const pod = await this.ctx.client.create(podFromTemplate(rs));
          this.ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, source);
        } catch (e) {
          this.ctx.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`, source);
          throw e;
        }
      }
      for (const pod of remove) {
        try {
          await this.ctx.client.delete('Pod', ns, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
        } catch (e) {
          if ((e as { code?: number }).code !== 404) throw e;
        }
        this.ctx.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, source);
      }
    }

    // The status is what was observed before this sync's changes, as kube's; the changes come
    // back through the informer and sync again.
    const status = replicaSetStatus(rs, owned, now);
    const latest = this.owners.get(ns, name) ?? rs;
    // what else a status holds (an RC's conditions) is kept
    const next = { ...latest.status, ...status };
    if (!deepEqual(next, latest.status)) await this.ctx.client.updateStatus({ ...latest, status: next } as AnyObject);
    // A ready pod becomes available after minReadySeconds without any event: look again then.
    const waits = owned.map((p) => msUntilAvailable(p, rs.spec.minReadySeconds ?? 0, now)).filter((ms): ms is number => ms !== undefined);
    if (waits.length) this.queue.addAfter(key, Math.min(...waits) + 50);
  }
}

