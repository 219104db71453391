// autoscaling/v1 HorizontalPodAutoscaler: a view of the stored autoscaling/v2 object, converted as
// pkg/apis/autoscaling/v1/conversion.go does. v1 knows one metric, targetCPUUtilizationPercentage;
// what only v2 has (other metrics, behavior, conditions, current metrics) travels in the
// autoscaling.alpha.kubernetes.io annotations, so a v1 round trip loses nothing.
// `kubectl autoscale` of kubectl 1.32 creates its HPAs through this version.
import { z } from 'zod';
import { badRequest } from '../errors.js';
import { int, objectBase, str } from '../fields.js';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from './horizontalpodautoscaler.js';
import type { KubeObject, VersionView } from './kind.js';

export const ANN_METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
export const ANN_CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const ANN_CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
export const ANN_BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';

const v1Schema = z.strictObject({
  ...objectBase('HorizontalPodAutoscaler'),
  spec: z
    .strictObject({
      scaleTargetRef: z.strictObject({ kind: str, name: str, apiVersion: str.optional() }),
      minReplicas: int.optional(),
      maxReplicas: int,
      targetCPUUtilizationPercentage: int.optional(),
    })
    .optional(),
  status: z
    .strictObject({
      observedGeneration: int.optional(),
      lastScaleTime: str.optional(),
      currentReplicas: int.optional(),
      desiredReplicas: int.optional(),
      currentCPUUtilizationPercentage: int.optional(),
    })
    .optional(),
});

type V1 = z.output<typeof v1Schema>;

const isCpuUtilization = (m: MetricSpec) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization';

/** v2 (stored) -> v1 */
export function hpaToV1(hpa: HorizontalPodAutoscaler): V1 & { apiVersion: 'autoscaling/v1' } {
  const annotations: Record<string, string> = { ...hpa.metadata.annotations };
  const metrics = hpa.spec.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[ANN_METRICS] = JSON.stringify(others);
  if (hpa.spec.behavior) annotations[ANN_BEHAVIOR] = JSON.stringify(hpa.spec.behavior);
  const s = hpa.status;
  const current = s?.currentMetrics ?? [];
  const cpuNow = current.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current.averageUtilization !== undefined);
  const otherNow = current.filter((m) => m !== cpuNow);
  if (otherNow.length) annotations[ANN_CURRENT_METRICS] = JSON.stringify(otherNow);
  if (s?.conditions?.length) annotations[ANN_CONDITIONS] = JSON.stringify(s.conditions);
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...hpa.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      scaleTargetRef: hpa.spec.scaleTargetRef,
      ...(hpa.spec.minReplicas !== undefined ? { minReplicas: hpa.spec.minReplicas } : {}),
      maxReplicas: hpa.spec.maxReplicas,
      ...(cpu?.resource?.target.averageUtilization !== undefined ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}),
    },
    status: {
      ...(s?.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}),
      ...(s?.lastScaleTime ? { lastScaleTime: s.lastScaleTime } : {}),
      currentReplicas: s?.currentReplicas ?? 0,
      desiredReplicas: s?.desiredReplicas ?? 0,
      ...(cpuNow ? { currentCPUUtilizationPercentage: cpuNow.resource!.current.averageUtilization } : {}),
    },
  };
}

function fromAnnotation<T>(annotations: Record<string, string>, key: string): T | undefined {
  const text = annotations[key];
  if (text === undefined) return undefined;
  delete annotations[key];
  try {
    return JSON.parse(text) as T;
  } catch {
    throw badRequest(`HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: invalid JSON in annotation ${key}`);
  }
}

/** v1 (a request body) -> v2, for the registry to default, validate and store. */
export function hpaFromV1(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const b = body as Record<string, unknown>;
  if (b.apiVersion !== undefined && b.apiVersion !== 'autoscaling/v1') {
    throw badRequest(`the API version in the data (${String(b.apiVersion)}) does not match the expected API version (autoscaling/v1)`);
  }
  const parsed = v1Schema.safeParse({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', ...b });
  if (!parsed.success) {
    const unknown = parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k].join('.')) : []));
    if (unknown.length) {
      throw badRequest(`HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: ${unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`);
    }
    // anything else (types, required fields) is reported by the v2 validation in its own words
  }
  const v1 = b as unknown as V1;
  const annotations: Record<string, string> = { ...v1.metadata?.annotations };
  const others = fromAnnotation<MetricSpec[]>(annotations, ANN_METRICS) ?? [];
  const behavior = fromAnnotation<HorizontalPodAutoscaler['spec']['behavior']>(annotations, ANN_BEHAVIOR);
  const currentOthers = fromAnnotation<MetricStatus[]>(annotations, ANN_CURRENT_METRICS) ?? [];
  const conditions = fromAnnotation<NonNullable<HorizontalPodAutoscaler['status']>['conditions']>(annotations, ANN_CONDITIONS);
  const spec = v1.spec;
  const cpu: MetricSpec[] =
    spec?.targetCPUUtilizationPercentage !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }] : [];
  // as kube's conversion orders them: the annotation's, then the cpu target
  const metrics = [...others, ...cpu];
  const st = v1.status;
  const currentCpu: MetricStatus[] =
    st?.currentCPUUtilizationPercentage !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } }] : [];
  const currentMetrics = [...currentOthers, ...currentCpu];
  const metadata = { ...(v1.metadata ?? {}) } as KubeObject['metadata'];
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    ...(spec
      ? {
          spec: {
            scaleTargetRef: spec.scaleTargetRef,
            ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
            maxReplicas: spec.maxReplicas,
            ...(metrics.length ? { metrics } : {}),
            ...(behavior ? { behavior } : {}),
          },
        }
      : {}),
    ...(st
      ? {
          status: {
            ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
            ...(st.lastScaleTime ? { lastScaleTime: st.lastScaleTime } : {}),
            ...(st.currentReplicas !== undefined ? { currentReplicas: st.currentReplicas } : {}),
            desiredReplicas: st.desiredReplicas ?? 0,
            ...(currentMetrics.length ? { currentMetrics } : {}),
            ...(conditions ? { conditions } : {}),
          },
        }
      : {}),
  };
}

export const HPA_V1: VersionView = {
  version: 'v1',
  toStored: hpaFromV1,
  fromStored: (o) => hpaToV1(o as unknown as HorizontalPodAutoscaler),
};
