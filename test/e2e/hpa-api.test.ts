// Real kubectl against the API server alone (no Docker, no HPA controller): `kubectl autoscale`
// (autoscaling/v1, as kubectl 1.32 sends it), `get hpa` columns, both versions of the same object,
// v2 manifests with behavior applied, and what v1 cannot take refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';
import { WEB_DEPLOYMENT } from '../fixtures/manifests.js';

const V2 = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: mem
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 30
`;

const V1 = `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: legacy
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  targetCPUUtilizationPercentage: 60
`;

describe('kubectl and HorizontalPodAutoscalers', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  const ok = (args: string[], input?: string) => h.ok(args, input);
  const fails = (args: string[], input?: string) => h.fails(args, input);

  before(async () => {
    h = await startApi();
    await ok(['create', '-f', '-'], WEB_DEPLOYMENT);
  });
  after(() => h?.stop());

  test('kubectl autoscale creates an HPA (through autoscaling/v1); get hpa prints kube columns', async () => {
    assert.equal(await ok(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5']), 'horizontalpodautoscaler.autoscaling/web autoscaled\n');
    assert.match(await ok(['get', 'hpa']), /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nweb\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+5\s+0\s+\d+s\n$/);
    // the preferred version is v2; v1 shows the same object its own way
    const v2 = JSON.parse(await ok(['get', 'hpa', 'web', '-o', 'json']));
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    const v1 = JSON.parse(await ok(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json']));
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.deepEqual(v1.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    assert.match(await ok(['api-versions']), /^autoscaling\/v1\nautoscaling\/v2$/m);
    assert.match(await ok(['describe', 'hpa', 'web']), /Reference:\s+Deployment\/web\n(.*\n)*Min replicas:\s+1\nMax replicas:\s+5\n/);
    assert.match(await ok(['api-resources', '--api-group=autoscaling']), /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m);
  });

  test('a v2 manifest with behavior and two metrics; its v1 view keeps them in annotations and a v1 write keeps them', async () => {
    await ok(['apply', '-f', '-'], V2);
    assert.match(await ok(['get', 'hpa', 'mem']), /\nmem\s+Deployment\/web\s+memory: <unknown>\/100Mi, cpu: <unknown>\/70%\s+2\s+6\s+0\s+\d+s\n$/);
    const v2 = JSON.parse(await ok(['get', 'hpa', 'mem', '-o', 'json']));
    assert.deepEqual(v2.spec.behavior.scaleDown, { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    const v1 = JSON.parse(await ok(['get', 'horizontalpodautoscalers.v1.autoscaling', 'mem', '-o', 'json']));
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 70);
    assert.ok(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'].includes('memory'));
    // a v1 write (scale the bounds) loses nothing of v2
    await ok(['patch', 'horizontalpodautoscalers.v1.autoscaling', 'mem', '--type=merge', '-p', '{"spec":{"maxReplicas":8}}']);
    const after = JSON.parse(await ok(['get', 'hpa', 'mem', '-o', 'json']));
    assert.equal(after.spec.maxReplicas, 8);
    assert.deepEqual(after.spec.metrics, v2.spec.metrics);
    assert.deepEqual(after.spec.behavior, v2.spec.behavior);
    assert.deepEqual(Object.keys(after.metadata.annotations ?? {}).filter((k) => k.startsWith('autoscaling.alpha')), [], 'the conversion annotations are not stored');
  });

  test('a v1 manifest applies; v1 refuses what only v2 has, with the API server wording', async () => {
    await ok(['apply', '-f', '-'], V1);
    assert.equal(await ok(['get', 'hpa', 'legacy', '-o', 'jsonpath={.spec.metrics[0].resource.target.averageUtilization}']), '60');
    const bad = V1.replace('legacy', 'bad').replace('  targetCPUUtilizationPercentage: 60\n', '  targetCPUUtilizationPercentage: 60\n  behavior: {}\n');
    assert.match(await fails(['create', '-f', '-', '--validate=false'], bad), /HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.behavior"/);
    assert.match(await fails(['autoscale', 'deployment', 'web', '--name=bad2', '--min=3', '--max=2']), /--max=MAXPODS must be larger or equal to --min=MINPODS/);
  });
});
