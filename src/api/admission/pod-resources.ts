// A pod's summed requests and limits in exact quantities (resourcehelper.PodRequests/PodLimits,
// which the quota's pod evaluator and the LimitRanger's Pod limits both use): the app containers
// summed, sidecars (restartable init containers) added since they run beside them, and the
// largest ordinary init container (with the sidecars started before it) taken instead when it is
// larger. podspec/resources.ts computes the same in floats for the scheduler. k1s's pods have no
// spec.overhead (no RuntimeClass), so nothing is added for it.
import { addQuantities, compareQuantities, parseList, type QuantityList } from '../quantity-exact.js';
import type { Container, PodSpec } from '../podspec/schema.js';

type Which = 'requests' | 'limits';

function add(into: QuantityList, more: QuantityList): void {
  for (const [k, v] of Object.entries(more)) into[k] = k in into ? addQuantities(into[k], v) : v;
}

function max(into: QuantityList, other: QuantityList): void {
  for (const [k, v] of Object.entries(other)) if (!(k in into) || compareQuantities(v, into[k]) > 0) into[k] = v;
}

export function containerList(c: Container, which: Which): QuantityList {
  return parseList(c.resources?.[which]);
}

function podSum(spec: PodSpec, which: Which): QuantityList {
  const total: QuantityList = {};
  for (const c of spec.containers) add(total, containerList(c, which));
  const sidecars: QuantityList = {};
  const initMax: QuantityList = {};
  for (const c of spec.initContainers ?? []) {
    const own = containerList(c, which);
    let during: QuantityList;
    if (c.restartPolicy === 'Always') {
      add(total, own);
      add(sidecars, own);
      during = { ...sidecars };
    } else {
      during = { ...own };
      add(during, sidecars);
    }
    max(initMax, during);
  }
  max(total, initMax);
  return total;
}

export const podRequests = (spec: PodSpec): QuantityList => podSum(spec, 'requests');
export const podLimits = (spec: PodSpec): QuantityList => podSum(spec, 'limits');
