// projected volumes (pkg/volume/projected): configMap, secret and downwardAPI sources merged into
// one directory, on a tmpfs as the kubelet does (it may hold secrets). serviceAccountToken and
// clusterTrustBundle sources are refused at validation (not in k1s's schema).
import type { Pod, VolumeProjection } from '../../src/api/types.js';
import type { Payload } from './atomic-writer.js';
import { configMapNotFound, configMapPayload } from './configmap.js';
import { aggregate, downwardAPIPayload } from './downwardapi.js';
import { secretNotFound, secretPayload } from './secret.js';
import { VolumeError, type NodeAllocatable, type VolumeSources } from './types.js';

/** collectData: later sources win on a shared path; every source's error is reported. */
export function projectedPayload(sources: VolumeProjection[] | undefined, pod: Pod, defaultMode: number | undefined, api: VolumeSources, node: NodeAllocatable): Payload {
  const ns = pod.metadata.namespace ?? 'default';
  const payload: Payload = new Map();
  const errors: string[] = [];
  const merge = (make: () => Payload) => {
    try {
      for (const [k, v] of make()) payload.set(k, v);
    } catch (e) {
      errors.push((e as Error).message);
    }
  };
  for (const src of sources ?? []) {
    if (src.configMap) {
      const { name, items, optional = false } = src.configMap;
      merge(() => {
        const cm = api.configMap(ns, name);
        if (!cm && !optional) throw configMapNotFound(name);
        return configMapPayload(items, cm, defaultMode, optional);
      });
    } else if (src.secret) {
      const { name, items, optional = false } = src.secret;
      merge(() => {
        const s = api.secret(ns, name);
        if (!s && !optional) throw secretNotFound(name);
        return secretPayload(items, s, defaultMode, optional);
      });
    } else if (src.downwardAPI) {
      const items = src.downwardAPI.items;
      merge(() => downwardAPIPayload(items, pod, defaultMode, node));
    }
  }
  if (errors.length) throw new VolumeError(aggregate(errors));
  return payload;
}
