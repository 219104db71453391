// The garbage collector: an object whose controller owner is gone is deleted (background
// cascading deletion, the default for kubectl delete). Deleting a Deployment thus removes its
// ReplicaSets, and their removal removes the pods.
import type { AnyObject } from '../api/types.js';
import type { Informer } from '../client/informer.js';
import type { Controller, ControllerContext } from './context.js';
import { WorkQueue } from './queue.js';

export class GarbageCollector implements Controller {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly watched: Informer[];

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue('garbage-collector', (uid) => this.collect(uid), ctx.logger);
    const { pods, replicaSets, deployments } = ctx.informers;
    this.watched = [deployments, replicaSets, pods] as Informer[];
  }

  start(): void {
    for (const inf of this.watched) {
      this.unsubscribe.push(
        inf.on((type, obj) => {
          if (type === 'DELETED') this.queue.add(obj.metadata.uid!);
        }),
      );
    }
    // Owners deleted while the server was down: their dependents are orphans now.
    const uids = new Set(this.watched.flatMap((inf) => inf.list().map((o) => o.metadata.uid)));
    for (const obj of this.dependents()) {
      for (const ref of obj.metadata.ownerReferences ?? []) if (!uids.has(ref.uid)) this.queue.add(ref.uid);
    }
  }

  stop(): void {
    this.unsubscribe.forEach((u) => u());
    this.queue.close();
  }

  private dependents(): AnyObject[] {
    return this.watched.flatMap((inf) => inf.list()).filter((o) => o.metadata.ownerReferences?.length);
  }

  private async collect(ownerUid: string): Promise<void> {
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
