// The horizontal pod autoscaler (pkg/controller/podautoscaler/horizontal.go): every sync period
// (15 s) each HPA reads its target's scale, its pods' resource usage from the node agent (what
// the metrics.k8s.io API serves to `kubectl top`, asked in-process), computes the replicas each
// metric asks for (replica-calculator.ts), keeps the largest, stabilizes and rate-limits it
// (normalize.ts), writes the target's scale and reports status, conditions and events.
import { parseSelector, matches } from '../../api/labels.js';
import { parseQuantity } from '../../api/quantity.js';
import { byKind } from '../../api/resources.js';
import { rfc3339 } from '../../api/time.js';
import type { HorizontalPodAutoscaler, HPACondition, MetricSpec, MetricStatus } from '../../api/kinds/horizontalpodautoscaler.js';
import type { AnyObject, Kind, Pod } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { applyScale, scaleOf, type Scale } from '../../apiserver/scale.js';
import { deepEqual } from '../../store/canonical.js';
import type { ControllerContext } from '../context.js';
import { objectKey, splitKey } from '../context.js';
import { QueueController } from '../queue.js';
import { emptyHistory, normalizeDesiredReplicas, recordScaleEvent, type Condition, type ScalingHistory } from './normalize.js';
import { rawResourceReplicas, resourceReplicas, type CalculatorOptions, type PodMetrics } from './replica-calculator.js';

/** A pod's containers' usage, as the node agent reads it (agent.podUsage(); MetricsSource.pods()). */
export interface PodUsage {
  namespace: string;
  name: string;
  containers: { name: string; usage: { cpuNanoCores: number; memoryBytes: number } }[];
}

export interface PodMetricsSource {
  pods(): Promise<PodUsage[]>;
}

export interface HorizontalOptions {
  /** --horizontal-pod-autoscaler-sync-period, ms (15 s) */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization, ms (5 min) */
  downscaleStabilizationMs?: number;
  calculator?: Partial<CalculatorOptions>;
  now?: () => Date;
}

const COMPONENT = 'horizontal-pod-autoscaler';
/** The window k1s's usage readings cover (Docker rates CPU over about a second). */
const METRIC_WINDOW_MS = 1000;

/** kube's Quantity.String() of NewMilliQuantity(v, DecimalSI): "250m", "1", "200M". */
export function formatMilli(milli: number): string {
  const v = Math.round(milli);
  if (v % 1000 !== 0) return `${v}m`;
  let n = v / 1000;
  const suffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  let i = 0;
  while (n !== 0 && n % 1000 === 0 && i < suffixes.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n}${suffixes[i]}`;
}

/** The usage of one resource per pod, milli-units, as the resource metrics client reads it. */
export function podMetricsFor(usage: PodUsage[], namespace: string, resource: string, now: Date): PodMetrics {
  const out: PodMetrics = new Map();
  for (const p of usage) {
    if (p.namespace !== namespace || !p.containers.length) continue;
    let value = 0;
    for (const c of p.containers) value += resource === 'cpu' ? Math.round(c.usage.cpuNanoCores / 1e6) : c.usage.memoryBytes * 1000;
    out.set(p.name, { value, timestamp: now.getTime(), windowMs: METRIC_WINDOW_MS });
  }
  return out;
}

/** setCondition: a condition whose status changes gets a new lastTransitionTime. */
export function setCondition(conditions: HPACondition[], type: HPACondition['type'], c: Condition, now: Date): HPACondition[] {
  const old = conditions.find((x) => x.type === type);
  const next: HPACondition = {
    type,
    status: c.status,
    lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : rfc3339(now),
    reason: c.reason,
    message: c.message,
  };
  return old ? conditions.map((x) => (x === old ? next : x)) : [...conditions, next];
}

const ORDER: HPACondition['type'][] = ['AbleToScale', 'ScalingActive', 'ScalingLimited'];

interface MetricsOutcome {
  replicas: number;
  metricName: string;
  statuses: MetricStatus[];
  error?: Error;
}

export class HorizontalController extends QueueController {
  private readonly hpas: Informer<HorizontalPodAutoscaler>;
  private readonly history = new Map<string, ScalingHistory>();
  private readonly now: () => Date;
  private readonly syncPeriodMs: number;
  private readonly downscaleStabilizationMs: number;
  private resync?: NodeJS.Timeout;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly metrics: PodMetricsSource,
    private readonly opts: HorizontalOptions = {},
  ) {
    super('horizontal-pod-autoscaler', ctx.logger);
    this.hpas = ctx.informers.all.get('HorizontalPodAutoscaler') as unknown as Informer<HorizontalPodAutoscaler>;
    this.now = opts.now ?? (() => new Date());
    this.syncPeriodMs = opts.syncPeriodMs ?? 15_000;
    this.downscaleStabilizationMs = opts.downscaleStabilizationMs ?? 5 * 60_000;
  }

  start(): void {
    this.on(this.hpas, (type, hpa) => {
      if (type === 'DELETED') this.history.delete(objectKey(hpa));
      // a status write of our own is no reason to look again before the next period
      else if (type === 'ADDED' || hpa.metadata.generation !== hpa.status?.observedGeneration) this.queue.add(objectKey(hpa));
    });
    this.resyncAll();
    this.resync = setInterval(() => this.resyncAll(), this.syncPeriodMs);
  }

  override stop(): void {
    clearInterval(this.resync);
    super.stop();
  }

  /** Every HPA, once: what the periodic resync does (tests call it with their own clock). */
  resyncAll(): void {
    for (const hpa of this.hpas.list()) this.queue.add(objectKey(hpa));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const hpa = this.hpas.get(ns, name);
    if (!hpa) return void this.history.delete(key);
    let history = this.history.get(key);
    if (!history) this.history.set(key, (history = emptyHistory()));
    const now = this.now();
    const status = await this.reconcile(structuredClone(hpa), history, now);
    if (!deepEqual(status, hpa.status)) await this.ctx.client.updateStatus({ ...hpa, status } as unknown as AnyObject);
  }

  private async reconcile(hpa: HorizontalPodAutoscaler, history: ScalingHistory, now: Date): Promise<HorizontalPodAutoscaler['status']> {
    let conditions = [...(hpa.status?.conditions ?? [])];
    const cond = (type: HPACondition['type'], status: 'True' | 'False', reason: string, message: string) => {
      conditions = setCondition(conditions, type, { status, reason, message }, now);
    };
    const ns = hpa.metadata.namespace ?? 'default';
    const ref = hpa.spec.scaleTargetRef;
    const finish = (currentReplicas: number | undefined, desiredReplicas: number, metrics: MetricStatus[] | undefined, rescaled: boolean): HorizontalPodAutoscaler['status'] => ({
      observedGeneration: hpa.metadata.generation,
      ...(rescaled ? { lastScaleTime: rfc3339(now) } : hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
      ...(currentReplicas !== undefined ? { currentReplicas } : {}),
      desiredReplicas,
      ...(metrics?.length ? { currentMetrics: metrics } : {}),
      conditions: [...conditions].sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type)),
    });

    let target: AnyObject;
    let scale: Scale;
    try {
      ({ target, scale } = await this.getScale(ref, ns));
    } catch (e) {
      const msg = (e as Error).message;
      this.ctx.events.record(hpa as unknown as AnyObject, 'Warning', 'FailedGetScale', msg, COMPONENT);
      cond('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`);
      return finish(hpa.status?.currentReplicas, hpa.status?.desiredReplicas ?? 0, hpa.status?.currentMetrics, false);
    }
    cond('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const currentReplicas = scale.spec.replicas;
    const minReplicas = hpa.spec.minReplicas ?? 1;
    let desiredReplicas = 0;
    let reason = '';
    let rescale = true;
    let statuses: MetricStatus[] = [];

    if (currentReplicas === 0 && minReplicas !== 0) {
      rescale = false;
      cond('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (currentReplicas > hpa.spec.maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = hpa.spec.maxReplicas;
    } else if (currentReplicas < minReplicas) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      const outcome = await this.computeReplicasForMetrics(hpa, scale, cond, now);
      statuses = outcome.statuses;
      if (outcome.error && outcome.replicas === -1) {
        this.ctx.events.record(hpa as unknown as AnyObject, 'Warning', 'FailedComputeMetricsReplicas', outcome.error.message, COMPONENT);
        return finish(currentReplicas, hpa.status?.desiredReplicas ?? 0, statuses, false);
      }
      desiredReplicas = Math.max(0, outcome.replicas);
      if (desiredReplicas > currentReplicas) reason = `${outcome.metricName} above target`;
      if (desiredReplicas < currentReplicas) reason = 'All metrics below target';
      const n = normalizeDesiredReplicas(
        { hpa, currentReplicas, desiredReplicas, minReplicas, now: now.getTime(), downscaleStabilizationMs: this.downscaleStabilizationMs },
        history,
      );
      cond('AbleToScale', n.ableToScale.status, n.ableToScale.reason, n.ableToScale.message);
      cond('ScalingLimited', n.scalingLimited.status, n.scalingLimited.reason, n.scalingLimited.message);
      desiredReplicas = n.replicas;
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await this.ctx.client.update(applyScale(target, { spec: { replicas: desiredReplicas } }) as AnyObject);
      } catch (e) {
        const msg = (e as Error).message;
        this.ctx.events.record(hpa as unknown as AnyObject, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${reason}; error: ${msg}`, COMPONENT);
        cond('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`);
        return finish(currentReplicas, hpa.status?.desiredReplicas ?? 0, statuses, false);
      }
      cond('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desiredReplicas}`);
      this.ctx.events.record(hpa as unknown as AnyObject, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${reason}`, COMPONENT);
      this.ctx.logger.info({ hpa: objectKey(hpa), from: currentReplicas, to: desiredReplicas, reason }, 'rescaled');
      recordScaleEvent(hpa, history, currentReplicas, desiredReplicas, now.getTime());
    } else {
      desiredReplicas = currentReplicas;
    }
    return finish(currentReplicas, desiredReplicas, statuses, rescale);
  }

  /** The target and its Scale, as GET .../scale answers (any kind with the scale subresource). */
  private async getScale(ref: HorizontalPodAutoscaler['spec']['scaleTargetRef'], ns: string): Promise<{ target: AnyObject; scale: Scale }> {
    const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
    const r = byKind(ref.kind);
    if (!r || (ref.apiVersion && r.group !== group)) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
    if (!r.subresources.includes('scale')) throw new Error(`the server could not find the requested resource (get ${r.resource}.${r.group} ${ref.name})`);
    const target = await this.ctx.client.get(r.kind as Kind, ns, ref.name);
    return { target, scale: scaleOf(target) };
  }

  /** computeReplicasForMetrics: the largest proposal; invalid metrics stop it unless the valid ones scale up. */
  private async computeReplicasForMetrics(
    hpa: HorizontalPodAutoscaler,
    scale: Scale,
    cond: (type: HPACondition['type'], status: 'True' | 'False', reason: string, message: string) => void,
    now: Date,
  ): Promise<MetricsOutcome> {
    const specs = hpa.spec.metrics ?? [];
    if (!scale.status.selector) {
      const msg = "the HPA target's scale is missing a selector";
      this.ctx.events.record(hpa as unknown as AnyObject, 'Warning', 'SelectorRequired', 'selector is required', COMPONENT);
      cond('ScalingActive', 'False', 'InvalidSelector', msg);
      return { replicas: -1, metricName: '', statuses: [], error: new Error(msg) };
    }
    const selector = parseSelector(scale.status.selector);
    const pods = (this.ctx.informers.pods.list(hpa.metadata.namespace) as Pod[]).filter((p) => matches(selector, p.metadata.labels ?? {}));
    let usage: PodUsage[] | undefined;
    let usageError: Error | undefined;
    try {
      usage = await this.metrics.pods();
    } catch (e) {
      usageError = e as Error;
    }

    let replicas = 0;
    let metricName = '';
    const statuses: MetricStatus[] = [];
    let invalid = 0;
    let firstInvalid: { reason: string; message: string; error: Error } | undefined;
    for (const spec of specs) {
      try {
        const r = this.replicasForMetric(spec, scale.spec.replicas, pods, usage, usageError, hpa.metadata.namespace ?? 'default', now);
        statuses.push(r.status);
        if (r.replicas > replicas) {
          replicas = r.replicas;
          metricName = r.name;
        }
      } catch (e) {
        const err = e as Error & { inner?: string };
        statuses.push({ type: spec.type } as MetricStatus);
        this.ctx.events.record(hpa as unknown as AnyObject, 'Warning', 'FailedGetResourceMetric', err.inner ?? err.message, COMPONENT);
        invalid++;
        firstInvalid ??= { reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${err.inner ?? err.message}`, error: err };
      }
    }
    if (firstInvalid && (invalid >= specs.length || replicas < scale.spec.replicas)) {
      cond('ScalingActive', 'False', firstInvalid.reason, firstInvalid.message);
      return { replicas: -1, metricName: '', statuses, error: new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstInvalid.error.message}`) };
    }
    cond('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`);
    return { replicas, metricName, statuses };
  }

  private replicasForMetric(spec: MetricSpec, current: number, pods: Pod[], usage: PodUsage[] | undefined, usageError: Error | undefined, ns: string, now: Date): { replicas: number; name: string; status: MetricStatus } {
    if (spec.type !== 'Resource' || !spec.resource) throw Object.assign(new Error(`unsupported metric source type "${spec.type}"`));
    const { name: resource, target } = spec.resource;
    const fail = (inner: string, what: string) => Object.assign(new Error(`failed to get ${resource} resource metric value: failed to get ${resource} ${what}: ${inner}`), { inner });
    const input = () => {
      if (!usage) throw new Error(`unable to get metrics for resource ${resource}: ${usageError?.message ?? 'no metrics source'}`);
      return { currentReplicas: current, pods, metrics: podMetricsFor(usage, ns, resource, now), resource, now, options: this.opts.calculator };
    };
    if (target.type === 'Utilization') {
      if (target.averageUtilization === undefined) throw fail('missing target utilization', 'utilization');
      try {
        const r = resourceReplicas(input(), target.averageUtilization);
        return {
          replicas: r.replicas,
          name: `${resource} resource utilization (percentage of request)`,
          status: { type: 'Resource', resource: { name: resource, current: { averageValue: formatMilli(r.rawAverage), averageUtilization: r.utilization } } },
        };
      } catch (e) {
        throw fail((e as Error).message, 'utilization');
      }
    }
    if (target.averageValue === undefined) throw fail('invalid resource metric source: neither a utilization target nor a value target was set', 'usage');
    try {
      const r = rawResourceReplicas(input(), Math.round(parseQuantity(target.averageValue) * 1000));
      return { replicas: r.replicas, name: `${resource} resource`, status: { type: 'Resource', resource: { name: resource, current: { averageValue: formatMilli(r.usage) } } } };
    } catch (e) {
      throw fail((e as Error).message, 'usage');
    }
  }
}
