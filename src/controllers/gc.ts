// The garbage collector: an object all of whose owners are gone is deleted (background cascading
// deletion, the default for kubectl delete). Deleting a Deployment thus removes its ReplicaSets,
// and their removal removes the pods. It watches every kind k1s serves; an owner of a kind it
// does not serve is never assumed gone.
import type { AnyObject, OwnerReference } from '../api/types.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext } from './context.js';
import { QueueController } from './queue.js';

export class GarbageCollector extends QueueController {
  private readonly watched: Informer[];
  private readonly kinds: Set<string>;

  constructor(private readonly ctx: ControllerContext) {
    super('garbage-collector', ctx.logger);
    // Events own nothing and are owned by nothing: they are left out.
    this.watched = [...ctx.informers.all.values()].filter((inf) => inf.kind !== 'Event');
    this.kinds = new Set(this.watched.map((inf) => inf.kind));
  }

  /** Keys are the uids of deleted owners. */
  start(): void {
    for (const inf of this.watched) {
      this.on(inf, (type, obj) => {
        if (type === 'DELETED') this.queue.add(obj.metadata.uid!);
      });
    }
    // Owners deleted while the server was down: their dependents are orphans now.
    const alive = this.aliveUids();
    for (const obj of this.dependents()) {
      for (const ref of obj.metadata.ownerReferences ?? []) if (this.isGone(ref, alive)) this.queue.add(ref.uid);
    }
  }

  private dependents(): AnyObject[] {
    return this.watched.flatMap((inf) => inf.list()).filter((o) => o.metadata.ownerReferences?.length);
  }

  private aliveUids(): Set<string | undefined> {
    return new Set(this.watched.flatMap((inf) => inf.list().map((o) => o.metadata.uid)));
  }

  private isGone(ref: OwnerReference, alive: Set<string | undefined>): boolean {
    return this.kinds.has(ref.kind) && !alive.has(ref.uid);
  }

  protected async sync(ownerUid: string): Promise<void> {
    const alive = this.aliveUids();
    for (const obj of this.dependents()) {
      const refs = obj.metadata.ownerReferences!;
      if (!refs.some((r) => r.uid === ownerUid) || !refs.every((r) => this.isGone(r, alive))) continue;
      try {
        await this.ctx.client.delete(obj.kind, obj.metadata.namespace, obj.metadata.name);
      } catch (e) {
        if ((e as { code?: number }).code !== 404) throw e;
      }
    }
  }
}
