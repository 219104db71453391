// The LimitRanger admission plugin's decisions (plugin/pkg/admission/limitranger), pure. On a pod's
// create it first fills in what the namespace's LimitRanges default (mutating phase), then checks
// every container and the pod as a whole against their min, max and maxLimitRequestRatio
// (validating phase); a claim's storage request is checked against the PersistentVolumeClaim
// items. Messages are kube's own, since scripts match on them.
import type { LimitRange, LimitRangeItem } from '../kinds/limitrange.js';
import type { PersistentVolumeClaim } from '../kinds/persistentvolumeclaim.js';
import type { Pod } from '../kinds/pod.js';
import type { Container } from '../podspec/schema.js';
import { formatQuantity, milliValue, parseList, parseQuantity, type Quantity, type QuantityList } from '../quantity-exact.js';
import { podLimits, podRequests } from './pod-resources.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type ResourceMap = Record<string, string>;

/** The defaults of one LimitRange's Container items: limits from `default`, requests from `defaultRequest`. */
function containerDefaults(lr: LimitRange): { limits: ResourceMap; requests: ResourceMap } {
  const limits: ResourceMap = {};
  const requests: ResourceMap = {};
  for (const item of lr.spec.limits) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest);
    Object.assign(limits, item.default);
  }
  return { limits, requests };
}

/** mergeContainerResources: fills what the container lacks; the names it set, for the annotation. */
function mergeContainer(c: Container, defaults: { limits: ResourceMap; requests: ResourceMap }, prefix: string, notes: string[]): void {
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  const limits = { ...c.resources?.limits };
  const requests = { ...c.resources?.requests };
  for (const [k, v] of Object.entries(defaults.limits)) {
    if (!(k in limits)) {
      limits[k] = v;
      setLimits.push(k);
    }
  }
  for (const [k, v] of Object.entries(defaults.requests)) {
    if (!(k in requests)) {
      requests[k] = v;
      setRequests.push(k);
    }
  }
  if (!setLimits.length && !setRequests.length) return;
  c.resources = { ...c.resources, ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
  if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
}

/**
 * PodMutateLimitFunc for each LimitRange of the pod's namespace: containers and init containers
 * get the requests and limits they do not name, and the pod says so in its
 * kubernetes.io/limit-ranger annotation. True when anything was set.
 */
export function applyLimitRangeDefaults(pod: Pod, ranges: readonly LimitRange[]): boolean {
  let changed = false;
  for (const lr of ranges) {
    const defaults = containerDefaults(lr);
    const notes: string[] = [];
    for (const c of pod.spec.containers) mergeContainer(c, defaults, 'container', notes);
    for (const c of pod.spec.initContainers ?? []) mergeContainer(c, defaults, 'init container', notes);
    if (notes.length) {
      pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
      changed = true;
    }
  }
  return changed;
}

const q = formatQuantity;

/** minConstraint (kube compares in thousandths) */
function minConstraint(type: string, name: string, enforced: Quantity, request: QuantityList, limit: QuantityList): string | undefined {
  const req = request[name];
  const lim = limit[name];
  const min = milliValue(enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${q(enforced)}.  No request is specified`;
  if (milliValue(req) < min) return `minimum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(req)}`;
  if (lim && milliValue(lim) < min) return `minimum ${name} usage per ${type} is ${q(enforced)}, but limit is ${q(lim)}`;
  return undefined;
}

/** maxConstraint */
function maxConstraint(type: string, name: string, enforced: Quantity, request: QuantityList, limit: QuantityList): string | undefined {
  const req = request[name];
  const lim = limit[name];
  const max = milliValue(enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${q(enforced)}.  No limit is specified`;
  if (milliValue(lim) > max) return `maximum ${name} usage per ${type} is ${q(enforced)}, but limit is ${q(lim)}`;
  if (req && milliValue(req) > max) return `maximum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(req)}`;
  return undefined;
}

/** maxRequestConstraint: a claim has requests only */
function maxRequestConstraint(type: string, name: string, enforced: Quantity, request: QuantityList): string | undefined {
  const req = request[name];
  if (!req) return `maximum ${name} usage per ${type} is ${q(enforced)}.  No request is specified`;
  if (milliValue(req) > milliValue(enforced)) return `maximum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(req)}`;
  return undefined;
}

/** limitRequestRatioConstraint; the observed ratio printed as Go's %f */
function ratioConstraint(type: string, name: string, enforced: Quantity, request: QuantityList, limit: QuantityList): string | undefined {
  const req = request[name] ? milliValue(request[name]) : 0n;
  const lim = limit[name] ? milliValue(limit[name]) : 0n;
  if (req === 0n) return `${name} max limit to request ratio per ${type} is ${q(enforced)}, but no request is specified or request is 0`;
  if (lim === 0n) return `${name} max limit to request ratio per ${type} is ${q(enforced)}, but no limit is specified or limit is 0`;
  const observed = Number(lim) / Number(req);
  if (observed * 1000 > Number(milliValue(enforced))) {
    return `${name} max limit to request ratio per ${type} is ${q(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  }
  return undefined;
}

/** One item's min, max and ratio over one requests/limits pair, in name order. */
function checkItem(item: LimitRangeItem, request: QuantityList, limit: QuantityList, out: string[]): void {
  const each = (list: Record<string, string> | undefined, check: (name: string, enforced: Quantity) => string | undefined) => {
    for (const name of Object.keys(list ?? {}).sort()) {
      const msg = check(name, parseQuantity(list![name]));
      if (msg) out.push(msg);
    }
  };
  each(item.min, (n, e) => minConstraint(item.type, n, e, request, limit));
  each(item.max, (n, e) => maxConstraint(item.type, n, e, request, limit));
  each(item.maxLimitRequestRatio, (n, e) => ratioConstraint(item.type, n, e, request, limit));
}

/** PodValidateLimitFunc: every violation of one LimitRange by the pod (containers, init containers, the pod's sums). */
export function podLimitViolations(pod: Pod, lr: LimitRange): string[] {
  const out: string[] = [];
  for (const item of lr.spec.limits) {
    if (item.type === 'Container') {
      for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
        checkItem(item, parseList(c.resources?.requests), parseList(c.resources?.limits), out);
      }
    }
    if (item.type === 'Pod') checkItem(item, podRequests(pod.spec), podLimits(pod.spec), out);
  }
  return out;
}

/** PersistentVolumeClaimValidateLimitFunc: min and max of the storage request (a claim's limits are not the user's input). */
export function claimLimitViolations(pvc: PersistentVolumeClaim, lr: LimitRange): string[] {
  const out: string[] = [];
  const requests = parseList(pvc.spec.resources?.requests);
  for (const item of lr.spec.limits) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const name of Object.keys(item.min ?? {}).sort()) {
      const msg = minConstraint(item.type, name, parseQuantity(item.min![name]), requests, {});
      if (msg) out.push(msg);
    }
    for (const name of Object.keys(item.max ?? {}).sort()) {
      const msg = maxRequestConstraint(item.type, name, parseQuantity(item.max![name]), requests);
      if (msg) out.push(msg);
    }
  }
  return out;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is, several (duplicates dropped) in brackets. */
export function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
