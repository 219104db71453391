// The namespace controller (kube-controller-manager's pkg/controller/namespace): a deleted
// namespace is marked Terminating by the API server and kept by its "kubernetes" finalizer; this
// controller deletes everything in it through the ordinary DELETE (so pods get their grace period
// and the node agent stops their containers before their final delete), and once nothing is left
// it removes its finalizer through /finalize, which removes the namespace.
import type { AnyObject, Namespace } from '../api/types.js';
import { FINALIZER_KUBERNETES } from '../api/kinds/namespace.js';
import { RESOURCES } from '../api/resources.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext } from './context.js';
import { QueueController } from './queue.js';

export interface NamespaceDeletion {
  /** what to DELETE now: what is in it and not yet being deleted, in the table's order */
  delete: AnyObject[];
  /** how many objects are still in it (those being deleted too) */
  remaining: number;
  /** spec.finalizers to write through /finalize, once it is empty; undefined: not yet */
  finalizers?: string[];
  /**
   * DELETE the namespace itself: it is empty and no finalizer of ours holds it (a namespace
   * created before k1s gave namespaces their finalizer)
   */
  remove?: boolean;
}

/**
 * Pure: the next step for a namespace, given its contents in the kind table's order (workloads
 * first, so their controllers have nothing left to recreate pods for while it empties).
 */
export function namespaceDeletion(ns: Namespace, contents: AnyObject[]): NamespaceDeletion {
  if (!ns.metadata.deletionTimestamp) return { delete: [], remaining: contents.length };
  const pending = contents.filter((o) => !o.metadata.deletionTimestamp);
  const step: NamespaceDeletion = { delete: pending, remaining: contents.length };
  if (contents.length) return step;
  const finalizers = ns.spec?.finalizers ?? [];
  if (finalizers.includes(FINALIZER_KUBERNETES)) step.finalizers = finalizers.filter((f) => f !== FINALIZER_KUBERNETES);
  else if (!finalizers.length) step.remove = true;
  return step;
}

export class NamespaceController extends QueueController {
  /** the informers of the namespaced kinds, in the kind table's order */
  private readonly contents: Informer[];

  constructor(private readonly ctx: ControllerContext) {
    super('namespace', ctx.logger);
    this.contents = RESOURCES.filter((r) => r.namespaced).map((r) => ctx.informers.all.get(r.kind)!);
  }

  start(): void {
    const { namespaces } = this.ctx.informers;
    this.on(namespaces, (type, ns) => {
      if (type !== 'DELETED' && ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name);
    });
    // Whatever leaves a terminating namespace may have been the last thing in it.
    for (const inf of this.contents) {
      this.on(inf, (type, obj) => {
        const ns = obj.metadata.namespace && namespaces.get(undefined, obj.metadata.namespace);
        if (type === 'DELETED' && ns && ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name);
      });
    }
    for (const ns of namespaces.list()) if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name);
  }

  protected async sync(name: string): Promise<void> {
    const ns = this.ctx.informers.namespaces.get(undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const step = namespaceDeletion(ns, this.contents.flatMap((inf) => inf.list(name)));
    for (const obj of step.delete) {
      try {
        await this.ctx.client.delete(obj.kind, name, obj.metadata.name, { preconditions: { uid: obj.metadata.uid } });
      } catch (e) {
        // gone already (the garbage collector got there first), or a new object of that name
        const code = (e as { code?: number }).code;
        if (code !== 404 && code !== 409) throw e;
      }
    }
    if (step.finalizers) {
      await this.ctx.client.finalize<Namespace>({ ...ns, spec: { ...ns.spec, finalizers: step.finalizers } });
      this.ctx.logger.info({ namespace: name }, 'namespace finalized');
    }
    if (step.remove) {
      await this.ctx.client.delete('Namespace', undefined, name, { preconditions: { uid: ns.metadata.uid } }).catch((e: { code?: number }) => {
        if (e.code !== 404) throw e;
      });
    }
    // Objects still being deleted (pods stopping) requeue it when they go (their DELETED events).
  }
}
