// The ReplicaSet controller: keeps spec.replicas pods from the template, owned by the set through
// a controller ownerReference, and reports how many exist and are ready.
import { randomNameSuffix } from '../api/names.js';
import { fromLabelSelector, matches } from '../api/labels.js';
import type { Pod, ReplicaSet } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { controllerOf, controllerRef, isPodActive, isPodReady, objectKey, splitKey, type ControllerContext } from './context.js';
import { QueueController } from './queue.js';

/** Pure: which pods to create and which to delete to reach the desired count. */
export function replicaDiff(desired: number, pods: Pod[]): { create: number; remove: Pod[] } {
  if (pods.length <= desired) return { create: desired - pods.length, remove: [] };
  // Delete the least useful first, as the ReplicaSet controller ranks them: not yet running or
  // not ready before ready, then the youngest.
  const rank = (p: Pod) => (p.status?.podIP ? 1 : 0) + (isPodReady(p) ? 2 : 0);
  const sorted = [...pods].sort(
    (a, b) => rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name),
  );
  return { create: 0, remove: sorted.slice(0, pods.length - desired) };
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
  constructor(private readonly ctx: ControllerContext) {
    super('replicaset', ctx.logger);
  }

  start(): void {
    const { replicaSets, pods } = this.ctx.informers;
    this.on(replicaSets, (_t, rs) => this.queue.add(objectKey(rs)));
    this.on(pods, (_t, pod, old) => {
      for (const p of [pod, old]) {
        const ref = p && controllerOf(p);
        if (ref?.kind === 'ReplicaSet') this.queue.add(`${p!.metadata.namespace}/${ref.name}`);
      }
    });
    for (const rs of replicaSets.list()) this.queue.add(objectKey(rs));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const rs = this.ctx.informers.replicaSets.get(ns, name);
    if (!rs) return; // deleted: the garbage collector removes its pods
    const selector = fromLabelSelector(rs.spec.selector);
    const owned = this.ctx.informers.pods
      .list(ns)
      .filter((p) => controllerOf(p)?.uid === rs.metadata.uid && isPodActive(p) && matches(selector, p.metadata.labels ?? {}));

    const desired = rs.spec.replicas ?? 1;
    const { create, remove } = replicaDiff(desired, owned);
    for (let i = 0; i < create; i++) {
      const pod = await this.ctx.client.create(podFromTemplate(rs));
      this.ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
    }
    for (const pod of remove) {
      await this.ctx.client.delete('Pod', ns, pod.metadata.name);
      this.ctx.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
    }

    const kept = owned.filter((p) => !remove.includes(p));
    const ready = kept.filter(isPodReady).length;
    const status: ReplicaSet['status'] = {
      replicas: kept.length + create,
      fullyLabeledReplicas: kept.length + create,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    if (!deepEqual(status, rs.status)) {
      await this.ctx.client.updateStatus({ ...rs, status });
    }
  }
}
