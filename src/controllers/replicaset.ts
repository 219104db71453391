// The ReplicaSet controller: keeps spec.replicas pods from the template. Pods it controls (by a
// controller ownerReference) and its selector matches are its own; it adopts matching orphans and
// releases pods that no longer match. A pod being deleted (Terminating), Succeeded or Failed is
// not counted, so a replacement starts while it stops. Scale-down deletes in kube's order
// (pod-ranking.ts). Status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas
// (ready for minReadySeconds) and observedGeneration.
import { randomNameSuffix } from '../api/names.js';
import { fromLabelSelector, matches } from '../api/labels.js';
import type { Pod, ReplicaSet } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { claimAndApply } from './claim.js';
import { controllerOf, controllerRef, isPodActive, isPodReady, objectKey, splitKey, type ControllerContext } from './context.js';
import { isPodAvailable, msUntilAvailable, podsToDelete } from './pod-ranking.js';
import { QueueController } from './queue.js';

/** Pure: which pods to create and which to delete to reach the desired count. */
export function replicaDiff(desired: number, pods: Pod[], now = new Date()): { create: number; remove: Pod[] } {
  if (pods.length <= desired) return { create: desired - pods.length, remove: [] };
  return { create: 0, remove: podsToDelete(pods, pods, pods.length - desired, now) };
}

/** Pure: the status a set reports for the active pods it owns. */
export function replicaSetStatus(rs: ReplicaSet, pods: Pod[], now: Date): NonNullable<ReplicaSet['status']> {
  const templateLabels = fromLabelSelector({ matchLabels: rs.spec.template.metadata?.labels ?? {} });
  const ready = pods.filter(isPodReady);
  return {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((p) => matches(templateLabels, p.metadata.labels ?? {})).length,
    readyReplicas: ready.length,
    availableReplicas: ready.filter((p) => isPodAvailable(p, rs.spec.minReadySeconds ?? 0, now)).length,
    observedGeneration: rs.metadata.generation,
  };
}

export function podFromTemplate(rs: ReplicaSet): Pod {
  const tpl = rs.spec.template;
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

export class ReplicaSetController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('replicaset', ctx.logger);
  }

  start(): void {
    const { replicaSets, pods } = this.ctx.informers;
    this.on(replicaSets, (_t, rs) => this.queue.add(objectKey(rs)));
    this.on(pods, (_t, pod, old) => {
      for (const p of [pod, old]) {
        if (!p) continue;
        const ref = controllerOf(p);
        if (ref?.kind === 'ReplicaSet') this.queue.add(`${p.metadata.namespace}/${ref.name}`);
        else if (!ref) {
          // an orphan: every set whose selector matches may adopt it
          for (const rs of replicaSets.list(p.metadata.namespace)) {
            if (matches(fromLabelSelector(rs.spec.selector), p.metadata.labels ?? {})) this.queue.add(objectKey(rs));
          }
        }
      }
    });
    for (const rs of replicaSets.list()) this.queue.add(objectKey(rs));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const rs = this.ctx.informers.replicaSets.get(ns, name);
    if (!rs) return; // deleted: the garbage collector removes its pods
    const active = this.ctx.informers.pods.list(ns).filter(isPodActive);
    const owned = await claimAndApply(this.ctx.client, rs, rs.spec.selector, active);
    const now = this.now();

    if (!rs.metadata.deletionTimestamp) {
      const { create, remove } = replicaDiff(rs.spec.replicas ?? 1, owned, now);
      for (let i = 0; i < create; i++) {
        try {
          const pod = await this.ctx.client.create(podFromTemplate(rs));
          this.ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
        } catch (e) {
          this.ctx.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`, 'replicaset-controller');
          throw e;
        }
      }
      for (const pod of remove) {
        try {
          await this.ctx.client.delete('Pod', ns, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
        } catch (e) {
          if ((e as { code?: number }).code !== 404) throw e;
        }
        this.ctx.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
      }
    }

    // The status is what was observed before this sync's changes, as kube's; the changes come
    // back through the informer and sync again.
    const status = replicaSetStatus(rs, owned, now);
    const latest = this.ctx.informers.replicaSets.get(ns, name) ?? rs;
    if (!deepEqual(status, latest.status)) await this.ctx.client.updateStatus({ ...latest, status });
    // A ready pod becomes available after minReadySeconds without any event: look again then.
    const waits = owned.map((p) => msUntilAvailable(p, rs.spec.minReadySeconds ?? 0, now)).filter((ms): ms is number => ms !== undefined);
    if (waits.length) this.queue.addAfter(key, Math.min(...waits) + 50);
  }
}
