// The HPA controller over the real registry and informers, with a fake metrics source and clock:
// a busy Deployment is scaled up with kube's event and status, scaled down to minReplicas once
// idle, and a target or metric it cannot read shows in its conditions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byKind } from '../../../src/api/resources.js';
import type { Deployment, HorizontalPodAutoscaler, Pod } from '../../../src/api/types.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { LocalClient } from '../../../src/client/client.js';
import { createInformers, type Informers } from '../../../src/controllers/context.js';
import type { EventRecorder } from '../../../src/controllers/events.js';
import { HorizontalController, type PodUsage } from '../../../src/controllers/podautoscaler/horizontal.js';
import { silentLogger } from '../../../src/log.js';
import { Store } from '../../../src/store/store.js';

let dir: string;
let store: Store;
let registry: Registry;
let informers: Informers;
let controller: HorizontalController;
const events: { reason: string; message: string; type: string }[] = [];
let clock = Date.parse('2026-06-01T12:00:00Z');
/** milli-cpu each pod uses, by name; undefined: the metrics source fails */
let usage: Record<string, number> | undefined = {};

const r = (kind: string) => byKind(kind)!;
const LONG_AGO = '2026-06-01T10:00:00Z';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k1s-hpa-'));
  store = new Store(join(dir, 'state.db'));
  registry = new Registry(store, { serviceCIDR: '10.43.0.0/16', nodePortRange: { min: 30000, max: 32767 }, reservedIPs: [] });
  registry.bootstrap();
  const client = new LocalClient(registry);
  informers = createInformers(client);
  informers.all.forEach((inf) => inf.start());
  const recorder = { record: (_o: unknown, type: string, reason: string, message: string) => events.push({ type, reason, message }) } as unknown as EventRecorder;
  const metrics = {
    async pods(): Promise<PodUsage[]> {
      if (!usage) throw new Error('the node agent is not running');
      return Object.entries(usage).map(([name, m]) => ({ namespace: 'default', name, containers: [{ name: 'c', usage: { cpuNanoCores: m * 1e6, memoryBytes: 0 } }] }));
    },
  };
  controller = new HorizontalController({ client, informers, logger: silentLogger, events: recorder }, metrics, { syncPeriodMs: 3_600_000, now: () => new Date(clock) });
  controller.start();
});

after(() => {
  controller.stop();
  informers.all.forEach((inf) => inf.close());
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => T | undefined | false): Promise<T> {
  for (const deadline = Date.now() + 5000; ; ) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

function runningPod(name: string, cpu: string | undefined): void {
  const spec = { containers: [{ name: 'c', image: 'busybox', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] };
  const p = registry.create(r('Pod'), 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec }) as Pod;
  registry.update(r('Pod'), 'default', name, { ...p, status: { phase: 'Running', startTime: LONG_AGO, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: LONG_AGO }] } }, { subresource: 'status' });
}

const deployment = () => registry.get(r('Deployment'), 'default', 'web') as Deployment;
const hpa = () => registry.get(r('HorizontalPodAutoscaler'), 'default', 'web') as HorizontalPodAutoscaler;
const cond = (type: string) => hpa().status?.conditions?.find((c) => c.type === type);

test('a busy Deployment is scaled up, an idle one down to minReplicas, with kube events, status and conditions', async () => {
  registry.create(r('Deployment'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  runningPod('web-a', '100m');
  runningPod('web-b', '100m');
  usage = { 'web-a': 100, 'web-b': 100 };
  registry.create(r('HorizontalPodAutoscaler'), 'default', {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    },
  });
  // 100% of request against 50%: twice the pods
  await until('the scale-up', () => deployment().spec.replicas === 4);
  await until('the status', () => hpa().status?.desiredReplicas === 4);
  assert.deepEqual(events.at(-1), { type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target' });
  const s = hpa().status!;
  assert.equal(s.currentReplicas, 2);
  assert.ok(s.lastScaleTime);
  assert.deepEqual(s.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '100m', averageUtilization: 100 } } }]);
  assert.deepEqual(
    s.conditions?.map((c) => [c.type, c.status, c.reason]),
    [
      ['AbleToScale', 'True', 'SucceededRescale'],
      ['ScalingActive', 'True', 'ValidMetricFound'],
      ['ScalingLimited', 'False', 'DesiredWithinRange'],
    ],
  );

  // idle, a period later: down to minReplicas in one step (window 0, 100% per 15 s)
  usage = { 'web-a': 0, 'web-b': 0 };
  clock += 15_000;
  controller.resyncAll();
  await until('the scale-down', () => deployment().spec.replicas === 1);
  assert.deepEqual(events.at(-1), { type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 1; reason: All metrics below target' });
  await until('ScalingLimited', () => cond('ScalingLimited')?.status === 'True');
  assert.equal(cond('ScalingLimited')?.reason, 'TooFewReplicas');

  // the metrics source failing: ScalingActive False, the target left as it is
  usage = undefined;
  clock += 15_000;
  controller.resyncAll();
  await until('ScalingActive False', () => cond('ScalingActive')?.status === 'False');
  assert.equal(cond('ScalingActive')?.reason, 'FailedGetResourceMetric');
  assert.match(cond('ScalingActive')!.message!, /^the HPA was unable to compute the replica count: unable to get metrics for resource cpu: the node agent is not running/);
  assert.equal(events.at(-1)?.reason, 'FailedComputeMetricsReplicas');
  assert.equal(deployment().spec.replicas, 1);
});

test('a target that does not exist: AbleToScale False, FailedGetScale', async () => {
  registry.create(r('HorizontalPodAutoscaler'), 'default', {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'ghost' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost' }, maxReplicas: 3 },
  });
  const ghost = () => registry.get(r('HorizontalPodAutoscaler'), 'default', 'ghost') as HorizontalPodAutoscaler;
  await until('the condition', () => ghost().status?.conditions?.length);
  const c = ghost().status!.conditions![0];
  assert.deepEqual([c.type, c.status, c.reason], ['AbleToScale', 'False', 'FailedGetScale']);
  assert.ok(events.some((e) => e.reason === 'FailedGetScale'));
});

test('the API: defaults (minReplicas 1, cpu 80%), validation, and the table row', () => {
  const created = registry.create(r('HorizontalPodAutoscaler'), 'default', {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'defaults' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }, maxReplicas: 3, behavior: {} },
  }) as HorizontalPodAutoscaler;
  assert.equal(created.spec.minReplicas, 1);
  assert.deepEqual(created.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.deepEqual(created.spec.behavior?.scaleUp, { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] });
  assert.deepEqual(created.spec.behavior?.scaleDown, { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  assert.throws(
    () =>
      registry.create(r('HorizontalPodAutoscaler'), 'default', {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'bad' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, minReplicas: 4, maxReplicas: 3 },
      }),
    /spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`/,
  );
  // metric sources k1s has no adapter for are refused, not ignored
  for (const [metrics, path] of [
    [[{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } } }], 'spec.metrics[0].pods'],
    [[{ type: 'External' }], 'spec.metrics[0].type'],
  ] as const) {
    assert.throws(
      () =>
        registry.create(r('HorizontalPodAutoscaler'), 'default', {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'unsupported' },
          spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3, metrics },
        }),
      new RegExp(`${path.replace(/[.[\]]/g, '\\$&')}: Unsupported value: not supported by k1s yet`),
    );
  }
  const row = r('HorizontalPodAutoscaler').printer.row(created, new Date(Date.parse(created.metadata.creationTimestamp!) + 5000));
  assert.deepEqual(row, ['defaults', 'Deployment/x', 'cpu: <unknown>/80%', '1', 3, 0, '5s']);
});
