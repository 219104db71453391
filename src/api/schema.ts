// The structural check of every kind: each kind's strict zod schema (src/api/kinds/), with the
// API server's strict decoding behaviour: an unknown field is an error (never dropped, so a typo
// like `imagePullPolcy` cannot silently do nothing) and a value of the wrong JSON type is an error
// naming the field. Semantic rules are in validate.ts; defaults in defaults.ts.
import { z } from 'zod';
import { typeMismatch } from './fields.js';
import { notSupportedYet, type FieldError } from './field-errors.js';
import { isKubernetesField } from './k8s-catalog.js';
import { apiVersionOf, byKind } from './resources.js';
import type { AnyObject } from './types.js';

export type { FieldError } from './field-errors.js';
export { describeValue } from './fields.js';

export type ValidationResult = { ok: true; object: AnyObject } | { ok: false; errors: FieldError[] };

// ---- from zod issues to field errors ----

type Segment = PropertyKey;

/** A zod schema's internal definition: just what formatPath needs to walk it. */
interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(s: z.ZodType | undefined): SchemaDef | undefined {
  return s ? (s.def as unknown as SchemaDef) : undefined;
}

/** Sees through optional and transform wrappers to the schema that describes the value. */
function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  for (let d = defOf(s); s && d; d = defOf(s)) {
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'default') s = d.innerType;
    else if (d.type === 'pipe') s = d.in;
    else break;
  }
  return s;
}

/**
 * Renders a zod path the way the API server does: fields with dots, list items as [i] and map keys
 * as [key] (`metadata.labels[app.kubernetes.io/name]`). Map keys are told from fields by walking
 * the schema alongside the path.
 */
export function formatPath(root: z.ZodType, segments: readonly Segment[]): string {
  let out = '';
  let s: z.ZodType | undefined = root;
  for (const seg of segments) {
    s = unwrap(s);
    const d = defOf(s);
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      s = d?.type === 'array' ? d.element : undefined;
    } else if (d?.type === 'record') {
      out += `[${String(seg)}]`;
      s = d.valueType;
    } else {
      out += out ? `.${String(seg)}` : String(seg);
      s = d?.type === 'object' ? (s as z.ZodObject).shape[String(seg)] : undefined;
    }
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = { int: 'integer', record: 'object' };

/**
 * A field k1s's schema does not have is either one Kubernetes has and k1s does not implement yet
 * (refused as such, so nobody mistakes it for a typo or thinks it took effect) or no field at all.
 */
function unknownKey(obj: { apiVersion: string; kind: string }, at: readonly Segment[], key: string, path: string): FieldError {
  const segments = [...at, key].map((s) => (typeof s === 'number' ? s : String(s)));
  if (isKubernetesField(obj.apiVersion, obj.kind, segments)) return notSupportedYet(path);
  return { path, message: `unknown field ${JSON.stringify(key)}` };
}

function issueToErrors(root: z.ZodType, obj: { apiVersion: string; kind: string }, iss: z.core.$ZodIssue): FieldError[] {
  const path = (extra: Segment[] = []) => formatPath(root, [...iss.path, ...extra]);
  switch (iss.code) {
    case 'unrecognized_keys':
      return iss.keys.map((key) => unknownKey(obj, iss.path, key, path([key])));
    case 'invalid_type':
      return [{ path: path(), message: typeMismatch(TYPE_NAMES[iss.expected] ?? iss.expected, iss.input) }];
    case 'invalid_value':
      if (iss.input === undefined) return [{ path: path(), message: 'Required value' }];
      return [
        {
          path: path(),
          message: `Unsupported value: ${JSON.stringify(iss.input)}: supported values: ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`,
        },
      ];
    default:
      // unions carry their own message (see intOrString, quantity)
      return [{ path: path(), message: iss.message }];
  }
}

// ---- entry point ----

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * JSON null in an object means "not set", as when the API server decodes into Go structs (kubectl's
 * own output has `creationTimestamp: null`, and `env:` with nothing after it is null in YAML).
 * Nulls inside lists stay, and are reported.
 */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = dropNulls(val);
  return out;
}

/** apiVersion and kind against the resource table; [] when k1s serves this kind at this version. */
export function checkTypeMeta(obj: Record<string, unknown>): FieldError[] {
  const { apiVersion, kind } = obj;
  const errors: FieldError[] = [];
  if (kind === undefined || kind === '') errors.push({ path: 'kind', message: 'Required value' });
  else if (typeof kind !== 'string') errors.push({ path: 'kind', message: typeMismatch('string', kind) });
  if (apiVersion === undefined || apiVersion === '') errors.push({ path: 'apiVersion', message: 'Required value' });
  else if (typeof apiVersion !== 'string') errors.push({ path: 'apiVersion', message: typeMismatch('string', apiVersion) });
  if (errors.length) return errors;
  const r = byKind(kind as string);
  if (!r || apiVersionOf(r) !== apiVersion) {
    // The hint matters most for manifests from old tutorials (extensions/v1beta1 Deployments).
    const hint = r ? ` (${r.kind} is served as ${apiVersionOf(r)})` : '';
    return [{ path: '', message: `no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}${hint}` }];
  }
  return [];
}

/**
 * The structural check: apiVersion/kind against the resource table, then the kind's schema.
 * On success the object is a fresh copy (nulls dropped, numeric quantities as strings), not defaulted.
 */
export function validateObject(obj: unknown): ValidationResult {
  if (!isPlainObject(obj)) return { ok: false, errors: [{ path: '', message: typeMismatch('object', obj) }] };
  const typeErrors = checkTypeMeta(obj);
  if (typeErrors.length) return { ok: false, errors: typeErrors };
  const schema = byKind(obj.kind as string)!.schema;
  const result = schema.safeParse(dropNulls(obj), { reportInput: true });
  if (result.success) return { ok: true, object: result.data as AnyObject };
  return { ok: false, errors: result.error.issues.flatMap((iss) => issueToErrors(schema, obj as { apiVersion: string; kind: string }, iss)) };
}
