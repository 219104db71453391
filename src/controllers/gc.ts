// The garbage collector (pkg/controller/garbagecollector), over every kind of the kind table but
// Events: cascading deletion as kube does it.
// - background: an object all of whose owners are gone is deleted (the default of kubectl delete);
// - foreground: DELETE with propagationPolicy Foreground marks the owner (deletionTimestamp and the
//   foregroundDeletion finalizer); the collector deletes its dependents (in foreground too when
//   they have dependents of their own), waits until none with blockOwnerDeletion is left, then
//   removes the finalizer and the owner goes;
// - orphan: the orphan finalizer; the collector removes the owner's references from its
//   dependents, then the finalizer.
// The decisions are pure functions of a view of the objects (table-tested); the controller
// gathers the view from the informers and carries the decisions out.
// An owner of a kind k1s does not serve is never assumed gone.
import type { AnyObject, Kind, OwnerReference } from '../api/types.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type PropagationPolicy } from '../apiserver/deletion.js';
import type { Informer } from '../client/informer.js';
import type { ControllerContext } from './context.js';
import { QueueController } from './queue.js';

/** The objects the collector sees. */
export interface GraphView {
  /** every object, by uid */
  byUid: ReadonlyMap<string, AnyObject>;
  /** the objects naming each uid in their ownerReferences */
  dependents: ReadonlyMap<string, AnyObject[]>;
  /** kinds k1s serves: an owner of another kind cannot be known gone */
  served: ReadonlySet<string>;
}

export function buildView(objects: Iterable<AnyObject>, served: ReadonlySet<string>): GraphView {
  const byUid = new Map<string, AnyObject>();
  const dependents = new Map<string, AnyObject[]>();
  for (const o of objects) {
    if (o.metadata.uid) byUid.set(o.metadata.uid, o);
    for (const ref of o.metadata.ownerReferences ?? []) {
      const list = dependents.get(ref.uid);
      if (list) list.push(o);
      else dependents.set(ref.uid, [o]);
    }
  }
  return { byUid, dependents, served };
}

const has = (o: AnyObject, finalizer: string) => o.metadata.finalizers?.includes(finalizer) ?? false;
/** isDeletingDependents: being deleted in the foreground, waiting for its dependents */
export const deletingDependents = (o: AnyObject) => Boolean(o.metadata.deletionTimestamp) && has(o, FOREGROUND_FINALIZER);

export interface OwnerClasses {
  /** owners that exist and are not waiting for their dependents */
  solid: OwnerReference[];
  /** owners that are gone */
  dangling: OwnerReference[];
  /** owners being deleted in the foreground */
  waiting: OwnerReference[];
}

/** classifyReferences */
export function classifyOwners(dep: AnyObject, view: GraphView): OwnerClasses {
  const out: OwnerClasses = { solid: [], dangling: [], waiting: [] };
  for (const ref of dep.metadata.ownerReferences ?? []) {
    const owner = view.byUid.get(ref.uid);
    if (!owner) (view.served.has(ref.kind) ? out.dangling : out.solid).push(ref);
    else if (deletingDependents(owner)) out.waiting.push(ref);
    else out.solid.push(ref);
  }
  return out;
}

export type DependentAction =
  | { action: 'none' }
  /** it keeps an owner: only its references to the gone and the foreground-deleting go */
  | { action: 'removeReferences'; uids: string[] }
  | { action: 'delete'; policy: PropagationPolicy };

/** attemptToDeleteItem: what becomes of an object some of whose owners are gone or going. */
export function dependentAction(dep: AnyObject, view: GraphView): DependentAction {
  // already being deleted; if in the foreground, it is an owner waiting on its own dependents
  if (dep.metadata.deletionTimestamp) return { action: 'none' };
  const { solid, dangling, waiting } = classifyOwners(dep, view);
  if (solid.length) {
    const uids = [...dangling, ...waiting].map((r) => r.uid);
    return uids.length ? { action: 'removeReferences', uids } : { action: 'none' };
  }
  if (!dangling.length && !waiting.length) return { action: 'none' };
  // an owner waits for it and it has dependents of its own: foreground, so they go first
  if (waiting.length && view.dependents.get(dep.metadata.uid!)?.length) return { action: 'delete', policy: 'Foreground' };
  // otherwise as its own finalizers say
  if (has(dep, ORPHAN_FINALIZER)) return { action: 'delete', policy: 'Orphan' };
  if (has(dep, FOREGROUND_FINALIZER)) return { action: 'delete', policy: 'Foreground' };
  return { action: 'delete', policy: 'Background' };
}

export type OwnerAction =
  | { action: 'none' }
  /** orphanDependents, then remove the orphan finalizer */
  | { action: 'orphan'; dependents: AnyObject[] }
  /** processDeletingDependentsItem: attempt the blocking dependents not yet being deleted; once none block, remove the finalizer */
  | { action: 'foreground'; attempt: AnyObject[]; removeFinalizer: boolean };

export function ownerAction(owner: AnyObject, view: GraphView): OwnerAction {
  if (!owner.metadata.deletionTimestamp) return { action: 'none' };
  const deps = view.dependents.get(owner.metadata.uid!) ?? [];
  if (has(owner, ORPHAN_FINALIZER)) return { action: 'orphan', dependents: deps };
  if (!has(owner, FOREGROUND_FINALIZER)) return { action: 'none' };
  const blocking = deps.filter((d) => d.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid && r.blockOwnerDeletion));
  return { action: 'foreground', attempt: blocking.filter((d) => !d.metadata.deletionTimestamp), removeFinalizer: blocking.length === 0 };
}

const code = (e: unknown) => (e as { code?: number }).code;

export class GarbageCollector extends QueueController {
  private readonly watched: Informer[];
  private readonly served: Set<string>;

  constructor(private readonly ctx: ControllerContext) {
    super('garbage-collector', ctx.logger);
    // Events own nothing and are owned by nothing: they are left out.
    this.watched = [...ctx.informers.all.values()].filter((inf) => inf.kind !== 'Event');
    this.served = new Set(this.watched.map((inf) => inf.kind));
  }

  /** Keys are uids: of owners that went or are going, of owners whose dependents changed. */
  start(): void {
    for (const inf of this.watched) {
      this.on(inf, (type, obj, old) => {
        const uid = obj.metadata.uid!;
        if (type === 'DELETED') this.queue.add(uid);
        else if (obj.metadata.deletionTimestamp && (has(obj, ORPHAN_FINALIZER) || has(obj, FOREGROUND_FINALIZER))) this.queue.add(uid);
        // a dependent came, went or changed owners: its owners look again (one may be gone, or waiting for it)
        const refs = new Set([...(obj.metadata.ownerReferences ?? []), ...(type === 'MODIFIED' ? (old?.metadata.ownerReferences ?? []) : [])].map((r) => r.uid));
        if (type === 'MODIFIED' && sameRefs(obj, old) && !(obj.metadata.deletionTimestamp && !old?.metadata.deletionTimestamp)) return;
        for (const r of refs) this.queue.add(r);
      });
    }
    // Owners deleted or marked while the server was down.
    const view = this.view();
    for (const o of view.byUid.values()) {
      if (ownerAction(o, view).action !== 'none') this.queue.add(o.metadata.uid!);
      for (const ref of o.metadata.ownerReferences ?? []) if (!view.byUid.has(ref.uid)) this.queue.add(ref.uid);
    }
  }

  private view(): GraphView {
    return buildView(
      this.watched.flatMap((inf) => inf.list()),
      this.served,
    );
  }

  protected async sync(uid: string): Promise<void> {
    const view = this.view();
    const owner = view.byUid.get(uid);
    if (!owner) {
      for (const dep of view.dependents.get(uid) ?? []) await this.attemptToDelete(dep, view);
      return;
    }
    const act = ownerAction(owner, view);
    if (act.action === 'orphan') {
      for (const dep of act.dependents) await this.removeReferences(dep, [uid]);
      await this.removeFinalizer(owner, ORPHAN_FINALIZER);
    } else if (act.action === 'foreground') {
      for (const dep of act.attempt) await this.attemptToDelete(dep, view);
      if (act.removeFinalizer) await this.removeFinalizer(owner, FOREGROUND_FINALIZER);
    }
  }

  private async attemptToDelete(dep: AnyObject, view: GraphView): Promise<void> {
    const act = dependentAction(dep, view);
    if (act.action === 'removeReferences') return this.removeReferences(dep, act.uids);
    if (act.action !== 'delete') return;
    // The informers may lag a new owner: a dangling one is confirmed by asking the API (isDangling).
    for (const ref of classifyOwners(dep, view).dangling) if (await this.exists(ref, dep.metadata.namespace)) return;
    this.ctx.logger.debug({ kind: dep.kind, name: dep.metadata.name, policy: act.policy }, 'garbage collecting');
    try {
      await this.ctx.client.delete(dep.kind, dep.metadata.namespace, dep.metadata.name, { propagationPolicy: act.policy, preconditions: { uid: dep.metadata.uid } });
    } catch (e) {
      if (code(e) !== 404 && code(e) !== 409) throw e;
    }
  }

  private async exists(ref: OwnerReference, ns: string | undefined): Promise<boolean> {
    try {
      const o = await this.ctx.client.get(ref.kind as Kind, ns, ref.name);
      return o.metadata.uid === ref.uid;
    } catch (e) {
      if (code(e) === 404) return false;
      throw e;
    }
  }

  /** The dependent, from the cache, without its references to uids (a conflict is retried by the queue). */
  private async removeReferences(dep: AnyObject, uids: string[]): Promise<void> {
    const latest = this.ctx.informers.all.get(dep.kind)?.get(dep.metadata.namespace, dep.metadata.name) ?? dep;
    const refs = latest.metadata.ownerReferences ?? [];
    const kept = refs.filter((r) => !uids.includes(r.uid));
    if (kept.length === refs.length) return;
    try {
      await this.ctx.client.update({ ...latest, metadata: { ...latest.metadata, ownerReferences: kept.length ? kept : undefined } } as AnyObject);
    } catch (e) {
      if (code(e) !== 404) throw e;
    }
  }

  private async removeFinalizer(owner: AnyObject, finalizer: string): Promise<void> {
    const latest = this.ctx.informers.all.get(owner.kind)?.get(owner.metadata.namespace, owner.metadata.name) ?? owner;
    const finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (finalizers.length === (latest.metadata.finalizers ?? []).length) return;
    try {
      await this.ctx.client.update({ ...latest, metadata: { ...latest.metadata, finalizers: finalizers.length ? finalizers : undefined } } as AnyObject);
    } catch (e) {
      if (code(e) !== 404) throw e;
    }
  }
}

function sameRefs(a: AnyObject, b: AnyObject | undefined): boolean {
  const x = (a.metadata.ownerReferences ?? []).map((r) => `${r.uid}:${r.blockOwnerDeletion ?? ''}`).join(',');
  const y = (b?.metadata.ownerReferences ?? []).map((r) => `${r.uid}:${r.blockOwnerDeletion ?? ''}`).join(',');
  return x === y;
}
