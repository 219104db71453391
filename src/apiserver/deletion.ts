// What a DELETE does to one object, decided without the store (kube-apiserver's rest.BeforeDelete
// and the generic store's Delete/updateForGracefulDeletionAndFinalizers/markAsDeleting): remove it
// now, or write deletion marks and keep it (a graceful pod, finalizers), or leave it as it is (its
// deletion is already under way). Pure, so the cases are table-tested.
import type { AnyObject } from '../api/types.js';
import { rfc3339 } from '../api/time.js';
import { deepEqual } from '../store/canonical.js';

export type DeletionStep =
  /** remove it from the store now; `marked` first when a graceful kind is deleted with grace 0
   * (kube's updateForGracefulDeletionAndFinalizers writes deletionGracePeriodSeconds 0 before the
   * delete, so watchers such as the kubelet see the grace period cut to 0: MODIFIED, then DELETED) */
  | { action: 'delete'; marked?: AnyObject }
  /** store this (deletionTimestamp, deletionGracePeriodSeconds set) and keep the object */
  | { action: 'mark'; object: AnyObject }
  /** already being deleted: answer with the object as it is */
  | { action: 'keep' };

export interface DeletionRequest {
  /** DeleteOptions.gracePeriodSeconds */
  gracePeriodSeconds?: number;
  /** the kind's CheckGracefulDelete (KindDef.gracefulDelete); undefined: the kind is never graceful */
  gracefulDelete?: (obj: AnyObject, requestedSeconds: number | undefined) => number;
  now: Date;
}

export function planDeletion(obj: AnyObject, req: DeletionRequest): DeletionStep {
  const meta = obj.metadata;
  // Negative grace periods are read as 1 s on the delete path, as kube does.
  const requested = req.gracePeriodSeconds !== undefined && req.gracePeriodSeconds < 0 ? 1 : req.gracePeriodSeconds;
  const hasFinalizers = (meta.finalizers ?? []).length > 0;

  let graceful: AnyObject | undefined;
  if (req.gracefulDelete) {
    const pending = meta.deletionGracePeriodSeconds;
    if (!meta.deletionTimestamp) {
      const grace = req.gracefulDelete(obj, requested);
      // deletionTimestamp is when it should be gone: now plus its grace period
      graceful = withMeta(obj, {
        deletionTimestamp: rfc3339(req.now.getTime() + grace * 1000),
        deletionGracePeriodSeconds: grace,
        ...(meta.generation ? { generation: meta.generation + 1 } : {}),
      });
    } else if (pending !== undefined && pending > 0) {
      // Being deleted gracefully: a shorter grace period shortens it; anything else changes nothing.
      if (requested === undefined || requested >= pending) return { action: 'keep' };
      const shortened = Date.parse(meta.deletionTimestamp) - pending * 1000 + requested * 1000;
      graceful = withMeta(obj, { deletionTimestamp: rfc3339(shortened), deletionGracePeriodSeconds: requested });
    }
    // else: marked with grace 0 already (finalizers held it, or its removal failed): as non-graceful
  }

  if (graceful) {
    if (hasFinalizers || (graceful.metadata.deletionGracePeriodSeconds ?? 0) > 0) return { action: 'mark', object: graceful };
    return { action: 'delete', marked: graceful };
  }
  if (!hasFinalizers) return { action: 'delete' };
  // markAsDeleting: finalizers keep it; the deletion is now, with no grace.
  const marks: Partial<AnyObject['metadata']> = { deletionGracePeriodSeconds: 0 };
  if (!meta.deletionTimestamp || Date.parse(meta.deletionTimestamp) > req.now.getTime()) marks.deletionTimestamp = rfc3339(req.now);
  if (!meta.deletionTimestamp && meta.generation) marks.generation = meta.generation + 1;
  const marked = withMeta(obj, marks);
  return deepEqual(marked.metadata, meta) ? { action: 'keep' } : { action: 'mark', object: marked };
}

function withMeta(obj: AnyObject, meta: Partial<AnyObject['metadata']>): AnyObject {
  return { ...obj, metadata: { ...obj.metadata, ...meta } };
}

/** metav1.FinalizerOrphanDependents: the garbage collector removes the owner's references from its dependents first. */
export const ORPHAN_FINALIZER = 'orphan';
/** metav1.FinalizerDeleteDependents: the garbage collector deletes the dependents that block the owner's deletion first. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

/**
 * The finalizers a DELETE leaves for the garbage collector (the generic store's
 * deletionFinalizersForGarbageCollection): an explicit policy replaces either GC finalizer the
 * object has; without one, the object keeps what it has (apps/v1 kinds default to Background).
 * Undefined when nothing changes.
 */
export function gcFinalizers(finalizers: readonly string[] | undefined, policy: PropagationPolicy | undefined): string[] | undefined {
  const current = finalizers ?? [];
  const orphan = policy ? policy === 'Orphan' : current.includes(ORPHAN_FINALIZER);
  const foreground = policy ? policy === 'Foreground' : !orphan && current.includes(FOREGROUND_FINALIZER);
  const next = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (orphan) next.push(ORPHAN_FINALIZER);
  if (foreground) next.push(FOREGROUND_FINALIZER);
  const same = next.length === current.length && next.every((f) => current.includes(f));
  return same ? undefined : next;
}
