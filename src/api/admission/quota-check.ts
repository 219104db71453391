// The ResourceQuota admission plugin's decision (apiserver's admission/plugin/resourcequota
// CheckRequest), pure: given the namespace's quotas and what the objects already stored use, may
// this create or update happen? Returns kube's reason when not.
//
// kube charges quota.status.used during admission and lets its controller correct it later; k1s's
// API server is one process whose writes are synchronous, so it computes the usage from the stored
// objects in the same call that writes (apiserver/admission.ts): always exact, and two creates can
// never both take the last slot. spec.hard is what binds (kube reads status.hard, the controller's
// copy of it, so a brand new quota binds here at once rather than after the controller's first sync).
import type { KubeObject } from '../kinds/kind.js';
import { addLists, compareQuantities, formatQuantity, subQuantities, ZERO, parseList, type QuantityList } from '../quantity-exact.js';
import type { ResourceQuota } from '../kinds/resourcequota.js';
import type { Evaluator } from './quota-evaluators.js';

export interface QuotaRequest {
  op: 'create' | 'update';
  obj: KubeObject;
  /** the stored object an update replaces */
  old?: KubeObject;
  evaluator: Evaluator;
  /** the quotas of the object's namespace */
  quotas: readonly ResourceQuota[];
  /** what the namespace's stored objects of this kind use, summed (the object itself included on an update) */
  used(): QuantityList;
  now: Date;
}

/** prettyPrint: `pods=1,requests.cpu=500m`, names sorted */
export function prettyPrint(list: QuantityList): string {
  return Object.keys(list)
    .sort()
    .map((k) => `${k}=${formatQuantity(list[k])}`)
    .join(',');
}

function mask(list: QuantityList, names: readonly string[]): QuantityList {
  return Object.fromEntries(Object.entries(list).filter(([k]) => names.includes(k)));
}

function withoutZeros(list: QuantityList): QuantityList {
  return Object.fromEntries(Object.entries(list).filter(([, v]) => v.nano !== 0n));
}

/** quota.SubtractWithNonNegativeResult */
function subtractNonNegative(a: QuantityList, b: QuantityList): QuantityList {
  const out: QuantityList = {};
  for (const [k, v] of Object.entries(a)) {
    const d = k in b ? subQuantities(v, b[k]) : v;
    out[k] = d.nano > 0n ? d : ZERO;
  }
  for (const k of Object.keys(b)) if (!(k in out)) out[k] = ZERO;
  return out;
}

/** The reason the write is refused (the text after `pods "x" is forbidden: `), or undefined. */
export function checkQuotas(req: QuotaRequest): string | undefined {
  const { evaluator } = req;
  if (!evaluator.handles(req.op)) return undefined;
  const quotas = [...req.quotas].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const interesting: { quota: ResourceQuota; hard: QuantityList }[] = [];
  for (const quota of quotas) {
    const hard = parseList(quota.spec?.hard);
    const restricted = evaluator.matchingResources(Object.keys(hard));
    if (!restricted.length) continue;
    const why = evaluator.constraints?.(restricted, req.obj);
    if (why) return `failed quota: ${quota.metadata.name}: ${why}`;
    interesting.push({ quota, hard });
  }
  if (!interesting.length) return undefined;

  const input = evaluator.usage(req.obj, req.now);
  const negative = Object.keys(input).filter((k) => input[k].nano < 0n);
  if (negative.length) return `quota usage is negative for resource(s): ${negative.sort().join(',')}`;
  // an update is charged what it adds (never a refund: that is the controller's to see)
  const delta = withoutZeros(req.op === 'update' && req.old ? subtractNonNegative(input, evaluator.usage(req.old, req.now)) : input);
  if (!Object.keys(delta).length) return undefined;

  let used: QuantityList | undefined;
  for (const { quota, hard } of interesting) {
    const requested = mask(delta, Object.keys(hard));
    if (!Object.keys(requested).length) continue;
    used ??= req.used();
    const current = mask(used, Object.keys(hard));
    const after = mask(addLists(current, requested), Object.keys(requested));
    const exceeded = Object.keys(hard).filter((k) => k in after && compareQuantities(after[k], hard[k]) > 0);
    if (exceeded.length) {
      const usedNow = Object.fromEntries(exceeded.map((k) => [k, current[k] ?? ZERO]));
      return `exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(usedNow)}, limited: ${prettyPrint(mask(hard, exceeded))}`;
    }
  }
  return undefined;
}
