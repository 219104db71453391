// emptyDir volumes (pkg/volume/emptydir): a directory of the pod, 0777, shared by its containers;
// with medium Memory a tmpfs. Secret and projected volumes sit on the same kind of tmpfs.
import type { Pod } from '../../src/api/types.js';
import { parseQuantity } from '../../src/api/quantity.js';

export const EMPTY_DIR_MODE = 0o777;

/**
 * calculateEmptyDirMemorySize: the node's allocatable memory, lowered to the pod's memory limit
 * (when every container has one, as the pod cgroup would), lowered to the volume's sizeLimit.
 */
export function tmpfsSize(pod: Pod, sizeLimit: string | undefined, nodeMemoryBytes: number): number {
  let size = nodeMemoryBytes;
  const limits = pod.spec.containers.map((c) => c.resources?.limits?.memory);
  if (limits.length && limits.every((l) => l !== undefined)) {
    const podLimit = limits.reduce((sum, l) => sum + parseQuantity(l!), 0);
    if (podLimit > 0 && podLimit <= size) size = podLimit;
  }
  if (sizeLimit !== undefined) {
    const v = parseQuantity(sizeLimit);
    if (v > 0 && v <= size) size = v;
  }
  return Math.ceil(size);
}
