// Semantic validation: the rules the API server checks after decoding, on objects that already
// passed schema.ts: ObjectMeta for every kind, then the kind's own rules (src/api/kinds/). Works
// on objects with or without defaults applied: the manifest loader validates before the server
// defaults, the API server after.
import type { FieldError } from './field-errors.js';
import type { KindDef, KubeObject, ValidateOptions } from './kinds/kind.js';
import { validateObjectMeta } from './meta-validation.js';
import { isDNS1123Subdomain } from './names.js';
import { byKind } from './resources.js';
import type { AnyObject } from './types.js';

export type { ValidateOptions } from './kinds/kind.js';
export { invalidValue, required, duplicate, forbidden, notFoundValue, unsupported } from './field-errors.js';
export { validateLabels, validateLabelSelector } from './meta-validation.js';
export { validatePodSpec } from './podspec/validation.js';

function kindOf(obj: { kind: string }): KindDef<KubeObject> {
  const def = byKind(obj.kind);
  if (!def) throw new Error(`k1s does not serve kind ${obj.kind}`);
  return def;
}

/** Every semantic error of obj (which must have passed schema.validateObject). [] when valid. */
export function validateSemantics(obj: AnyObject, opts: ValidateOptions = {}): FieldError[] {
  const def = kindOf(obj);
  const errs = validateObjectMeta(obj.metadata, def.namespaced, def.nameCheck ?? isDNS1123Subdomain);
  errs.push(...(def.validate?.(obj, opts) ?? []));
  return errs;
}

/**
 * The rules that compare an update with the stored object (ValidateUpdate in Kubernetes): what may
 * not change once created. Both objects are expected defaulted. [] when the update is allowed.
 */
export function validateUpdate(next: AnyObject, prev: AnyObject): FieldError[] {
  return kindOf(next).validateUpdate?.(next, prev) ?? [];
}
