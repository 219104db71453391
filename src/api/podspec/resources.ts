// What a pod asks of its node, as k8s.io/component-helpers/resource PodRequests computes it for the
// scheduler and the kubelet's admission: the app containers' requests summed, restartable (sidecar)
// init containers added to that sum since they keep running beside the app, and the largest
// ordinary init container (plus the sidecars started before it) taken instead when it is larger,
// since init containers run one at a time before the app. spec.overhead, when a RuntimeClass sets
// it, is added on top.
//
// initContainers and overhead are read defensively: the schema may or may not carry them yet.
import { parseQuantity } from '../quantity.js';
import type { Container, PodSpec } from './schema.js';

/** Amounts per resource name, in base units (cores for cpu, bytes for memory, a count for pods). */
export type ResourceAmounts = Record<string, number>;

type Quantities = Record<string, string | number> | undefined;

interface InitContainer extends Container {
  /** `Always` makes an init container a sidecar (KEP-753) */
  restartPolicy?: string;
}

interface SpecWithExtras extends PodSpec {
  initContainers?: InitContainer[];
  overhead?: Record<string, string | number>;
}

export function initContainersOf(spec: PodSpec): InitContainer[] {
  return (spec as SpecWithExtras).initContainers ?? [];
}

/** A sidecar: an init container that is started before the app and keeps running beside it. */
export function isRestartableInit(c: InitContainer): boolean {
  return c.restartPolicy === 'Always';
}

/** Quantities as numbers; a quantity that does not parse (validation refuses those) counts as 0. */
export function amounts(list: Quantities): ResourceAmounts {
  const out: ResourceAmounts = {};
  for (const [name, q] of Object.entries(list ?? {})) {
    try {
      out[name] = parseQuantity(q);
    } catch {
      out[name] = 0;
    }
  }
  return out;
}

/** The arithmetic the sum needs: floats for the scheduler here, exact quantities for admission. */
export interface ResourceArithmetic<T> {
  add(a: T, b: T): T;
  greater(a: T, b: T): boolean;
}

function addInto<T>(math: ResourceArithmetic<T>, into: Record<string, T>, more: Record<string, T>): void {
  for (const [name, v] of Object.entries(more)) into[name] = name in into ? math.add(into[name], v) : v;
}

function maxInto<T>(math: ResourceArithmetic<T>, into: Record<string, T>, other: Record<string, T>): void {
  for (const [name, v] of Object.entries(other)) if (!(name in into) || math.greater(v, into[name])) into[name] = v;
}

/**
 * resourcehelper's container sum over one of each container's lists (`listOf`): the app
 * containers summed, sidecars added, and the largest ordinary init container (with the sidecars
 * started before it) taken instead when it is larger.
 */
export function sumPodResources<T>(spec: PodSpec, listOf: (c: Container) => Record<string, T>, math: ResourceArithmetic<T>): Record<string, T> {
  const total: Record<string, T> = {};
  for (const c of spec.containers) addInto(math, total, listOf(c));
  const sidecars: Record<string, T> = {};
  const initMax: Record<string, T> = {};
  for (const c of initContainersOf(spec)) {
    const own = listOf(c);
    let during: Record<string, T>;
    if (isRestartableInit(c)) {
      addInto(math, total, own);
      addInto(math, sidecars, own);
      during = { ...sidecars };
    } else {
      // an ordinary init container runs beside the sidecars started before it
      during = { ...own };
      addInto(math, during, sidecars);
    }
    maxInto(math, initMax, during);
  }
  maxInto(math, total, initMax);
  return total;
}

const FLOATS: ResourceArithmetic<number> = { add: (a, b) => a + b, greater: (a, b) => a > b };

/** resourcehelper.PodRequests (without pod-level resources, alpha and off in v1.32): what the scheduler reserves for the pod. */
export function podRequests(spec: PodSpec): ResourceAmounts {
  const reqs = sumPodResources(spec, (c) => amounts(c.resources?.requests), FLOATS);
  addInto(FLOATS, reqs, amounts((spec as SpecWithExtras).overhead));
  return reqs;
}
