// secret volumes (pkg/volume/secret): like configMap, with the values base64-decoded, and always
// on a tmpfs (the kubelet wraps them in a Memory emptyDir) so a secret never reaches the disk.
import type { KeyToPath, Secret } from '../../src/api/types.js';
import type { Payload } from './atomic-writer.js';
import { DEFAULT_MODE } from './configmap.js';
import { VolumeError } from './types.js';

/** MakePayload (secret.go). secret undefined: the optional object is absent. */
export function secretPayload(items: KeyToPath[] | undefined, secret: Secret | undefined, defaultMode: number | undefined, optional: boolean): Payload {
  const mode = defaultMode ?? DEFAULT_MODE;
  const data = secret?.data ?? {};
  const payload: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) payload.set(k, { data: Buffer.from(v, 'base64'), mode });
    return payload;
  }
  for (const it of items) {
    if (!Object.hasOwn(data, it.key)) {
      if (optional) continue;
      throw new VolumeError(`references non-existent secret key: ${it.key}`);
    }
    payload.set(it.path, { data: Buffer.from(data[it.key], 'base64'), mode: it.mode ?? mode });
  }
  return payload;
}

export function secretNotFound(name: string): VolumeError {
  return new VolumeError(`secret "${name}" not found`);
}
