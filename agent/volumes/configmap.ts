// configMap volumes (pkg/volume/configmap): every key (data and binaryData) as a file, or the
// items asked for; a missing object is an empty volume when optional, an error otherwise.
import type { ConfigMap, KeyToPath } from '../../src/api/types.js';
import type { FileProjection, Payload } from './atomic-writer.js';
import { VolumeError } from './types.js';

export const DEFAULT_MODE = 0o644;

/** MakePayload (configmap.go). configMap undefined: the optional object is absent. */
export function configMapPayload(items: KeyToPath[] | undefined, configMap: ConfigMap | undefined, defaultMode: number | undefined, optional: boolean): Payload {
  const mode = defaultMode ?? DEFAULT_MODE;
  const data = configMap?.data ?? {};
  const binary = configMap?.binaryData ?? {};
  const payload: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) payload.set(k, { data: Buffer.from(v, 'utf8'), mode });
    for (const [k, v] of Object.entries(binary)) payload.set(k, { data: Buffer.from(v, 'base64'), mode });
    return payload;
  }
  for (const it of items) {
    let file: FileProjection;
    if (Object.hasOwn(data, it.key)) file = { data: Buffer.from(data[it.key], 'utf8'), mode: it.mode ?? mode };
    else if (Object.hasOwn(binary, it.key)) file = { data: Buffer.from(binary[it.key], 'base64'), mode: it.mode ?? mode };
    else if (optional) continue;
    else throw new VolumeError(`configmap references non-existent config key: ${it.key}`);
    payload.set(it.path, file);
  }
  return payload;
}

/** The kubelet's configmap manager names the resource in the singular. */
export function configMapNotFound(name: string): VolumeError {
  return new VolumeError(`configmap "${name}" not found`);
}
