// Adoption and orphaning by selector and ownerReferences (controller_ref_manager.go ClaimObject):
// an owner keeps what it controls and its selector still matches, releases what it controls and
// no longer matches, and adopts what nothing controls and matches. Something another controller
// owns is never touched. A deleting owner adopts nothing (and releases nothing: the garbage
// collector deals with its dependents); a deleting dependent is not adopted.
import type { AnyObject, LabelSelector } from '../api/types.js';
import { fromLabelSelector, matches } from '../api/labels.js';
import type { Client } from '../client/client.js';
import { controllerOf, controllerRef } from './context.js';

export interface Claim<T extends AnyObject> {
  /** controlled by the owner and matching: its own */
  owned: T[];
  /** matching orphans to adopt */
  adopt: T[];
  /** controlled by the owner but no longer matching: to release */
  release: T[];
}

/** Pure: what the owner claims among candidates (objects of its namespace). */
export function claim<T extends AnyObject>(owner: AnyObject, selector: LabelSelector, candidates: T[]): Claim<T> {
  const sel = fromLabelSelector(selector);
  // An empty selector selects nothing here (kube refuses it for workloads, and a Deployment with one
  // gets a SelectingAll warning and is not synced).
  const selectsAll = !selector.matchLabels && !selector.matchExpressions?.length;
  const out: Claim<T> = { owned: [], adopt: [], release: [] };
  const deleting = !!owner.metadata.deletionTimestamp;
  for (const o of candidates) {
    const ref = controllerOf(o);
    const match = !selectsAll && matches(sel, o.metadata.labels ?? {});
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (match) out.owned.push(o);
      else if (!deleting) out.release.push(o);
      continue;
    }
    if (match && !deleting && !o.metadata.deletionTimestamp) out.adopt.push(o);
  }
  return out;
}

/** Adds the owner's controller reference (an adoption); the fresh object, or undefined if it is gone or taken. */
export async function adopt<T extends AnyObject>(client: Client, owner: AnyObject, o: T): Promise<T | undefined> {
  try {
    const fresh = await client.get<T>(o.kind as never, o.metadata.namespace, o.metadata.name);
    if (controllerOf(fresh) || fresh.metadata.uid !== o.metadata.uid) return undefined;
    const refs = [...(fresh.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid), controllerRef(owner)];
    return await client.update({ ...fresh, metadata: { ...fresh.metadata, ownerReferences: refs } });
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

/** Removes the owner's reference (orphaning). */
export async function release(client: Client, owner: AnyObject, o: AnyObject): Promise<void> {
  try {
    const fresh = await client.get<AnyObject>(o.kind as never, o.metadata.namespace, o.metadata.name);
    const refs = (fresh.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
    await client.update({ ...fresh, metadata: { ...fresh.metadata, ownerReferences: refs.length ? refs : undefined } });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
}

/** Claims, then carries out the adoptions and releases; returns what the owner now controls. */
export async function claimAndApply<T extends AnyObject>(client: Client, owner: AnyObject, selector: LabelSelector, candidates: T[]): Promise<T[]> {
  const c = claim(owner, selector, candidates);
  const owned = [...c.owned];
  for (const o of c.adopt) {
    const adopted = await adopt(client, owner, o);
    if (adopted) owned.push(adopted);
  }
  for (const o of c.release) await release(client, owner, o);
  return owned;
}
