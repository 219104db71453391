// A pod's quality-of-service class (pkg/apis/core/helper/qos ComputePodQOS), the one the API server
// stores in status.qosClass on create and the kubelet sizes cgroups and eviction order by. Only
// cpu and memory count, and only quantities above zero:
// - BestEffort: no container (app or init) requests or limits cpu or memory;
// - Guaranteed: every container limits both cpu and memory, and the pod's summed requests equal
//   its summed limits for each (defaulting has copied a limit to a missing request);
// - Burstable: anything else.
import type { PodQOSClass, PodSpec } from './schema.js';
import { amounts, initContainersOf, type ResourceAmounts } from './resources.js';

const QOS_RESOURCES = ['cpu', 'memory'];

/** Sums of the positive cpu and memory quantities of one list into `into`; the names seen. */
function addQoS(into: ResourceAmounts, list: Record<string, string | number> | undefined): Set<string> {
  const seen = new Set<string>();
  for (const [name, v] of Object.entries(amounts(list))) {
    if (!QOS_RESOURCES.includes(name) || !(v > 0)) continue;
    into[name] = (into[name] ?? 0) + v;
    seen.add(name);
  }
  return seen;
}

/** Quantities are floats here: equal up to rounding ("0.1" + "0.2" equals "300m"). */
function same(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);
}

export function computePodQOS(spec: PodSpec): PodQOSClass {
  const requests: ResourceAmounts = {};
  const limits: ResourceAmounts = {};
  let guaranteed = true;
  // ephemeral containers cannot have resources, so they are not looked at
  for (const c of [...spec.containers, ...initContainersOf(spec)]) {
    addQoS(requests, c.resources?.requests);
    const limited = addQoS(limits, c.resources?.limits);
    if (!QOS_RESOURCES.every((r) => limited.has(r))) guaranteed = false;
  }
  const reqNames = Object.keys(requests);
  if (reqNames.length === 0 && Object.keys(limits).length === 0) return 'BestEffort';
  if (guaranteed && reqNames.every((r) => r in limits && same(requests[r], limits[r])) && reqNames.length === Object.keys(limits).length) {
    return 'Guaranteed';
  }
  return 'Burstable';
}
