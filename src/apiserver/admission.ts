// The admission plugins that read other objects of the namespace, in kube-apiserver's order:
// LimitRanger (mutating: container defaults; validating: min/max/ratio) and ResourceQuota
// (validating, last). The kind modules' own `admit` (DefaultStorageClass, the claim resize check)
// stays with its kind; these two apply across kinds, so they live here.
//
// Atomicity: the registry calls validate() and then writes in one synchronous call (the store is
// synchronous SQLite), and this process is the only writer, so no other write can come between the
// quota check and the write: two creates racing for the last pod slot are decided one after the
// other, exactly. A dry run runs the same checks and writes nothing, so it charges nothing.
import { forbidden, invalid } from '../api/errors.js';
import { aggregate, applyLimitRangeDefaults, claimLimitViolations, podLimitViolations } from '../api/admission/limit-ranger.js';
import { checkQuotas } from '../api/admission/quota-check.js';
import { evaluatorFor, sumUsage } from '../api/admission/quota-evaluators.js';
import type { AdmissionReader, KubeObject } from '../api/kinds/kind.js';
import type { LimitRange } from '../api/kinds/limitrange.js';
import type { PersistentVolumeClaim } from '../api/kinds/persistentvolumeclaim.js';
import type { Pod } from '../api/kinds/pod.js';
import type { ResourceQuota } from '../api/kinds/resourcequota.js';
import type { ResourceInfo } from '../api/resources.js';
import { validateSemantics, type ValidateOptions } from '../api/validate.js';

/** Kinds the quota plugin never charges (its default ignoredResources). */
const QUOTA_IGNORED = new Set(['Event']);

/**
 * The mutating phase, before the strategy's PrepareForCreate (which decides a pod's qosClass from
 * the requests and limits the defaults may have just given it). What the defaults produce is
 * validated again, as kube validates after mutating admission: a LimitRange's default limit below
 * a container's own request makes the pod invalid.
 */
export function mutate(r: ResourceInfo, obj: KubeObject, read: AdmissionReader, opts: ValidateOptions): void {
  if (r.kind !== 'Pod') return;
  const ranges = read.list('LimitRange', obj.metadata.namespace) as LimitRange[];
  if (!ranges.length || !applyLimitRangeDefaults(obj as Pod, ranges)) return;
  const errors = validateSemantics(obj as never, opts);
  if (errors.length) throw invalid(r.kind, r.group, obj.metadata.name, errors);
}

/** The validating phase: LimitRanger's checks, then quota. `old` is the stored object of an update. */
export function validate(r: ResourceInfo, obj: KubeObject, old: KubeObject | undefined, read: AdmissionReader, now: Date): void {
  const ns = obj.metadata.namespace;
  if (!r.namespaced || !ns) return;
  const refuse = (why: string) => forbidden(r.resource, obj.metadata.name, why, r.group);
  // LimitRanger: pods on create (their resources cannot change after), claims on create and update,
  // not an object already being deleted
  const limitKind = (r.kind === 'Pod' && !old) || r.kind === 'PersistentVolumeClaim';
  if (limitKind && !old?.metadata.deletionTimestamp) {
    for (const lr of read.list('LimitRange', ns) as LimitRange[]) {
      const violations = r.kind === 'Pod' ? podLimitViolations(obj as Pod, lr) : claimLimitViolations(obj as PersistentVolumeClaim, lr);
      if (violations.length) throw refuse(aggregate(violations));
    }
  }
  if (QUOTA_IGNORED.has(r.kind)) return;
  const quotas = read.list('ResourceQuota', ns) as ResourceQuota[];
  if (!quotas.length) return;
  const evaluator = evaluatorFor(r.resource, r.group);
  const why = checkQuotas({
    op: old ? 'update' : 'create',
    obj,
    old,
    evaluator,
    quotas,
    used: () => sumUsage(evaluator, read.list(r.kind, ns), now),
    now,
  });
  if (why) throw refuse(why);
}
