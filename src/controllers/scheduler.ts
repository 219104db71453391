// The scheduler of a one-node cluster: every pod without spec.nodeName is bound to this node,
// with the event a Kubernetes scheduler records, so `get pods -o wide` shows the NODE column.
import type { Pod } from '../api/types.js';
import { objectKey, splitKey, type Controller, type ControllerContext } from './context.js';
import { WorkQueue } from './queue.js';

export class Scheduler implements Controller {
  private readonly queue: WorkQueue;
  private unsubscribe?: () => void;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly nodeName: string,
  ) {
    this.queue = new WorkQueue('scheduler', (key) => this.bind(key), ctx.logger);
  }

  start(): void {
    const pods = this.ctx.informers.pods;
    this.unsubscribe = pods.on((type, pod) => {
      if (type !== 'DELETED' && !pod.spec.nodeName) this.queue.add(objectKey(pod));
    });
    for (const pod of pods.list()) if (!pod.spec.nodeName) this.queue.add(objectKey(pod));
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.close();
  }

  private async bind(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const pod = this.ctx.informers.pods.get(ns, name);
    if (!pod || pod.spec.nodeName) return;
    const bound = await this.ctx.client.update<Pod>({ ...pod, spec: { ...pod.spec, nodeName: this.nodeName } });
    this.ctx.events.record(bound, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${this.nodeName}`, 'default-scheduler');
  }
}
