// A pod's summed requests and limits in exact quantities (resourcehelper.PodRequests/PodLimits,
// which the quota's pod evaluator and the LimitRanger's Pod limits both use): podspec/resources.ts's
// sum (app containers, sidecars, the largest init container) over exact quantities, where the
// scheduler sums floats. k1s's pods have no spec.overhead (no RuntimeClass), so nothing is added.
import { addQuantities, compareQuantities, parseList, type QuantityList } from '../quantity-exact.js';
import { sumPodResources, type ResourceArithmetic } from '../podspec/resources.js';
import type { Container, PodSpec } from '../podspec/schema.js';

type Which = 'requests' | 'limits';

const EXACT: ResourceArithmetic<QuantityList[string]> = { add: addQuantities, greater: (a, b) => compareQuantities(a, b) > 0 };

export function containerList(c: Container, which: Which): QuantityList {
  return parseList(c.resources?.[which]);
}

export const podRequests = (spec: PodSpec): QuantityList => sumPodResources(spec, (c) => containerList(c, 'requests'), EXACT);
export const podLimits = (spec: PodSpec): QuantityList => sumPodResources(spec, (c) => containerList(c, 'limits'), EXACT);
