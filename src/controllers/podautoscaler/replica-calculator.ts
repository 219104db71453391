// How many replicas a resource metric asks for, as pkg/controller/podautoscaler/replica_calculator.go
// computes it: desired = ceil(current usage ratio * pods counted), within a tolerance of 10%; pods
// being deleted or failed are ignored, pods not yet ready (or pending) only count against a
// scale-up, pods without a metric count as 100% of their request on a scale-down and 0% on a
// scale-up, and no correction may reverse the direction. Pure: pods, metrics and the time in.
import { parseQuantity } from '../../api/quantity.js';
import type { Pod } from '../../api/types.js';

/** One pod's usage of a resource, in milli-units (millicores, millibytes: MilliValue()). */
export interface PodMetric {
  value: number;
  /** when the sample was taken (ms since the epoch) */
  timestamp: number;
  /** the sample's window (ms) */
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalculatorOptions {
  /** --horizontal-pod-autoscaler-tolerance */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay */
  delayOfInitialReadinessStatusMs: number;
}

export const DEFAULT_CALCULATOR_OPTIONS: CalculatorOptions = { tolerance: 0.1, cpuInitializationPeriodMs: 5 * 60_000, delayOfInitialReadinessStatusMs: 30_000 };

export interface ReplicaInput {
  currentReplicas: number;
  /** the pods the target's selector matches */
  pods: Pod[];
  /** usage by pod name, from the metrics API */
  metrics: PodMetrics;
  resource: string;
  now: Date;
  options?: Partial<CalculatorOptions>;
}

export interface UtilizationResult {
  replicas: number;
  /** average utilization, percent of request (integer, as kube truncates) */
  utilization: number;
  /** average usage per pod, milli-units */
  rawAverage: number;
}

/** Target type Utilization: GetResourceReplicas. Throws, with kube's messages, when it cannot tell. */
export function resourceReplicas(input: ReplicaInput, targetUtilization: number): UtilizationResult {
  const opts = { ...DEFAULT_CALCULATOR_OPTIONS, ...input.options };
  if (input.metrics.size === 0) throw new Error(`unable to get metrics for resource ${input.resource}: no metrics returned from resource metrics API`);
  if (input.pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(input.metrics);
  const groups = groupPods(input.pods, metrics, input.resource, input.now, opts);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const requests = podRequests(input.pods, input.resource);

  const first = utilizationRatio(metrics, requests, targetUtilization);
  const { ratio } = first;
  const result = (replicas: number): UtilizationResult => ({ replicas, utilization: first.utilization, rawAverage: first.rawAverage });
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= opts.tolerance) return result(input.currentReplicas);
    return result(Math.ceil(ratio * groups.readyCount));
  }
  // scale-down: a pod without metrics is taken to use its whole request (or the target, above
  // 100%); scale-up: nothing; exactly at target: left out
  const fallback = Math.max(100, targetUtilization);
  for (const name of groups.missing) {
    if (ratio < 1) metrics.set(name, { value: Math.trunc(((requests.get(name) ?? 0) * fallback) / 100), timestamp: 0, windowMs: 0 });
    else if (ratio > 1) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio;
  return result(corrected(input.currentReplicas, ratio, next, metrics.size, opts.tolerance));
}

/** Target type AverageValue: GetRawResourceReplicas (calcPlainMetricReplicas). targetUsage in milli-units. */
export function rawResourceReplicas(input: ReplicaInput, targetUsage: number): { replicas: number; usage: number } {
  const opts = { ...DEFAULT_CALCULATOR_OPTIONS, ...input.options };
  if (input.metrics.size === 0) throw new Error(`unable to get metrics for resource ${input.resource}: no metrics returned from resource metrics API`);
  if (input.pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(input.metrics);
  const groups = groupPods(input.pods, metrics, input.resource, input.now, opts);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const { ratio, usage } = usageRatio(metrics, targetUsage);
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= opts.tolerance) return { replicas: input.currentReplicas, usage };
    return { replicas: Math.ceil(ratio * groups.readyCount), usage };
  }
  for (const name of groups.missing) metrics.set(name, { value: ratio < 1 ? targetUsage : 0, timestamp: 0, windowMs: 0 });
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  const next = usageRatio(metrics, targetUsage).ratio;
  return { replicas: corrected(input.currentReplicas, ratio, next, metrics.size, opts.tolerance), usage };
}

/** The second pass: keep the current count if the correction is small or would turn the direction around. */
function corrected(current: number, ratio: number, next: number, counted: number, tolerance: number): number {
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return current;
  const replicas = Math.ceil(next * counted);
  if ((next < 1 && replicas > current) || (next > 1 && replicas < current)) return current;
  return replicas;
}

export interface PodGroups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods: which pods count, which are not ready yet, which have no metric, which are ignored. */
export function groupPods(pods: Pod[], metrics: PodMetrics, resource: string, now: Date, opts: CalculatorOptions): PodGroups {
  const g: PodGroups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!ready || start === undefined) unready = true;
      else {
        const transition = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
        if (start + opts.cpuInitializationPeriodMs > now.getTime()) {
          // still starting: a sample taken before a full window since it became ready is no use
          unready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          // unready and never ready since it started
          unready = ready.status === 'False' && start + opts.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** calculatePodRequests: each pod's request of the resource, milli-units; a container without one is an error. */
export function podRequests(pods: Pod[], resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    // native sidecars (restartable init containers) run beside the app containers and count
    const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
    for (const c of [...pod.spec.containers, ...sidecars]) {
      const q = c.resources?.requests?.[resource];
      if (q === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += Math.round(parseQuantity(q) * 1000);
    }
    out.set(pod.metadata.name, sum);
  }
  return out;
}

/** GetResourceUtilizationRatio: usage over requests of the pods with both, in whole percent. */
export function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, targetUtilization: number): { ratio: number; utilization: number; rawAverage: number } {
  let used = 0;
  let requested = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue; // a metric of a pod we do not know
    used += m.value;
    requested += r;
    n++;
  }
  if (requested === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(used / n) };
}

/** GetMetricUsageRatio: the average usage over the target average. */
export function usageRatio(metrics: PodMetrics, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}
