// ResourceQuota (core/v1): a namespace's ceiling on what its objects may use together (compute,
// storage, object counts). The ResourceQuota admission plugin refuses writes beyond it
// (api/admission/quota-check.ts); the quota controller keeps status.hard and status.used
// (controllers/resourcequota.ts). spec.scopes and spec.scopeSelector are not in the schema, so
// they are refused as "not supported by k1s yet".
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, type Errors } from '../field-errors.js';
import { objectBase, quantity } from '../fields.js';
import { quantityError } from '../quantity.js';
import { canonicalQuantity, parseQuantity } from '../quantity-exact.js';
import { isIntegerResourceName, validateQuotaResourceName } from '../resource-names.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

const resourceList = z.record(z.string(), quantity);

export const resourceQuotaSchema = z.strictObject({
  ...objectBase('ResourceQuota'),
  spec: z.strictObject({ hard: resourceList.optional() }).optional(),
  status: z.strictObject({ hard: resourceList.optional(), used: resourceList.optional() }).optional(),
});

export type ResourceQuota = Stored<z.output<typeof resourceQuotaSchema>>;

/** validateResourceQuotaResourceName and validateResourceQuantityValue over one list */
function validateList(list: Record<string, string> | undefined, path: string): Errors {
  const errs: Errors = [];
  for (const name of Object.keys(list ?? {}).sort()) {
    const at = `${path}[${name}]`;
    errs.push(...validateQuotaResourceName(name, at));
    const bad = quantityError(list![name]);
    if (bad) {
      errs.push(invalidValue(at, list![name], bad));
      continue;
    }
    const q = parseQuantity(list![name]);
    if (q.nano < 0n) errs.push(invalidValue(at, list![name], 'must be greater than or equal to 0'));
    if (isIntegerResourceName(name) && q.nano % 10n ** 9n !== 0n) errs.push(invalidValue(at, list![name], 'must be an integer'));
  }
  return errs;
}

/** ValidateResourceQuota */
export function validateResourceQuota(rq: ResourceQuota): Errors {
  return [...validateList(rq.spec?.hard, 'spec.hard'), ...validateList(rq.status?.hard, 'status.hard'), ...validateList(rq.status?.used, 'status.used')];
}

/**
 * printResourceQuota's REQUEST and LIMIT cells: `used/hard` of every resource status.hard names,
 * sorted; those under `limits.` go to LIMIT, the rest to REQUEST.
 */
export function quotaCells(rq: ResourceQuota): { request: string; limit: string } {
  const request: string[] = [];
  const limit: string[] = [];
  const hard = rq.status?.hard ?? {};
  for (const name of Object.keys(hard).sort()) {
    const used = rq.status?.used?.[name];
    const cell = `${name}: ${used === undefined ? '0' : canonicalQuantity(used)}/${canonicalQuantity(hard[name])}`;
    (name.split('.').length > 1 && name.split('.')[0] === 'limits' ? limit : request).push(cell);
  }
  return { request: request.join(', '), limit: limit.join(', ') };
}

export const ResourceQuotaKind = defineKind<ResourceQuota>({
  kind: 'ResourceQuota',
  group: '',
  resource: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  schema: resourceQuotaSchema,
  subresources: ['status'],
  patchMergeKeys: META_PATCH_KEYS,
  validate: validateResourceQuota,
  validateStatusUpdate: (next) => validateList(next.status?.hard, 'status.hard').concat(validateList(next.status?.used, 'status.used')),
  printer: {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    row(rq, now) {
      const { request, limit } = quotaCells(rq);
      return [rq.metadata.name, age(rq.metadata.creationTimestamp, now), request, limit];
    },
  },
});
