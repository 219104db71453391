// Applying a PATCH body to the stored object, by its type: JSON merge patch (RFC 7386),
// Kubernetes strategic merge patch (with the kind's patch merge keys) and JSON patch (RFC 6902),
// each as kube-apiserver applies it (src/api/patch/), failing with its codes and wording.
import { ApiError } from '../api/errors.js';
import type { KindDef } from '../api/kinds/kind.js';
import { PatchError } from '../api/patch/error.js';
import { jsonPatch } from '../api/patch/json.js';
import { mergePatch } from '../api/patch/merge.js';
import { patchMetaFromTable, strategicMergePatch } from '../api/patch/strategic.js';

/** apply: server-side apply, which the registry does itself (managed-fields/manager.ts), never through applyPatch */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

/** The patched object; a patch that does not apply is the ApiError kube-apiserver answers. */
export function applyPatch(r: KindDef, current: unknown, patch: unknown, type: PatchType): unknown {
  try {
    switch (type) {
      case 'merge':
        return mergePatch(current, patch);
      case 'strategic':
        return strategicMergePatch(current, patch, patchMetaFromTable(r.patchMergeKeys));
      case 'json':
        return jsonPatch(current, patch);
      case 'apply':
        throw new ApiError(415, 'UnsupportedMediaType', 'server-side apply is not a patch this endpoint applies');
    }
  } catch (e) {
    if (e instanceof PatchError) throw new ApiError(e.code, e.reason ?? 'InternalError', e.message);
    throw e;
  }
}
