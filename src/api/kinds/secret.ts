// Secret (core/v1): base64 data; stringData is a write-only convenience merged into data.
import { z } from 'zod';
import { age } from '../age.js';
import { each, invalidValue, required, type Errors } from '../field-errors.js';
import { bool, objectBase, str, stringMap } from '../fields.js';
import { isConfigMapKey } from '../names.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';
import { BASE64, MAX_DATA_SIZE, validateImmutableData } from './configmap.js';

export const secretSchema = z.strictObject({
  ...objectBase('Secret'),
  type: str.optional(),
  data: stringMap.optional(),
  stringData: stringMap.optional(),
  immutable: bool.optional(),
});

export type Secret = Stored<z.output<typeof secretSchema>>;

/** stringData is a write-only convenience: merged into data (base64, winning over data) and dropped. */
function defaultSecret(s: Secret): void {
  s.type ??= 'Opaque';
  if (s.stringData) {
    const data = (s.data ??= {});
    for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete s.stringData;
  }
}

function validateSecret(s: Secret): Errors {
  const errs: Errors = [];
  let size = 0;
  for (const [k, v] of Object.entries(s.data ?? {})) {
    errs.push(...each(`data[${k}]`, k, isConfigMapKey(k)));
    // the value is secret: never echo it
    if (!BASE64.test(v)) errs.push({ path: `data[${k}]`, message: 'Invalid value: must be base64-encoded (use stringData for plain text)' });
    size += Math.floor((v.length * 3) / 4);
  }
  for (const [k, v] of Object.entries(s.stringData ?? {})) {
    errs.push(...each(`stringData[${k}]`, k, isConfigMapKey(k)));
    size += Buffer.byteLength(v);
  }
  if (size > MAX_DATA_SIZE) errs.push({ path: 'data', message: `Too long: must have at most ${MAX_DATA_SIZE} bytes` });
  // Typed secrets must carry their keys (in data, or in stringData before the server merges it).
  const has = (k: string) => Object.hasOwn(s.data ?? {}, k) || Object.hasOwn(s.stringData ?? {}, k);
  const needs: Record<string, string[]> = {
    'kubernetes.io/tls': ['tls.crt', 'tls.key'],
    'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
    'kubernetes.io/dockercfg': ['.dockercfg'],
    'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  };
  for (const k of needs[s.type ?? ''] ?? []) if (!has(k)) errs.push(required(`data[${k}]`));
  return errs;
}

export const SecretKind = defineKind<Secret>({
  kind: 'Secret',
  group: '',
  resource: 'secrets',
  singular: 'secret',
  namespaced: true,
  shortNames: [],
  schema: secretSchema,
  subresources: [],
  fieldSelectors: ['type'],
  patchMergeKeys: META_PATCH_KEYS,
  defaults: defaultSecret,
  validate: validateSecret,
  validateUpdate(next, prev) {
    const errs = validateImmutableData(next, prev);
    if ((next.type ?? 'Opaque') !== (prev.type ?? 'Opaque')) errs.push(invalidValue('type', next.type, 'field is immutable'));
    return errs;
  },
  printer: {
    columns: [
      NAME_COLUMN,
      column('Type', 'string', 'The type of the secret.'),
      column('Data', 'integer', 'The number of data in the secret.'),
      AGE_COLUMN,
    ],
    row: (s, now) => [
      s.metadata.name,
      s.type ?? 'Opaque',
      // stringData is merged into data on write; count it too in case a stored object still has it
      new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]).size,
      age(s.metadata.creationTimestamp, now),
    ],
  },
});
