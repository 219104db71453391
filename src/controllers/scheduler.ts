// The scheduler of a one-node cluster: every pod without spec.nodeName is bound to this node,
// with the event a Kubernetes scheduler records, so `get pods -o wide` shows the NODE column.
// A pod using PersistentVolumeClaims waits for them to be bound (scheduler-volumes.ts).
import type { PersistentVolumeClaim, Pod } from '../api/types.js';
import { ANN } from '../api/storage.js';
import { objectKey, splitKey, type ControllerContext } from './context.js';
import { QueueController } from './queue.js';
import { checkPodVolumes, claimNamesOf } from './scheduler-volumes.js';

export class Scheduler extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly nodeName: string,
  ) {
    super('scheduler', ctx.logger);
  }

  start(): void {
    const { pods, persistentVolumeClaims } = this.ctx.informers;
    this.on(pods, (type, pod) => {
      if (type !== 'DELETED' && unbound(pod)) this.queue.add(objectKey(pod));
    });
    // a claim that binds (or appears) may let a waiting pod through
    this.on(persistentVolumeClaims, (_t, claim) => {
      for (const pod of pods.list(claim.metadata.namespace)) {
        if (unbound(pod) && claimNamesOf(pod).includes(claim.metadata.name)) this.queue.add(objectKey(pod));
      }
    });
    for (const pod of pods.list()) if (unbound(pod)) this.queue.add(objectKey(pod));
  }

  /** Binds one pod, once its volumes allow. */
  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const { pods, persistentVolumeClaims, storageClasses } = this.ctx.informers;
    const pod = pods.get(ns, name);
    if (!pod || !unbound(pod)) return;
    const check = checkPodVolumes(pod, (claim) => persistentVolumeClaims.get(ns, claim), storageClasses.list(), this.nodeName);
    if (!check.ok) {
      for (const claim of check.select) {
        const annotations = { ...claim.metadata.annotations, [ANN.selectedNode]: this.nodeName };
        await this.ctx.client.update<PersistentVolumeClaim>({ ...claim, metadata: { ...claim.metadata, annotations } });
      }
      if (check.message) this.ctx.events.record(pod, 'Warning', 'FailedScheduling', check.message, 'default-scheduler');
      return; // a change of its claims queues the pod again
    }
    const bound = await this.ctx.client.update<Pod>({ ...pod, spec: { ...pod.spec, nodeName: this.nodeName } });
    this.ctx.events.record(bound, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${this.nodeName}`, 'default-scheduler');
  }
}

/** A pod to bind: no node yet, and not being deleted (the scheduler skips those, as kube's does). */
function unbound(pod: Pod): boolean {
  return !pod.spec.nodeName && !pod.metadata.deletionTimestamp;
}
