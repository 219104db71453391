// The scheduler of a one-node cluster: every pod without spec.nodeName is bound to this node,
// with the event a Kubernetes scheduler records, so `get pods -o wide` shows the NODE column.
import type { Pod } from '../api/types.js';
import { objectKey, splitKey, type ControllerContext } from './context.js';
import { QueueController } from './queue.js';

export class Scheduler extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly nodeName: string,
  ) {
    super('scheduler', ctx.logger);
  }

  start(): void {
    const pods = this.ctx.informers.pods;
    this.on(pods, (type, pod) => {
      if (type !== 'DELETED' && unbound(pod)) this.queue.add(objectKey(pod));
    });
    for (const pod of pods.list()) if (unbound(pod)) this.queue.add(objectKey(pod));
  }

  /** Binds one pod. */
  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const pod = this.ctx.informers.pods.get(ns, name);
    if (!pod || !unbound(pod)) return;
    const bound = await this.ctx.client.update<Pod>({ ...pod, spec: { ...pod.spec, nodeName: this.nodeName } });
    this.ctx.events.record(bound, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${this.nodeName}`, 'default-scheduler');
  }
}

/** A pod to bind: no node yet, and not being deleted (the scheduler skips those, as kube's does). */
function unbound(pod: Pod): boolean {
  return !pod.spec.nodeName && !pod.metadata.deletionTimestamp;
}
