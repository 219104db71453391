// Managed fields through the scale subresource, as kube-apiserver's ScaleHandler
// (apimachinery/pkg/util/managedfields/scalehandler.go) keeps them: the parent's entries that own
// spec.replicas are shown to the Scale's field manager as autoscaling/v1 entries owning the Scale's
// spec.replicas (ToSubresource); after the Scale's update or apply, ownership of spec.replicas is
// carried back to the parent (ToParent): a parent entry the Scale's manager no longer lists loses
// spec.replicas, and each Scale entry owning it becomes a parent entry at the parent's version.
// As in kube, such an entry keeps the parent's time for that manager, which a manager new to the
// parent does not have: `kubectl scale` leaves an entry without a time. Pure.
import type { ManagedFieldsEntry } from '../fields.js';
import { FieldSet, field, type Path } from './fieldset.js';
import { decodeManagedFields, encodeManagedFields, FieldManager, type Managed } from './manager.js';
import type { TypeNode } from './typed.js';

const REPLICAS: Path = [field('spec'), field('replicas')];
export const SCALE_API_VERSION = 'autoscaling/v1';

/** autoscaling/v1 Scale, read through the parent's metadata. */
function scaleType(metadata: TypeNode | undefined): TypeNode {
  const scalar: TypeNode = { kind: 'scalar' };
  const struct = (fields: Record<string, TypeNode>): TypeNode => ({ kind: 'struct', fields: new Map(Object.entries(fields)), atomic: false });
  return struct({
    apiVersion: scalar,
    kind: scalar,
    metadata: metadata ?? { kind: 'any' },
    spec: struct({ replicas: scalar }),
    status: struct({ replicas: scalar, selector: scalar }),
  });
}

/** The field manager of writes through /scale: it sees Scales and their managers' autoscaling/v1 entries. */
export function scaleFieldManager(parentType: TypeNode): FieldManager {
  const metadata = parentType.kind === 'struct' ? parentType.fields.get('metadata') : undefined;
  return new FieldManager({ type: scaleType(metadata), apiVersion: SCALE_API_VERSION, kind: 'Scale', subresource: 'scale' });
}

/** ToSubresource: the parent's owners of spec.replicas as the Scale's (other entries and versions are left out). */
export function toScaleEntries(parentEntries: readonly ManagedFieldsEntry[], parentApiVersion: string): ManagedFieldsEntry[] | undefined {
  const parent = decodeManagedFields(parentEntries);
  const out: Managed = { fields: new Map(), times: new Map() };
  for (const [id, vs] of parent.fields) {
    if (vs.apiVersion !== parentApiVersion || !vs.set.has(REPLICAS)) continue;
    out.fields.set(id, { set: FieldSet.of(REPLICAS), apiVersion: SCALE_API_VERSION, applied: vs.applied });
    out.times.set(id, parent.times.get(id));
  }
  return encodeManagedFields(out);
}

/** ToParent: the parent's entries after the Scale's managers changed hands on spec.replicas. */
export function toParentEntries(
  parentEntries: readonly ManagedFieldsEntry[],
  scaleEntries: readonly ManagedFieldsEntry[],
  parentApiVersion: string,
): ManagedFieldsEntry[] | undefined {
  const parent = decodeManagedFields(parentEntries);
  const scale = decodeManagedFields(scaleEntries).fields;
  const out: Managed = { fields: new Map(), times: new Map() };
  const keep = (id: string, vs: Managed['fields'] extends Map<string, infer V> ? V : never) => {
    out.fields.set(id, vs);
    out.times.set(id, parent.times.get(id));
  };
  for (const [id, vs] of parent.fields) {
    // kube's mappings know each version of the kind; an entry of another version is dropped
    if (vs.apiVersion !== parentApiVersion) continue;
    if (!vs.set.has(REPLICAS)) keep(id, vs);
    else if (!scale.has(id)) {
      // the Scale's manager took spec.replicas from this one
      const rest = vs.set.difference(FieldSet.of(REPLICAS));
      if (!rest.isEmpty()) keep(id, { ...vs, set: rest });
    } else {
      keep(id, vs);
      scale.delete(id);
    }
  }
  for (const [id, vs] of scale) {
    if (!vs.set.has(REPLICAS)) continue;
    out.fields.set(id, { set: FieldSet.of(REPLICAS), apiVersion: parentApiVersion, applied: vs.applied });
    out.times.set(id, parent.times.get(id));
  }
  return encodeManagedFields(out);
}
