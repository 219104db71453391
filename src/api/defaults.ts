// Defaulting: what the API server fills in on every create and update (pkg/apis/*/v1/defaults.go
// plus the few defaults its registry sets), so that `k1s get -o yaml` shows what a cluster would.
// Every default applies only where the field is absent, so defaulting twice changes nothing. The
// rules live with each kind (src/api/kinds/); this is the entry point.
import { byKind } from './resources.js';
import type { AnyObject } from './types.js';

export { defaultPullPolicy, imageTag } from './podspec/defaults.js';

/** A defaulted copy of obj (obj itself is left alone). */
export function applyDefaults<T extends AnyObject>(obj: T): T {
  const o = structuredClone(obj) as AnyObject;
  const def = byKind(o.kind);
  if (def?.namespaced) {
    if (!o.metadata.namespace) o.metadata.namespace = 'default';
  } else {
    // the API server ignores a namespace given for a cluster-scoped object
    delete o.metadata.namespace;
  }
  def?.defaults?.(o);
  return o as T;
}
