// The HPA's pure decisions: the replica calculator (cases of kube's replica_calculator_test.go,
// with one container per pod where kube has two, so raw averages are per container), the
// normalization with and without spec.behavior, the TARGETS column and the quantity format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHPAMetrics, type HorizontalPodAutoscaler } from '../../../src/api/kinds/horizontalpodautoscaler.js';
import type { Pod } from '../../../src/api/types.js';
import { formatMilli, setCondition } from '../../../src/controllers/podautoscaler/horizontal.js';
import { emptyHistory, normalizeDesiredReplicas, recordScaleEvent, type Normalized, type ScalingHistory } from '../../../src/controllers/podautoscaler/normalize.js';
import { groupPods, rawResourceReplicas, resourceReplicas, DEFAULT_CALCULATOR_OPTIONS, type PodMetrics } from '../../../src/controllers/podautoscaler/replica-calculator.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const COOL = '2026-06-01T11:00:00Z'; // started an hour ago: past the CPU initialization period
const HOT = '2026-06-01T11:58:00Z'; // started two minutes ago
const LONG_AGO = '2026-06-01T10:00:00Z';

interface CalcCase {
  current?: number;
  readiness?: ('True' | 'False')[];
  start?: string[];
  phase?: string[];
  deleting?: boolean[];
  /** cpu request of each pod, cores; default 1 for each pod */
  requests?: (number | undefined)[];
  /** milli-cpu used by each pod with a metric (pods without are missing) */
  levels: number[];
  podNames?: string[];
  target?: number;
  expected: { replicas: number; utilization: number; raw: number } | { error: string };
}

function pods(c: CalcCase): Pod[] {
  const n = Math.max(c.current ?? 3, c.phase?.length ?? 0);
  return Array.from({ length: n }, (_, i) => {
    const req = c.requests ? c.requests[i] : 1;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `test-pod-${i}`, namespace: 'ns', ...(c.deleting?.[i] ? { deletionTimestamp: NOW.toISOString() } : {}) },
      spec: { containers: [{ name: 'c', image: 'x', ...(req !== undefined ? { resources: { requests: { cpu: String(req) } } } : {}) }] },
      status: {
        phase: c.phase?.[i] ?? 'Running',
        startTime: c.start?.[i] ?? COOL,
        // kube's fixtures leave lastTransitionTime zero: long before any sample
        conditions: [{ type: 'Ready', status: c.readiness?.[i] ?? 'True', lastTransitionTime: LONG_AGO }],
      },
    } as Pod;
  });
}

function metrics(c: CalcCase): PodMetrics {
  // samples from before the pods last changed readiness (kube's zero timestamps)
  return new Map(c.levels.map((v, i) => [c.podNames?.[i] ?? `test-pod-${i}`, { value: v, timestamp: Date.parse(LONG_AGO), windowMs: 60_000 }]));
}

test('resourceReplicas: kube replica_calculator_test.go cases', () => {
  const cases: Record<string, CalcCase> = {
    'everything is good (within tolerance); do nothing': { requests: [0.9, 1, 1.1], levels: [1010, 1030, 1020], target: 100, expected: { replicas: 3, utilization: 102, raw: 1020 } },
    ScaleUp: { levels: [300, 500, 700], target: 30, expected: { replicas: 5, utilization: 50, raw: 500 } },
    ScaleUpUnreadyLessScale: { readiness: ['False', 'True', 'True'], levels: [300, 500, 700], target: 30, expected: { replicas: 4, utilization: 60, raw: 600 } },
    ScaleUpHotCpuLessScale: { start: [HOT, COOL, COOL], levels: [300, 500, 700], target: 30, expected: { replicas: 4, utilization: 60, raw: 600 } },
    ScaleUpUnreadyNoScale: { readiness: ['True', 'False', 'False'], levels: [400, 500, 700], target: 30, expected: { replicas: 3, utilization: 40, raw: 400 } },
    ScaleHotCpuNoScale: { readiness: ['True', 'False', 'False'], start: [COOL, HOT, HOT], levels: [400, 500, 700], target: 30, expected: { replicas: 3, utilization: 40, raw: 400 } },
    ScaleUpIgnoresFailedPods: {
      current: 2,
      readiness: ['True', 'True', 'False', 'False'],
      phase: ['Running', 'Running', 'Failed', 'Failed'],
      levels: [500, 700],
      target: 30,
      expected: { replicas: 4, utilization: 60, raw: 600 },
    },
    ScaleUpIgnoresDeletionPods: {
      current: 2,
      readiness: ['True', 'True', 'False', 'False'],
      phase: ['Running', 'Running', 'Running', 'Running'],
      deleting: [false, false, true, true],
      levels: [500, 700],
      target: 30,
      expected: { replicas: 4, utilization: 60, raw: 600 },
    },
    ScaleDown: { current: 5, levels: [100, 300, 500, 250, 250], target: 50, expected: { replicas: 3, utilization: 28, raw: 280 } },
    ScaleDownIncludeUnreadyPods: { current: 5, readiness: ['True', 'True', 'True', 'False', 'False'], levels: [100, 300, 500, 250, 250], target: 50, expected: { replicas: 2, utilization: 30, raw: 300 } },
    ScaleDownExcludeUnscheduledPods: {
      current: 5,
      readiness: ['True', 'False', 'False', 'False', 'False'],
      phase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
      levels: [100],
      target: 50,
      expected: { replicas: 1, utilization: 10, raw: 100 },
    },
    ScaleDownIgnoreHotCpuPods: { current: 5, start: [COOL, COOL, COOL, HOT, HOT], levels: [100, 300, 500, 250, 250], target: 50, expected: { replicas: 2, utilization: 30, raw: 300 } },
    ScaleDownIgnoresFailedPods: {
      current: 5,
      readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'],
      phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
      levels: [100, 300, 500, 250, 250],
      target: 50,
      expected: { replicas: 3, utilization: 28, raw: 280 },
    },
    SuperfluousMetrics: { current: 4, levels: [4000, 9500, 3000, 7000, 3200, 2000], target: 100, expected: { replicas: 24, utilization: 587, raw: 5875 } },
    MissingMetrics: { current: 4, levels: [400, 95], target: 100, expected: { replicas: 3, utilization: 24, raw: 247 } },
    EmptyMetrics: { current: 4, levels: [], target: 100, expected: { error: 'unable to get metrics for resource cpu: no metrics returned from resource metrics API' } },
    EmptyCPURequest: { current: 1, requests: [undefined], levels: [200], target: 100, expected: { error: 'missing request for cpu in container c of Pod test-pod-0' } },
    DisjointResourcesMetrics: { current: 1, levels: [100], podNames: ['an-older-pod-name'], target: 100, expected: { error: 'no metrics returned matched known pods' } },
    MissingMetricsNoChangeEq: { current: 2, levels: [1000], target: 100, expected: { replicas: 2, utilization: 100, raw: 1000 } },
    MissingMetricsNoChangeGt: { current: 2, levels: [1900], target: 100, expected: { replicas: 2, utilization: 190, raw: 1900 } },
    MissingMetricsNoChangeLt: { current: 2, levels: [600], target: 100, expected: { replicas: 2, utilization: 60, raw: 600 } },
    MissingMetricsUnreadyChange: { readiness: ['False', 'True', 'True'], levels: [100, 450], target: 50, expected: { replicas: 3, utilization: 45, raw: 450 } },
    MissingMetricsHotCpuNoChange: { start: [HOT, COOL, COOL], levels: [100, 450], target: 50, expected: { replicas: 3, utilization: 45, raw: 450 } },
    MissingMetricsUnreadyScaleUp: { readiness: ['False', 'True', 'True'], levels: [100, 2000], target: 50, expected: { replicas: 4, utilization: 200, raw: 2000 } },
    MissingMetricsHotCpuScaleUp: { readiness: ['False', 'True', 'True'], start: [HOT, COOL, COOL], levels: [100, 2000], target: 50, expected: { replicas: 4, utilization: 200, raw: 2000 } },
    MissingMetricsUnreadyScaleDown: { current: 4, readiness: ['False', 'True', 'True', 'True'], levels: [100, 100, 100], target: 50, expected: { replicas: 3, utilization: 10, raw: 100 } },
    DuringRollingUpdateWithMaxSurge: { current: 2, phase: ['Running', 'Running', 'Running'], levels: [100, 100], target: 50, expected: { replicas: 2, utilization: 10, raw: 100 } },
    'all pods unready: no metric left': { readiness: ['False', 'False', 'False'], levels: [100, 100, 100], target: 50, expected: { error: 'did not receive metrics for targeted pods (pods might be unready)' } },
    'no pods': { current: 0, levels: [100], target: 50, expected: { error: 'no pods returned by selector while calculating replica count' } },
  };
  for (const [name, c] of Object.entries(cases)) {
    const input = { currentReplicas: c.current ?? 3, pods: pods(c), metrics: metrics(c), resource: 'cpu', now: NOW };
    if ('error' in c.expected) {
      assert.throws(() => resourceReplicas(input, c.target ?? 30), { message: c.expected.error }, name);
      continue;
    }
    const r = resourceReplicas(input, c.target ?? 30);
    assert.deepEqual({ replicas: r.replicas, utilization: r.utilization, raw: r.rawAverage }, c.expected, name);
  }
});

test('resourceReplicas: the computed-tolerance regression case (just past the tolerance scales, just inside does not)', () => {
  // 10 pods using 150m each of 300m requested: 50% of request
  const c: CalcCase = { current: 10, levels: Array(10).fill(150), requests: [400, 200, 310, 290, 302, 298, 301, 299, 300, 300].map((m) => m / 1000), expected: { error: '' } };
  const input = { currentReplicas: 10, pods: pods(c), metrics: metrics(c), resource: 'cpu', now: NOW };
  // target = 1/(2*0.9) + .01 = 0.5655... -> 56%: ratio 50/56 = 0.89 < 0.9: scale to ceil(0.89*10) = 9
  assert.equal(resourceReplicas(input, 56).replicas, 9);
  // + .004 -> 55%: ratio 0.909, within the tolerance
  assert.equal(resourceReplicas(input, 55).replicas, 10);
});

test('rawResourceReplicas (target AverageValue): usage over the target per pod, missing pods at the target or 0', () => {
  const cases: Record<string, { c: CalcCase; target: number; expected: { replicas: number; usage: number } }> = {
    'everything is good (at target); do nothing': { c: { levels: [500, 500, 500], expected: { error: '' } }, target: 500, expected: { replicas: 3, usage: 500 } },
    'scale up': { c: { levels: [1000, 1000, 1000], expected: { error: '' } }, target: 500, expected: { replicas: 6, usage: 1000 } },
    'scale down': { c: { current: 4, levels: [100, 100, 100, 100], expected: { error: '' } }, target: 400, expected: { replicas: 1, usage: 100 } },
    'a missing pod counts as at target on a scale-down': { c: { current: 4, levels: [100, 100, 100], expected: { error: '' } }, target: 400, expected: { replicas: 2, usage: 100 } },
    'no requests needed': { c: { requests: [undefined, undefined, undefined], levels: [1000, 1000, 1000], expected: { error: '' } }, target: 500, expected: { replicas: 6, usage: 1000 } },
  };
  for (const [name, { c, target, expected }] of Object.entries(cases)) {
    const r = rawResourceReplicas({ currentReplicas: c.current ?? 3, pods: pods(c), metrics: metrics(c), resource: 'cpu', now: NOW }, target);
    assert.deepEqual(r, expected, name);
  }
});

test('groupPods: kube TestGroupPods cases', () => {
  const now = NOW.getTime();
  const ago = (ms: number) => new Date(now - ms).toISOString();
  const pod = (name: string, start: string | undefined, ready?: { status: 'True' | 'False'; at: string }): Pod =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [] },
      status: { phase: 'Succeeded', ...(start ? { startTime: start } : {}), ...(ready ? { conditions: [{ type: 'Ready', status: ready.status, lastTransitionTime: ready.at }] } : {}) },
    }) as Pod;
  const m = (value: number, at = now, windowMs = 60_000) => ({ value, timestamp: at, windowMs });
  const cases: Record<string, { pods: Pod[]; metrics: [string, ReturnType<typeof m>][]; resource?: string; expected: [number, string[], string[]] }> = {
    'void: nothing to do': { pods: [], metrics: [], expected: [0, [], []] },
    'count in a ready pod - memory': { pods: [pod('bentham', undefined)], metrics: [['bentham', m(1)]], resource: 'memory', expected: [1, [], []] },
    'ignore a pod without ready condition - CPU': { pods: [pod('lucretius', ago(0))], metrics: [['lucretius', m(1)]], expected: [0, ['lucretius'], []] },
    'count in a ready pod with fresh metrics during initialization period - CPU': {
      pods: [pod('bentham', ago(60_000), { status: 'True', at: ago(30_000) })],
      metrics: [['bentham', m(1, now, 30_000)]],
      expected: [1, [], []],
    },
    'ignore a ready pod without fresh metrics during initialization period - CPU': {
      pods: [pod('bentham', ago(60_000), { status: 'True', at: ago(30_000) })],
      metrics: [['bentham', m(1, now, 60_000)]],
      expected: [0, ['bentham'], []],
    },
    'ignore an unready pod during initialization period - CPU': {
      pods: [pod('lucretius', ago(600_000), { status: 'False', at: ago(594_000) })],
      metrics: [['lucretius', m(1, 0, 0)]],
      expected: [0, ['lucretius'], []],
    },
    'count in a ready pod without fresh metrics after initialization period - CPU': {
      pods: [pod('bentham', ago(180_000), { status: 'True', at: ago(180_000) })],
      metrics: [['bentham', m(1, now - 120_000)]],
      expected: [1, [], []],
    },
    'count in an unready pod that was ready after initialization period - CPU': {
      pods: [pod('lucretius', ago(600_000), { status: 'False', at: ago(540_000) })],
      metrics: [['lucretius', m(1, 0, 0)]],
      expected: [1, [], []],
    },
    'ignore pod that has never been ready after initialization period - CPU': {
      pods: [pod('lucretius', ago(600_000), { status: 'False', at: ago(590_000) })],
      metrics: [['lucretius', m(1, 0, 0)]],
      expected: [1, [], []],
    },
    'a missing pod': { pods: [pod('epicurus', ago(180_000))], metrics: [], expected: [0, [], ['epicurus']] },
  };
  for (const [name, c] of Object.entries(cases)) {
    // kube's testing periods: 2 min of CPU initialization, 10 s of initial readiness delay
    const g = groupPods(c.pods, new Map(c.metrics), c.resource ?? 'cpu', NOW, { ...DEFAULT_CALCULATOR_OPTIONS, cpuInitializationPeriodMs: 120_000, delayOfInitialReadinessStatusMs: 10_000 });
    assert.deepEqual([g.readyCount, [...g.unready], [...g.missing]], c.expected, name);
  }
});

const T = NOW.getTime();
const hpa = (mutate?: (h: HorizontalPodAutoscaler) => void): HorizontalPodAutoscaler => {
  const h = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h', namespace: 'ns' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'd', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 20 },
  } as HorizontalPodAutoscaler;
  mutate?.(h);
  return h;
};

test('normalizeDesiredReplicas: stabilization, rate limits and bounds, with and without spec.behavior', () => {
  const cases: Record<
    string,
    { hpa?: (h: HorizontalPodAutoscaler) => void; current: number; desired: number; min?: number; history?: Partial<ScalingHistory>; expected: { replicas: number; able: string; limited: [string, string] } }
  > = {
    'everything is good (no change); do nothing': { current: 3, desired: 3, expected: { replicas: 3, able: 'ReadyForNewScale', limited: ['False', 'DesiredWithinRange'] } },
    'no behavior: a higher recommendation of the last 5 minutes holds a scale-down': {
      current: 5,
      desired: 2,
      history: { recommendations: [{ replicas: 5, at: T - 60_000 }] },
      expected: { replicas: 5, able: 'ScaleDownStabilized', limited: ['False', 'DesiredWithinRange'] },
    },
    'no behavior: a recommendation older than the window does not': {
      current: 5,
      desired: 2,
      history: { recommendations: [{ replicas: 5, at: T - 301_000 }] },
      expected: { replicas: 2, able: 'ReadyForNewScale', limited: ['False', 'DesiredWithinRange'] },
    },
    'no behavior: scale up by at most max(2*current, 4)': { current: 1, desired: 10, expected: { replicas: 4, able: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] } },
    'no behavior: not above maxReplicas': { hpa: (h) => (h.spec.maxReplicas = 5), current: 3, desired: 10, expected: { replicas: 5, able: 'ReadyForNewScale', limited: ['True', 'TooManyReplicas'] } },
    'no behavior: not below minReplicas': { current: 3, desired: 0, min: 2, expected: { replicas: 2, able: 'ReadyForNewScale', limited: ['True', 'TooFewReplicas'] } },
    'behavior defaults: scale up by max(4 pods, 100%) per 15 s': { hpa: (h) => (h.spec.behavior = {}), current: 2, desired: 10, expected: { replicas: 6, able: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] } },
    'behavior: pods added within the period count against the limit': {
      hpa: (h) => (h.spec.behavior = {}),
      current: 6,
      desired: 20,
      history: { scaleUpEvents: [{ change: 4, at: T - 5_000, outdated: false }] },
      expected: { replicas: 6, able: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] },
    },
    'behavior: events older than the period do not': {
      hpa: (h) => (h.spec.behavior = {}),
      current: 6,
      desired: 20,
      history: { scaleUpEvents: [{ change: 4, at: T - 16_000, outdated: false }] },
      expected: { replicas: 12, able: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] },
    },
    'behavior: the controller window (300 s) holds a scale-down when the HPA names none': {
      hpa: (h) => (h.spec.behavior = {}),
      current: 8,
      desired: 2,
      history: { recommendations: [{ replicas: 8, at: T - 100_000 }] },
      expected: { replicas: 8, able: 'ScaleDownStabilized', limited: ['False', 'DesiredWithinRange'] },
    },
    'behavior: a scale-down window of 0 and 100% per 15 s goes straight down': {
      hpa: (h) => (h.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 0 } }),
      current: 10,
      desired: 1,
      history: { recommendations: [{ replicas: 10, at: T - 1_000 }] },
      expected: { replicas: 1, able: 'ReadyForNewScale', limited: ['False', 'DesiredWithinRange'] },
    },
    'behavior: one pod per minute down': {
      hpa: (h) => (h.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }),
      current: 5,
      desired: 1,
      expected: { replicas: 4, able: 'ReadyForNewScale', limited: ['True', 'ScaleDownLimit'] },
    },
    'behavior: one pod per minute down, one went 30 s ago': {
      hpa: (h) => (h.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }),
      current: 4,
      desired: 1,
      history: { scaleDownEvents: [{ change: 1, at: T - 30_000, outdated: false }] },
      expected: { replicas: 4, able: 'ReadyForNewScale', limited: ['True', 'ScaleDownLimit'] },
    },
    'behavior: scale-down Disabled': {
      hpa: (h) => (h.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Disabled' } }),
      current: 5,
      desired: 1,
      expected: { replicas: 5, able: 'ReadyForNewScale', limited: ['True', 'ScaleDownLimit'] },
    },
    'behavior: selectPolicy Min picks the smaller scale-up': {
      hpa: (h) => (h.spec.behavior = { scaleUp: { selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] } }),
      current: 4,
      desired: 10,
      expected: { replicas: 5, able: 'ReadyForNewScale', limited: ['True', 'ScaleUpLimit'] },
    },
    'behavior: a scale-up window keeps the lowest recent recommendation': {
      hpa: (h) => (h.spec.behavior = { scaleUp: { stabilizationWindowSeconds: 60 } }),
      current: 3,
      desired: 6,
      history: { recommendations: [{ replicas: 3, at: T - 30_000 }] },
      expected: { replicas: 3, able: 'ScaleUpStabilized', limited: ['False', 'DesiredWithinRange'] },
    },
    'behavior: Percent scale-down rounds toward fewer removed': {
      hpa: (h) => (h.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } }),
      current: 5,
      desired: 1,
      // 5 * 0.9 = 4.5 -> 4
      expected: { replicas: 4, able: 'ReadyForNewScale', limited: ['True', 'ScaleDownLimit'] },
    },
    'behavior: maxReplicas below the rate limit': {
      hpa: (h) => ((h.spec.behavior = {}), (h.spec.maxReplicas = 5)),
      current: 2,
      desired: 10,
      expected: { replicas: 5, able: 'ReadyForNewScale', limited: ['True', 'TooManyReplicas'] },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const history = { ...emptyHistory(), ...c.history };
    const n: Normalized = normalizeDesiredReplicas(
      { hpa: hpa(c.hpa), currentReplicas: c.current, desiredReplicas: c.desired, minReplicas: c.min ?? 1, now: T, downscaleStabilizationMs: 300_000 },
      history,
    );
    assert.deepEqual({ replicas: n.replicas, able: n.ableToScale.reason, limited: [n.scalingLimited.status, n.scalingLimited.reason] }, c.expected, name);
    assert.equal(history.recommendations.at(-1)?.replicas ?? history.recommendations.find((r) => r.at === T)?.replicas, c.desired, `${name}: the recommendation is remembered`);
  }
});

test('recordScaleEvent: only with behavior; an outdated slot is reused', () => {
  const h = hpa((x) => (x.spec.behavior = {}));
  const history = emptyHistory();
  recordScaleEvent(hpa(), history, 1, 4, T);
  assert.equal(history.scaleUpEvents.length, 0, 'no behavior: nothing kept');
  recordScaleEvent(h, history, 1, 4, T - 60_000);
  recordScaleEvent(h, history, 4, 6, T);
  assert.deepEqual(history.scaleUpEvents, [{ change: 2, at: T, outdated: false }]);
  recordScaleEvent(h, history, 6, 3, T);
  assert.deepEqual(history.scaleDownEvents, [{ change: 3, at: T, outdated: false }]);
});

test('formatHPAMetrics and formatMilli: the TARGETS column as kubectl prints it', () => {
  const cpu = (u: number) => ({ type: 'Resource' as const, resource: { name: 'cpu', target: { type: 'Utilization' as const, averageUtilization: u } } });
  const status = (u: number) => ({ type: 'Resource' as const, resource: { name: 'cpu', current: { averageUtilization: u, averageValue: '12m' } } });
  assert.equal(formatHPAMetrics([cpu(50)], [status(12)]), 'cpu: 12%/50%');
  assert.equal(formatHPAMetrics([cpu(50)], undefined), 'cpu: <unknown>/50%');
  assert.equal(formatHPAMetrics([], undefined), '<none>');
  assert.equal(formatHPAMetrics([{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }], [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '50Mi' } } }]), 'memory: 50Mi/100Mi');
  assert.equal(formatHPAMetrics([cpu(1), cpu(2), cpu(3), cpu(4)], []), 'cpu: <unknown>/1%, cpu: <unknown>/2% + 2 more...');
  assert.deepEqual([formatMilli(250), formatMilli(1000), formatMilli(200_000_000_000), formatMilli(104_857_600_000)], ['250m', '1', '200M', '104857600']);
});

test('setCondition: lastTransitionTime moves only when the status does', () => {
  const a = setCondition([], 'AbleToScale', { status: 'True', reason: 'A', message: 'a' }, new Date(T));
  const b = setCondition(a, 'AbleToScale', { status: 'True', reason: 'B', message: 'b' }, new Date(T + 1000));
  assert.equal(b[0].lastTransitionTime, a[0].lastTransitionTime);
  assert.equal(b[0].reason, 'B');
  const c = setCondition(b, 'AbleToScale', { status: 'False', reason: 'C', message: 'c' }, new Date(T + 2000));
  assert.notEqual(c[0].lastTransitionTime, a[0].lastTransitionTime);
});
