// LimitRange (core/v1): a namespace's bounds on what each container, pod or claim may ask for,
// and the requests and limits a container that names none gets. The LimitRanger admission plugin
// (api/admission/limit-ranger.ts) applies them to pods and claims as they are created; the object
// itself only has to be valid.
import { z } from 'zod';
import { duplicate, each, forbidden, invalidValue, required, type Errors } from '../field-errors.js';
import { objectBase, quantity, str } from '../fields.js';
import { isQualifiedName } from '../names.js';
import { quantityError } from '../quantity.js';
import { compareQuantities, formatQuantity, milliValue, parseQuantity, type Quantity } from '../quantity-exact.js';
import { isNativeResource, validateContainerResourceName, validateResourceName } from '../resource-names.js';
import { META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

const resourceList = z.record(z.string(), quantity);

export const limitRangeItem = z.strictObject({
  type: str,
  max: resourceList.optional(),
  min: resourceList.optional(),
  default: resourceList.optional(),
  defaultRequest: resourceList.optional(),
  maxLimitRequestRatio: resourceList.optional(),
});

export const limitRangeSchema = z.strictObject({
  ...objectBase('LimitRange'),
  spec: z.strictObject({ limits: z.array(limitRangeItem) }),
});

export type LimitRange = Stored<z.output<typeof limitRangeSchema>>;
export type LimitRangeItem = z.output<typeof limitRangeItem>;
export type LimitType = 'Pod' | 'Container' | 'PersistentVolumeClaim';

const STANDARD_LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];

/**
 * SetDefaults_LimitRangeItem: a Container item's default limit is its max, and its default
 * request its default limit, else its min. So a LimitRange with only `max: {cpu: 1}` gives every
 * container a 1-cpu limit and request.
 */
export function defaultLimitRangeItem(item: LimitRangeItem): void {
  if (item.type !== 'Container') return;
  const def = { ...item.default };
  const req = { ...item.defaultRequest };
  for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
  for (const [k, v] of Object.entries(def)) req[k] ??= v;
  for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(req).length) item.defaultRequest = req;
}

function validateLimitType(type: string, path: string): Errors {
  const errs = each(path, type, isQualifiedName(type));
  if (!errs.length && !type.includes('/') && !STANDARD_LIMIT_TYPES.includes(type)) {
    errs.push(invalidValue(path, type, 'must be a standard limit type or fully qualified'));
  }
  return errs;
}

/** helper.IsOvercommitAllowed: only native resources but hugepages may have requests below their limits. */
function overcommitAllowed(name: string): boolean {
  return isNativeResource(name) && !name.startsWith('hugepages-');
}

/** ValidateLimitRange */
export function validateLimitRange(lr: LimitRange): Errors {
  const errs: Errors = [];
  const seen = new Set<string>();
  lr.spec.limits.forEach((limit, i) => {
    const at = `spec.limits[${i}]`;
    errs.push(...validateLimitType(limit.type, `${at}.type`));
    if (seen.has(limit.type)) errs.push(duplicate(`${at}.type`, limit.type));
    seen.add(limit.type);
    const nameCheck = limit.type === 'Pod' || limit.type === 'Container' ? validateContainerResourceName : validateResourceName;
    const lists: Partial<Record<keyof Omit<LimitRangeItem, 'type'>, Record<string, Quantity>>> = {};
    const keys = new Set<string>();
    const take = (field: keyof Omit<LimitRangeItem, 'type'>) => {
      const parsed: Record<string, Quantity> = {};
      for (const [k, v] of Object.entries(limit[field] ?? {})) {
        errs.push(...nameCheck(k, `${at}.${field}[${k}]`));
        keys.add(k);
        const bad = quantityError(v);
        if (bad) errs.push(invalidValue(`${at}.${field}[${k}]`, v, bad));
        else parsed[k] = parseQuantity(v);
      }
      lists[field] = parsed;
    };
    take('max');
    take('min');
    if (limit.type === 'Pod') {
      if (Object.keys(limit.default ?? {}).length) errs.push(forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(limit.defaultRequest ?? {}).length) errs.push(forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    } else {
      take('default');
      take('defaultRequest');
    }
    if (limit.type === 'PersistentVolumeClaim' && limit.min?.storage === undefined && limit.max?.storage === undefined) {
      errs.push(required(`${at}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    take('maxLimitRequestRatio');
    for (const k of [...keys].sort()) {
      const min = lists.min?.[k];
      const max = lists.max?.[k];
      const def = lists.default?.[k];
      const defReq = lists.defaultRequest?.[k];
      const ratio = lists.maxLimitRequestRatio?.[k];
      const s = formatQuantity;
      const gt = (a: Quantity | undefined, b: Quantity | undefined) => !!a && !!b && compareQuantities(a, b) > 0;
      if (gt(min, max)) errs.push(invalidValue(`${at}.min[${k}]`, s(min!), `min value ${s(min!)} is greater than max value ${s(max!)}`));
      if (gt(min, defReq)) errs.push(invalidValue(`${at}.defaultRequest[${k}]`, s(defReq!), `min value ${s(min!)} is greater than default request value ${s(defReq!)}`));
      if (gt(defReq, max)) errs.push(invalidValue(`${at}.defaultRequest[${k}]`, s(defReq!), `default request value ${s(defReq!)} is greater than max value ${s(max!)}`));
      if (gt(defReq, def)) errs.push(invalidValue(`${at}.defaultRequest[${k}]`, s(defReq!), `default request value ${s(defReq!)} is greater than default limit value ${s(def!)}`));
      if (gt(min, def)) errs.push(invalidValue(`${at}.default[${k}]`, s(min!), `min value ${s(min!)} is greater than default value ${s(def!)}`));
      if (gt(def, max)) errs.push(invalidValue(`${at}.default[${k}]`, s(max!), `default value ${s(def!)} is greater than max value ${s(max!)}`));
      if (ratio && compareQuantities(ratio, parseQuantity('1')) < 0) errs.push(invalidValue(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is less than 1`));
      if (ratio && min && max) {
        // kube compares in thousandths; max/min printed with %f
        const maxOverMin = Number(milliValue(max)) / Number(milliValue(min));
        const r = Number(milliValue(ratio)) / 1000;
        if (r > maxOverMin) {
          errs.push(invalidValue(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is greater than max/min = ${maxOverMin.toFixed(6)}`));
        }
      }
      if (!overcommitAllowed(k) && def && defReq && compareQuantities(def, defReq) !== 0) {
        errs.push(invalidValue(`${at}.defaultRequest[${k}]`, s(defReq), `default value ${s(def)} must equal to defaultRequest value ${s(defReq)} in ${k}`));
      }
    }
  });
  return errs;
}

export const LimitRangeKind = defineKind<LimitRange>({
  kind: 'LimitRange',
  group: '',
  resource: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  schema: limitRangeSchema,
  subresources: [],
  patchMergeKeys: META_PATCH_KEYS,
  defaults(lr) {
    lr.spec.limits.forEach(defaultLimitRangeItem);
  },
  validate: validateLimitRange,
  printer: {
    // printers.go printLimitRange: the creation time itself, not an age
    columns: [NAME_COLUMN, column('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value.')],
    row: (lr) => [lr.metadata.name, lr.metadata.creationTimestamp ?? ''],
  },
});
