// The garbage collector: an object whose controller owner is gone is deleted (background
// cascading deletion, the default for kubectl delete). Deleting a Deployment thus removes its
// ReplicaSets, and their removal removes the pods.
import type { AnyObject } from '../api/types.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext } from './context.js';
import { QueueController } from './queue.js';

export class GarbageCollector extends QueueController {
  private readonly watched: Informer[];

  constructor(private readonly ctx: ControllerContext) {
    super('garbage-collector', ctx.logger);
    const { pods, replicaSets, deployments } = ctx.informers;
    this.watched = [deployments, replicaSets, pods] as Informer[];
  }

  /** Keys are the uids of deleted owners. */
  start(): void {
    for (const inf of this.watched) {
      this.on(inf, (type, obj) => {
        if (type === 'DELETED') this.queue.add(obj.metadata.uid!);
      });
    }
    // Owners deleted while the server was down: their dependents are orphans now.
    const uids = new Set(this.watched.flatMap((inf) => inf.list().map((o) => o.metadata.uid)));
    for (const obj of this.dependents()) {
      for (const ref of obj.metadata.ownerReferences ?? []) if (!uids.has(ref.uid)) this.queue.add(ref.uid);
    }
  }

  private dependents(): AnyObject[] {
    return this.watched.flatMap((inf) => inf.list()).filter((o) => o.metadata.ownerReferences?.length);
  }

  protected async sync(ownerUid: string): Promise<void> {
    for (const obj of this.dependents()) {
      if (!obj.metadata.ownerReferences!.some((r) => r.uid === ownerUid)) continue;
      try {
        await this.ctx.client.delete(obj.kind, obj.metadata.namespace, obj.metadata.name);
      } catch (e) {
        if ((e as { code?: number }).code !== 404) throw e;
      }
    }
  }
}
