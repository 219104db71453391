// Who owns what after a write, as structured-merge-diff v4's merge.Updater decides it: an update
// takes the fields it changed from every other manager; an apply merges its configuration into
// the object, removes what the applier applied last time and no longer applies (unless someone
// else owns it), and fails on fields another manager owns that it would change, unless forced.
// Pure: managers are keyed by their identifier (manager.ts builds them).
import { compare, ensureNamedFieldsAreMembers, jsonEqual, merge, removeItems, toFieldSet, type TypeNode } from './typed.js';
import { FieldSet, type Path } from './fieldset.js';

export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  /** from an Apply (the set is the applier's whole configuration) */
  readonly applied: boolean;
}

export type ManagedSets = Map<string, VersionedSet>;

export interface Conflict {
  manager: string;
  path: Path;
}

/** merge.Conflicts: the apply would change fields these managers own. */
export class ConflictsError extends Error {
  override name = 'ConflictsError';
  constructor(readonly conflicts: Conflict[]) {
    super(`${conflicts.length} conflicts`);
  }
}

export interface UpdaterOptions {
  type: TypeNode;
  /** the group/version every set is recorded at (k1s serves one version of each kind) */
  version: string;
  /** fields no manager of this endpoint may own: what the strategy resets (status on the main resource) */
  ignored: FieldSet;
}

/**
 * The managers after newObject replaced oldObject: every manager but `workflow` loses the fields
 * that were removed, and the fields that were added or changed (a conflict, fatal unless force).
 */
function update(opts: UpdaterOptions, oldObject: unknown, newObject: unknown, managers: ManagedSets, workflow: string, force: boolean) {
  const c = compare(oldObject, newObject, opts.type);
  const changed = c.modified.recursiveDifference(opts.ignored).union(c.added.recursiveDifference(opts.ignored));
  const removed = c.removed.recursiveDifference(opts.ignored);
  const conflicts: Conflict[] = [];
  const taken = new Map<string, FieldSet>();
  for (const [manager, vs] of [...managers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (manager === workflow) continue;
    const overlap = vs.set.intersection(changed);
    if (!overlap.isEmpty()) {
      taken.set(manager, overlap);
      for (const path of overlap.paths()) conflicts.push({ manager, path });
    }
  }
  if (!force && conflicts.length) throw new ConflictsError(conflicts);
  for (const [manager, vs] of managers) {
    if (manager === workflow) continue;
    let set = vs.set;
    const t = taken.get(manager);
    if (t) set = set.difference(t);
    if (!removed.isEmpty()) set = set.difference(removed);
    if (set.isEmpty()) managers.delete(manager);
    else if (set !== vs.set) managers.set(manager, { ...vs, set });
  }
  if (managers.get(workflow)?.set.isEmpty()) managers.delete(workflow);
  return {
    added: c.added.recursiveDifference(opts.ignored),
    modified: c.modified.recursiveDifference(opts.ignored),
    removed,
  };
}

/** Updater.Update: manager now owns what it added or changed, on top of what it owned. */
export function recordUpdate(opts: UpdaterOptions, liveObject: unknown, newObject: unknown, managers: ManagedSets, manager: string): ManagedSets {
  const out = new Map(managers);
  const c = update(opts, liveObject, newObject, out, manager, true);
  const previous = out.get(manager)?.set ?? new FieldSet();
  const set = previous.union(c.modified).union(c.added).difference(c.removed).recursiveDifference(opts.ignored);
  if (set.isEmpty()) out.delete(manager);
  else out.set(manager, { set, apiVersion: opts.version, applied: false });
  return out;
}

export interface ApplyResult {
  /** undefined when the object is unchanged (the managers may still have changed) */
  object: unknown;
  managers: ManagedSets;
}

/** Updater.Apply: throws ConflictsError unless force. */
export function recordApply(opts: UpdaterOptions, liveObject: unknown, config: unknown, managers: ManagedSets, manager: string, force: boolean): ApplyResult {
  const out = new Map(managers);
  let newObject = merge(liveObject, config, opts.type);
  const lastSet = out.get(manager);
  const set = toFieldSet(config, opts.type).recursiveDifference(opts.ignored);
  out.set(manager, { set, apiVersion: opts.version, applied: true });
  newObject = prune(opts, newObject, out, lastSet);
  update(opts, liveObject, newObject, out, manager, force);
  return { object: jsonEqual(liveObject, newObject) ? undefined : newObject, managers: out };
}

/**
 * Removes a field, list or map item iff the applier applied it last time, does not apply it now,
 * and no one else owns it. Struct fields count as owned when something below them is, so a
 * struct nobody owns anything in any more goes too.
 */
function prune(opts: UpdaterOptions, merged: unknown, managers: ManagedSets, lastSet: VersionedSet | undefined): unknown {
  if (!lastSet || lastSet.set.isEmpty()) return merged;
  const t = opts.type;
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(s, t);
  let pruned = removeItems(merged, named(lastSet.set), t);
  // add back what any manager (the applier's new configuration included) owns
  let managed = new FieldSet();
  for (const vs of managers.values()) managed = managed.union(vs.set);
  const mergedSet = named(toFieldSet(merged, t));
  pruned = removeItems(merged, mergedSet.difference(named(toFieldSet(pruned, t)).union(named(managed))), t);
  // and what the applier never owned (unowned fields, or fields only updaters own)
  return removeItems(merged, mergedSet.difference(named(toFieldSet(pruned, t))).intersection(named(lastSet.set)), t);
}
