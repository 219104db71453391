// ConfigMap (core/v1): data and binaryData, immutable once `immutable` is set.
import { z } from 'zod';
import { age } from '../age.js';
import { each, forbidden, invalidValue, type Errors } from '../field-errors.js';
import { bool, objectBase, stringMap } from '../fields.js';
import { isConfigMapKey } from '../names.js';
import { deepEqual } from '../../store/canonical.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const configMapSchema = z.strictObject({
  ...objectBase('ConfigMap'),
  data: stringMap.optional(),
  binaryData: stringMap.optional(),
  immutable: bool.optional(),
});

export type ConfigMap = Stored<z.output<typeof configMapSchema>>;

export const MAX_DATA_SIZE = 1024 * 1024;
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validateConfigMap(cm: ConfigMap): Errors {
  const errs: Errors = [];
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    errs.push(...each(`data[${k}]`, k, isConfigMapKey(k)));
    if (cm.binaryData && Object.hasOwn(cm.binaryData, k)) errs.push(invalidValue(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(v);
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    errs.push(...each(`binaryData[${k}]`, k, isConfigMapKey(k)));
    if (!BASE64.test(v)) errs.push({ path: `binaryData[${k}]`, message: 'Invalid value: must be base64-encoded' });
    size += Math.floor((v.length * 3) / 4);
  }
  if (size > MAX_DATA_SIZE) errs.push({ path: '', message: `Too long: must have at most ${MAX_DATA_SIZE} bytes` });
  return errs;
}

/** Data may not change once `immutable` is set, and `immutable` may not be unset (shared with Secret). */
export function validateImmutableData(next: { data?: unknown; binaryData?: unknown; immutable?: boolean }, prev: typeof next): Errors {
  if (!prev.immutable) return [];
  const errs: Errors = [];
  if (!deepEqual(next.data, prev.data)) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
  if (!deepEqual(next.binaryData, prev.binaryData)) errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
  if (!next.immutable) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  return errs;
}

export const ConfigMapKind = defineKind<ConfigMap>({
  kind: 'ConfigMap',
  group: '',
  resource: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  schema: configMapSchema,
  subresources: [],
  patchMergeKeys: META_PATCH_KEYS,
  validate: validateConfigMap,
  validateUpdate: validateImmutableData,
  printer: {
    columns: [NAME_COLUMN, column('Data', 'integer', 'Number of data in the ConfigMap.'), AGE_COLUMN],
    row: (cm, now) => [
      cm.metadata.name,
      Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
      age(cm.metadata.creationTimestamp, now),
    ],
  },
});
